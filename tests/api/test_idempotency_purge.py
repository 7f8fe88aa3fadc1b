import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _record(key, age_hours):
    record = IdempotencyRecord.objects.create(
        scope="public.complaints", key=key, request_fingerprint="f" * 64, response_status=201, response_body={}
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(hours=age_hours))


def test_old_idempotency_keys_are_forgotten_and_recent_ones_kept():
    _record("old", 30)
    _record("recent", 2)
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "Forgot 1 idempotency key" in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_a_purge_window_under_an_hour_is_refused():
    _record("recent", 0)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_idempotency_keys", "--older-than-hours", "0", stdout=StringIO())
    assert IdempotencyRecord.objects.count() == 1
