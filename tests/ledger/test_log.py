"""Every event is the next leaf of the global log, numbered in its own transaction: no gap in
leaf indices even when appends roll back or race, positions ascending with them, and the
gaps that rolled-back appends leave in positions accounted for by verify_ledger."""

from __future__ import annotations

import threading
import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection, transaction

from cases import commands
from cases.eventstore import Event, append
from cases.models import Case
from ledger.models import Leaf, LeafCounter
from tests.ledger.conftest import run


def _leaves() -> list[tuple[int, int, str]]:
    return list(Leaf.objects.order_by("index").values_list("index", "position", "event_hash"))


def _assert_log_matches_events() -> None:
    leaves = _leaves()
    events = list(Event.objects.order_by("position").values_list("position", "hash"))
    assert [index for index, _p, _h in leaves] == list(range(len(events)))
    assert [(p, h) for _i, p, h in leaves] == events


@pytest.mark.django_db
def test_appended_events_are_leaves_in_position_order_without_gaps(submit_complaint, agent):
    case = submit_complaint().case
    commands.case_note_add(case_id=case.id, actor=agent, expected_version=1, note="A note.")
    event = append(stream_id=uuid.uuid4(), expected_version=0, type="test.appended", data={}, metadata={})

    _assert_log_matches_events()
    assert event.leaf_index == Leaf.objects.get(position=event.position).index == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_append_leaves_a_position_gap_but_no_leaf_gap_and_verify_accounts_for_it():
    append(stream_id=uuid.uuid4(), expected_version=0, type="test.kept", data={}, metadata={})
    with pytest.raises(RuntimeError), transaction.atomic():
        append(stream_id=uuid.uuid4(), expected_version=0, type="test.rolled_back", data={}, metadata={})
        raise RuntimeError("the command failed after its append")
    append(stream_id=uuid.uuid4(), expected_version=0, type="test.kept", data={}, metadata={})

    positions = list(Event.objects.order_by("position").values_list("position", flat=True))
    _assert_log_matches_events()
    if connection.vendor == "postgresql":  # SQLite reuses the highest rowid once it is rolled back
        assert positions[1] - positions[0] == 2
        ok, said = run("verify_ledger")
        assert ok, said
        assert "1 positions left unused by rolled-back appends" in said
    else:
        ok, said = run("verify_ledger")
        assert ok, said


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_appenders_get_gapless_leaves_in_position_order(provider):
    """Twelve threads file complaints at once, some of them rolling back after their append."""
    from accounts.actors import Actor

    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                try:
                    with transaction.atomic():
                        commands.complaint_submit(
                            organisation=provider,
                            actor=Actor.public(),
                            category="unlabelled_synthetic",
                            description=f"Racer {number}, round {round_}",
                            content_urls=[],
                        )
                        if (number + round_) % 4 == 0:
                            raise LookupError("rolled back after the append")
                except LookupError:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    _assert_log_matches_events()
    assert Leaf.objects.count() == 12 * 5 - sum(1 for n in range(12) for r in range(5) if (n + r) % 4 == 0)
    assert LeafCounter.objects.get().size == Leaf.objects.count()
    ok, said = run("verify_ledger")
    assert ok, said


@pytest.mark.django_db
def test_a_log_whose_counter_row_was_taken_numbers_on_from_its_highest_leaf(submit_complaint, agent):
    # A harness that empties every table takes the counter's row; the migration made it.
    case = submit_complaint().case
    LeafCounter.objects.all().delete()

    commands.case_note_add(case_id=case.id, actor=agent, expected_version=1, note="After the counter went.")
    submit_complaint()

    _assert_log_matches_events()
    assert Case.objects.get(pk=case.id).version == 2
    if connection.vendor == "postgresql":  # SQLite numbers from the highest leaf and keeps no counter
        assert LeafCounter.objects.get().size == Leaf.objects.count() == 3


@pytest.mark.django_db
def test_the_migration_numbers_events_stored_before_the_log(submit_complaint):
    for n in range(4):
        submit_complaint(description=f"Stored before {n}")
    expected = list(Event.objects.order_by("position").values_list("position", "hash"))
    Leaf.objects.all().delete()
    LeafCounter.objects.all().delete()

    import_module("ledger.migrations.0002_leaves_for_stored_events").number_stored_events(apps, None)

    _assert_log_matches_events()
    assert [(p, h) for _i, p, h in _leaves()] == expected
    assert LeafCounter.objects.get().size == len(expected)


@pytest.mark.django_db
def test_an_event_slipped_in_without_a_leaf_is_named(submit_complaint):
    submit_complaint()
    event = Event.objects.order_by("-position").first()
    Leaf.objects.filter(position=event.position).delete()

    ok, said = run("verify_ledger")

    assert not ok
    assert f"position {event.position}: this event was never appended to the log" in said


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_between_the_sequencer_and_a_case_lock_runs_the_loser_once_more(submit_complaint):
    """One command appends (holding the log's sequencer) and then locks case B; the other
    locks case B first and then appends. PostgreSQL fails one; it runs again and both land."""
    from cases.commands.common import command
    from cases.models import Case

    case_b = submit_complaint().case
    both_hold_their_first_lock = threading.Barrier(2, timeout=20)
    runs: list[str] = []
    errors: list[BaseException] = []

    @command
    def append_then_lock() -> None:
        runs.append("append_then_lock")
        append(stream_id=uuid.uuid4(), expected_version=0, type="test.first", data={}, metadata={})
        if runs.count("append_then_lock") == 1:
            both_hold_their_first_lock.wait()
        list(Case.objects.select_for_update().filter(pk=case_b.pk))

    @command
    def lock_then_append() -> None:
        runs.append("lock_then_append")
        list(Case.objects.select_for_update().filter(pk=case_b.pk))
        if runs.count("lock_then_append") == 1:
            both_hold_their_first_lock.wait()
        append(stream_id=uuid.uuid4(), expected_version=0, type="test.second", data={}, metadata={})

    def worker(function) -> None:
        try:
            function()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f,)) for f in (append_then_lock, lock_then_append)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    # One of the two ran again: once, or twice should it have met the other again.
    assert len(runs) in (3, 4)
    assert Event.objects.filter(type__in=["test.first", "test.second"]).count() == 2
    _assert_log_matches_events()


@pytest.mark.django_db
def test_a_leaf_hash_has_one_index_and_a_lookup_by_hash_uses_it(submit_complaint):
    submit_complaint()
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Leaf._meta.db_table)
        on_hash = sorted(name for name, facts in constraints.items() if facts["columns"] == ["event_hash"])
        assert on_hash == ["leaf_event_hash_idx"]
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test's table is tiny
            cursor.execute(
                "EXPLAIN SELECT index, position FROM ledger_leaf WHERE event_hash = %s",
                [Leaf.objects.values_list("event_hash", flat=True).first()],
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "leaf_event_hash_idx" in plan, plan
