"""Sign a checkpoint of the log now (the clock worker also signs one at an interval)."""

from typing import Any

from django.core.management.base import BaseCommand

from ledger.checkpoints import checkpoint_create


class Command(BaseCommand):
    help = "Sign a checkpoint of the whole log as it is now (unless the latest one covers it) and print it."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(checkpoint_create().note, ending="")
