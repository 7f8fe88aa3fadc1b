"""What the database's owner can do with the triggers off, caught against a checkpoint kept
elsewhere, naming the position: deleting a case's last event, deleting a whole case,
rewriting an event with every hash after it recomputed, reordering two events."""

from __future__ import annotations

import pytest
from django.db import connection

from cases import commands
from cases.eventstore import GENESIS_HASH, Event
from ledger import tree
from ledger.models import Leaf, Node, TreeState
from tests.ledger.conftest import run, triggers_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_cases(submit_complaint, agent):
    """Three complaints of three events each, their events interleaved in the log."""
    cases = [submit_complaint(description=f"Complaint {n}").case for n in range(3)]
    for version in (1, 2):
        for case in cases:
            commands.case_note_add(case_id=case.id, actor=agent, expected_version=version, note=f"Note {version}")
    return cases


def _events(case) -> list[Event]:
    return list(Event.objects.filter(stream_id=case.id).order_by("stream_version"))


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _uuid(value):
    return Event._meta.get_field("stream_id").get_db_prep_value(value, connection)


def _rechain(stream_id, start_version: int, change) -> None:
    """Rewrite events of a stream from `start_version` on and recompute every hash after it,
    so that the stream's own chain verifies again."""
    previous = GENESIS_HASH
    for event in Event.objects.filter(stream_id=stream_id).order_by("stream_version"):
        if event.stream_version >= start_version:
            if event.stream_version == start_version:
                change(event)
            event.previous_hash = previous
            event.hash = event.computed_hash()
            _execute(
                "UPDATE cases_event SET data = %s, previous_hash = %s, hash = %s WHERE position = %s",
                [
                    Event._meta.get_field("data").get_db_prep_save(event.data, connection),
                    event.previous_hash,
                    event.hash,
                    event.position,
                ],
            )
        previous = event.hash


def test_an_untouched_log_verifies_against_its_checkpoint(three_cases, checkpoint_file):
    kept = checkpoint_file()
    ok, said = run("verify_ledger", "--against", str(kept))
    assert ok, said
    assert "extends the checkpoint" in said


def test_deleting_the_last_event_of_a_case_is_caught_naming_its_position(three_cases, checkpoint_file):
    kept = checkpoint_file()
    last = _events(three_cases[1])[-1]
    with triggers_disabled():
        _execute("DELETE FROM cases_event WHERE position = %s", [last.position])

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    assert f"position {last.position}" in said.splitlines()[-1]
    assert "missing" in said


def test_deleting_a_whole_case_is_caught_naming_its_first_position(three_cases, checkpoint_file):
    kept = checkpoint_file()
    events = _events(three_cases[0])
    with triggers_disabled():
        _execute("DELETE FROM cases_event WHERE stream_id = %s", [_uuid(three_cases[0].id)])

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    assert f"position {events[0].position}" in said.splitlines()[-1]


def test_rewriting_an_event_and_recomputing_every_hash_after_it_is_caught(three_cases, checkpoint_file):
    kept = checkpoint_file()
    case = three_cases[2]
    first = _events(case)[0]
    with triggers_disabled():
        _rechain(case.id, 1, lambda event: event.data.update(description="Nothing to see here."))
    # Every per-case chain verifies again: only the log can tell.
    chain_only = list(Event.objects.filter(stream_id=case.id).order_by("stream_version"))
    assert all(e.computed_hash() == e.hash for e in chain_only)

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    assert f"position {first.position}" in said.splitlines()[-1]
    assert "rewritten" in said


def test_reordering_two_events_is_caught_naming_the_first_moved(three_cases, checkpoint_file):
    kept = checkpoint_file()
    a, b = _events(three_cases[0])[0], _events(three_cases[1])[0]
    with triggers_disabled():
        _execute("UPDATE cases_event SET position = %s WHERE position = %s", [-1, a.position])
        _execute("UPDATE cases_event SET position = %s WHERE position = %s", [a.position, b.position])
        _execute("UPDATE cases_event SET position = %s WHERE position = %s", [b.position, -1])

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    assert f"position {a.position}" in said.splitlines()[-1]


def test_a_rewrite_that_also_rewrites_the_recorded_leaves_is_caught_by_the_stored_tree(three_cases, checkpoint_file):
    kept = checkpoint_file()
    case = three_cases[1]
    first = _events(case)[0]
    with triggers_disabled():
        _rechain(case.id, 1, lambda event: event.data.update(description="Rewritten, leaves too."))
    for event in _events(case):
        Leaf.objects.filter(position=event.position).update(event_hash=event.hash)

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    last = said.splitlines()[-1]
    assert "does not match the checkpoint" in last
    assert f"positions {first.position - 1} to {first.position}" in last or f"positions {first.position} to" in last


def test_a_rewrite_of_events_leaves_and_tree_is_still_caught_against_the_checkpoint(three_cases, checkpoint_file):
    kept = checkpoint_file()
    case = three_cases[1]
    with triggers_disabled():
        _rechain(case.id, 1, lambda event: event.data.update(description="Rewritten, tree too."))
    for event in _events(case):
        Leaf.objects.filter(position=event.position).update(event_hash=event.hash)
    Node.objects.all().delete()
    TreeState.objects.all().delete()
    tree.tree_extend()

    ok, said = run("verify_ledger", "--against", str(kept))

    assert not ok
    assert "does not match the checkpoint" in said.splitlines()[-1]


def test_events_appended_after_the_checkpoint_do_not_disturb_it(three_cases, checkpoint_file, submit_complaint):
    kept = checkpoint_file()
    submit_complaint(description="Later.")
    ok, said = run("verify_ledger", "--against", str(kept))
    assert ok, said
