"""Erase the personal data whose retention period has passed; --dry-run reports it first."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.commands.retention import erase_due_personal_data


class Command(BaseCommand):
    help = (
        "Erase the personal data of data subjects whose cases have all been closed for longer than "
        "PERSONAL_DATA_RETENTION_DAYS and are under no legal hold. With --dry-run, only report (counts, subject "
        "ids and case references: no personal data)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report what would be erased; erase nothing.")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = erase_due_personal_data(dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was erased.")
        for line in report.lines():
            self.stdout.write(line)
