""" "Next case": the most urgent unclaimed open case goes to whoever asks, unless its kind says
they may not handle it (the four-eyes rule of appeals)."""

import datetime as dt
import itertools

import pytest

from accounts.actors import Actor
from cases import commands
from cases.commands import staff as staff_commands
from cases.eventstore import ChainBreak, Event, verify_chain
from cases.models import Case
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def taker(provider):
    return Actor.for_user(make_staff(provider, "taker"))


def _waiting_on_the_complainant(submit_complaint, agent):
    case = submit_complaint(description="Waiting on the complainant").case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="Which one?")
    return case


def _appeal_decided_by(submit_complaint, decider):
    rejected = submit_complaint(description="Rejected").case
    commands.complaint_reject(
        case_id=rejected.id, actor=decider, expected_version=1, reason="invalid", explanation="No."
    )
    return commands.appeal_file_against_decision(
        case_id=rejected.id, actor=Actor.public(tracked_case_ids=frozenset({rejected.id})), statement="Unfair."
    ).case


def _everything_handed_to(actor):
    handed = []
    while (case := commands.case_take_next(actor=actor)) is not None:
        handed.append(case)
    return handed


def test_next_case_hands_out_the_earliest_deadline_first_and_cases_without_one_last(
    submit_complaint, agent, agent_user, taker, other_provider
):
    first = submit_complaint(description="Filed first").case  # first response due in a day
    second = submit_complaint(description="Filed second").case  # due a moment after the first
    accepted = submit_complaint(description="Accepted").case
    commands.complaint_accept(case_id=accepted.id, actor=agent, expected_version=1)  # due in days
    waiting = _waiting_on_the_complainant(submit_complaint, agent)  # clock paused: no deadline
    overdue = submit_complaint(description="Overdue").case
    Case.objects.filter(pk=overdue.pk).update(due_at=overdue.created_at - dt.timedelta(hours=1))
    taken = submit_complaint(description="Already someone's").case
    commands.case_assign(case_id=taken.id, actor=agent, expected_version=1, assignee_id=agent_user.pk)
    finished = submit_complaint(description="Rejected").case
    commands.complaint_reject(case_id=finished.id, actor=agent, expected_version=1, reason="invalid", explanation="No.")
    commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="Not ours"
    )

    handed = _everything_handed_to(taker)

    assert [case.reference for case in handed] == [
        case.reference for case in (overdue, first, second, accepted, waiting)
    ]
    for case in handed:
        stored = Case.objects.get(pk=case.id)
        assert stored.assignee_id == taker.user_id
        last = Event.objects.filter(stream_id=case.id).order_by("-stream_version").first()
        assert (last.type, last.data["assignee_id"], last.stream_version) == (
            "case.assigned",
            taker.user_id,
            stored.version,
        )
    assert Case.objects.get(pk=taken.pk).assignee_id == agent_user.pk


def test_an_appeal_is_not_handed_to_the_person_who_made_the_original_decision(submit_complaint, agent, provider):
    appeal = _appeal_decided_by(submit_complaint, agent)
    Case.objects.filter(pk=appeal.pk).update(due_at=appeal.created_at)  # the most urgent of all
    complaint = submit_complaint(description="Someone else's decision to make").case

    assert commands.case_take_next(actor=agent).id == complaint.id
    assert commands.case_take_next(actor=agent) is None  # the appeal waits for someone else

    reviewer = Actor.for_user(make_staff(provider, "reviewer"))
    assert commands.case_take_next(actor=reviewer).id == appeal.id
    assert Case.objects.get(pk=appeal.pk).assignee_id == reviewer.user_id


def test_next_case_reads_on_past_a_batch_of_cases_the_agent_may_not_handle(submit_complaint, agent, monkeypatch):
    monkeypatch.setattr(staff_commands, "NEXT_CASE_BATCH", 2)
    appeals = [_appeal_decided_by(submit_complaint, agent) for _ in range(3)]
    for appeal in appeals:
        Case.objects.filter(pk=appeal.pk).update(due_at=appeal.created_at)
    complaint = submit_complaint(description="The only one for this agent").case

    assert commands.case_take_next(actor=agent).id == complaint.id
    assert all(Case.objects.get(pk=appeal.pk).assignee_id is None for appeal in appeals)


def test_next_case_records_one_assignment_and_keeps_the_chain_intact(submit_complaint, taker):
    case = submit_complaint().case

    commands.case_take_next(actor=taker)

    events = list(Event.objects.filter(stream_id=case.id).order_by("stream_version"))
    assert [e.type for e in events] == ["complaint.submitted", "case.assigned"]
    assert not any(isinstance(result, ChainBreak) for result in verify_chain(iter(events)))
    for earlier, later in itertools.pairwise(events):
        assert later.previous_hash == earlier.hash


def test_only_staff_may_ask_for_the_next_case(submit_complaint, public):
    from cases.errors import TransitionForbidden

    submit_complaint()

    with pytest.raises(TransitionForbidden):
        commands.case_take_next(actor=public)
