"""verify_ledger with worker processes: the chains checked in several processes, in the
command's snapshot, while the command walks the global log; what they find is what one walk
finds. Run as the operator runs it, a process of its own."""

from __future__ import annotations

import itertools

import pytest

from cases.eventstore import Event
from cases.stream_workers import stream_ranges
from tests.cases.conftest import HALF
from tests.conftest import tamper
from tests.processes import manage


def test_the_ranges_of_stream_ids_cover_every_id_once():
    for parts in (1, 2, 3, 7):
        ranges = stream_ranges(parts)
        assert len(ranges) == parts
        assert ranges[0][0] is None and ranges[-1][1] is None
        for (_, high), (low, _) in itertools.pairwise(ranges):
            assert high == low
    assert stream_ranges(2)[0][1] == HALF


@pytest.mark.django_db(transaction=True)
def test_two_workers_verify_an_intact_ledger(cases_in_both_halves):
    events = 2 * len(cases_in_both_halves)

    result = manage("verify_ledger", "--workers", "2")

    assert result.returncode == 0, result.stderr
    assert f"Ledger verified: {events} events, every chain intact" in result.stdout
    assert f"verified events: {events:,}/{events:,} (100%)" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_name_an_altered_event_in_each_half_and_the_log_is_walked_again(cases_in_both_halves):
    low = next(c for c in cases_in_both_halves if c.id < HALF)
    high = next(c for c in cases_in_both_halves if c.id >= HALF)
    targets = [Event.objects.get(stream_id=case.id, stream_version=2) for case in (low, high)]
    for target in targets:
        tamper("UPDATE cases_event SET data = %s WHERE position = %s", ['{"note": "forged"}', target.pk])

    result = manage("verify_ledger", "--workers", "2")

    assert result.returncode == 1
    for target in targets:
        # Each worker found the break in its own half...
        assert f"BROKEN event #{target.pk} " in result.stderr
        # ...and the log, first walked trusting the stored hashes, was walked again hashing each event.
        assert f"position {target.pk}: " in _log_findings(result.stderr)
    assert "altered" in result.stderr


def _log_findings(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if line.startswith("LOG "))


@pytest.mark.django_db
def test_workers_must_be_at_least_one():
    result = manage("verify_ledger", "--workers", "0")
    assert result.returncode != 0
    assert "--workers must be at least 1" in result.stderr
