"""Real races on PostgreSQL: threads with their own database connections, started together."""

import itertools
import threading
import uuid

import pytest
from django.db import close_old_connections, connection

from accounts.actors import Actor
from cases import commands, eventstore
from cases.commands import command
from cases.errors import ConcurrencyConflict
from cases.eventstore import Event
from cases.models import Case
from tests.conftest import make_staff

WORKERS = 20


def _race(worker, count=WORKERS):
    """Run `worker(i)` in `count` threads released at the same instant; collect outcomes."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", worker(i))
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected by the test
            outcomes[i] = ("error", exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def racers(provider):
    return [Actor.for_user(make_staff(provider, f"racer{i}")) for i in range(WORKERS)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_workers_racing_one_version_one_wins_and_every_loser_gets_the_conflict(submit_complaint, racers):
    case = submit_complaint().case

    outcomes = _race(
        lambda i: commands.complaint_assign(
            case_id=case.id, actor=racers[i], expected_version=1, assignee_id=racers[i].user_id
        )
    )

    winners = [i for i, (kind, _) in enumerate(outcomes) if kind == "ok"]
    losers = [value for kind, value in outcomes if kind == "error"]
    assert len(winners) == 1
    assert len(losers) == WORKERS - 1
    assert all(isinstance(exc, ConcurrencyConflict) for exc in losers), losers
    assert all(exc.current_version == 2 and exc.expected_version == 1 for exc in losers)
    stored = Case.objects.get(pk=case.id)
    assert (stored.version, stored.assignee_id) == (2, racers[winners[0]].user_id)
    assert list(Event.objects.filter(stream_id=case.id).values_list("stream_version", flat=True)) == [1, 2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_that_retry_after_a_conflict_lose_no_update(submit_complaint, racers):
    case = submit_complaint().case
    conflicts = [0] * WORKERS

    def assign_until_it_lands(i):
        while True:
            version = Case.objects.values_list("version", flat=True).get(pk=case.id)
            try:
                return commands.complaint_assign(
                    case_id=case.id, actor=racers[i], expected_version=version, assignee_id=racers[i].user_id
                ).version
            except ConcurrencyConflict:
                conflicts[i] += 1

    outcomes = _race(assign_until_it_lands)

    assert [kind for kind, _ in outcomes] == ["ok"] * WORKERS
    assert sorted(version for _, version in outcomes) == list(range(2, WORKERS + 2))
    events = list(Event.objects.filter(stream_id=case.id).order_by("stream_version"))
    assert [e.stream_version for e in events] == list(range(1, WORKERS + 2))
    # Every worker's own update is in the history exactly once: none was lost or merged.
    assert sorted(e.data["assignee_id"] for e in events[1:]) == sorted(r.user_id for r in racers)
    assert sum(conflicts) > 0
    for earlier, later in itertools.pairwise(events):
        assert later.previous_hash == earlier.hash


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_unique_stream_version_stops_writers_that_slip_past_the_version_check(monkeypatch):
    # Appending without locking a case row: both writers read the stream head before either
    # inserts, so both pass the version check; the unique (stream, version) constraint is what
    # refuses the second, and the command layer reports it as a conflict.
    stream = uuid.uuid4()
    both_checked = threading.Barrier(2)
    read_head = eventstore.stream_head

    def head_then_wait(stream_id):
        head = read_head(stream_id)
        both_checked.wait(timeout=30)
        return head

    monkeypatch.setattr(eventstore, "stream_head", head_then_wait)

    @command
    def append_event(*, case_id, expected_version):
        return eventstore.append(
            stream_id=case_id, expected_version=expected_version, type="case.assigned", data={}, metadata={}
        )

    outcomes = _race(lambda i: append_event(case_id=stream, expected_version=0), count=2)

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, ConcurrencyConflict), error
    assert error.current_version == 1
    assert Event.objects.filter(stream_id=stream).count() == 1
