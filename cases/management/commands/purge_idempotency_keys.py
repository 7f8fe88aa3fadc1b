"""Forget the stored answers to Idempotency-Key requests once no client would retry them."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cases.models import IdempotencyRecord


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than --older-than-hours (default 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=int, default=24)

    def handle(self, *args: Any, older_than_hours: int, **options: Any) -> None:
        if older_than_hours < 1:
            raise CommandError("--older-than-hours must be at least 1: a client may still be retrying.")
        cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
        deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Forgot {deleted} idempotency key(s) older than {older_than_hours} h.")
