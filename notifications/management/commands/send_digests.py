"""Send the staff's daily digests that are due now, without waiting for the clock worker."""

from typing import Any

from django.core.management.base import BaseCommand

from notifications.digest import digests_send_due


class Command(BaseCommand):
    help = (
        "Send the daily digests that are due: today's (Beijing time) once STAFF_DIGEST_HOUR has come, "
        "and any that a stopped worker left unsent. Each person gets one digest a day however often it runs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sent {digests_send_due()} digests.")
