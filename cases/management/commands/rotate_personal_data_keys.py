"""Re-wrap every data subject's key under the newest master key, with no downtime.

Put the new key first in PERSONAL_DATA_KEYS and keep the old one after it, restart, run this;
once it reports nothing left under the old key, the old key may be removed. Subjects are
re-wrapped in small batches, each in its own transaction: readers and writers carry on, since
every configured key still unwraps.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases import vault
from cases.models import DataSubject


class Command(BaseCommand):
    help = (
        "Re-wrap every data subject's key under the first (newest) key of PERSONAL_DATA_KEYS, in batches; "
        "then the older keys may be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Subjects per transaction.")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        newest = vault.current_master_key()
        rewrapped = 0
        while True:
            with transaction.atomic():
                subjects = list(
                    DataSubject.objects.select_for_update()
                    .exclude(key_id=newest.id)
                    .exclude(wrapped_key="")
                    .only("id", "wrapped_key", "key_id")[:batch]
                )
                for subject in subjects:
                    key = vault.unwrap_key(subject.wrapped_key, subject.id, subject.key_id)
                    subject.wrapped_key = vault.wrap_key(key, subject.id, newest)
                    subject.key_id = newest.id
                    subject.save(update_fields=["wrapped_key", "key_id"])
            rewrapped += len(subjects)
            if len(subjects) < batch:
                break
        left = DataSubject.objects.exclude(key_id=newest.id).exclude(wrapped_key="").count()
        self.stdout.write(
            f"Re-wrapped {rewrapped} subject keys under master key {newest.id!r}; {left} left under others."
        )
