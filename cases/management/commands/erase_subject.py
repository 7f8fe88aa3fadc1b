"""Erase one data subject's personal data (destroy their key) with a reason, as the system.

Refused, naming each hold and until when, while a legal hold applies to one of their cases.
"""

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actors import Actor
from cases.commands.erasure import erase_subject
from cases.errors import DomainError


class Command(BaseCommand):
    help = (
        "Erase a data subject's personal data: destroy their key and record 'personal data erased' on each of "
        "their cases. Refused while a legal hold applies. Prints no personal data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subject_id", type=uuid.UUID, help="The data subject's id.")
        parser.add_argument("--reason", required=True, help="Why (recorded on each case; name no one in it).")

    def handle(self, *args: Any, subject_id: uuid.UUID, reason: str, **options: Any) -> None:
        try:
            erasure = erase_subject(Actor.system(), subject_id, reason=reason)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        cases = ", ".join(erasure.case_references) or "none"
        self.stdout.write(f"Erased data subject {erasure.subject_id}; recorded on cases: {cases}")
