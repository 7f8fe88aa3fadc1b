"""Walk every stream's hash chain; exit non-zero naming the first event that fails."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cases.eventstore import ChainBreak, Event, verify_chain
from cases.management.progress import Progress


class Command(BaseCommand):
    help = "Verify the hash chain of every case history. Exits with status 1 at the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        total = Event.objects.count()
        progress = Progress("verified events", self.stderr)
        events = Event.objects.order_by("stream_id", "stream_version").iterator(chunk_size=2000)
        checked = 0
        breaks: list[ChainBreak] = []
        for item in verify_chain(events):
            checked += 1
            if isinstance(item, ChainBreak):
                breaks.append(item)
            elif checked % 1000 == 0:
                progress(checked, total)
        progress(checked, total, final=True)
        if breaks:
            for chain_break in breaks:
                self.stderr.write(f"BROKEN {chain_break.describe()}")
            raise CommandError(f"Ledger verification failed at {breaks[0].describe()}")
        self.stdout.write(f"Ledger verified: {checked} events, every chain intact.")
