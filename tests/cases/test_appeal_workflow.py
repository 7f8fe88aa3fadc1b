import pytest

from accounts.actors import Actor
from cases import commands
from cases.errors import CaseNotFound, CommandInvalid, TransitionForbidden
from cases.eventstore import Event
from cases.measures import measure_reference, normalise_measure_reference
from cases.models import Case
from cases.workflows.appeal import MSG_ORIGINAL_DECIDER
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(provider):
    return Actor.for_user(make_staff(provider, "reviewer", role="supervisor"))


def _resolved(
    submit_complaint,
    agent,
    *,
    outcome="violation",
    measures=("content_removed", {"measure": "account_closed", "account": "user-42"}),
):
    submission = submit_complaint(contact_email="person@example.com", consent=True)
    case = submission.case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=3,
        outcome=outcome,
        measures=list(measures) if outcome == "violation" else [],
        summary="Decided.",
    )
    return Case.objects.get(pk=case.id)


def _complainant(case):
    return Actor.public(tracked_case_ids=frozenset({case.id}))


def test_measure_references_read_back_to_their_complaint_and_number():
    assert measure_reference("C-7K4M-9QHX", 2) == "M-7K4M-9QHX-2"
    assert normalise_measure_reference(" m 7k4m 9qhx 2 ") == "M-7K4M-9QHX-2"
    assert normalise_measure_reference("M-7K4M-9QHX-12") == "M-7K4M-9QHX-12"
    assert normalise_measure_reference("C-7K4M-9QHX") is None
    assert normalise_measure_reference("") is None


def test_the_complainant_appeals_a_decision_and_it_is_linked_to_the_complaint(submit_complaint, agent):
    complaint = _resolved(submit_complaint, agent, outcome="no_violation")

    appeal = commands.appeal_file_against_decision(
        case_id=complaint.id, actor=_complainant(complaint), statement="It is my face."
    ).case

    assert (appeal.kind, appeal.state, appeal.related_case_id) == ("appeal", "filed", complaint.id)
    assert appeal.reference.startswith("A-")
    assert appeal.subject_id == complaint.subject_id  # the complainant's details are reused, not copied
    assert appeal.details["original_decider"] == agent.user_id
    assert appeal.due_at is not None


def test_only_someone_tracking_the_complaint_may_appeal_its_decision(submit_complaint, agent):
    complaint = _resolved(submit_complaint, agent)
    with pytest.raises(CaseNotFound):
        commands.appeal_file_against_decision(case_id=complaint.id, actor=Actor.public(), statement="Me too.")


def test_an_undecided_complaint_cannot_be_appealed(submit_complaint):
    complaint = submit_complaint().case
    with pytest.raises(CommandInvalid) as refused:
        commands.appeal_file_against_decision(case_id=complaint.id, actor=_complainant(complaint), statement="x")
    assert "complaint" in refused.value.errors


def test_a_second_appeal_while_one_is_open_is_refused(submit_complaint, agent):
    complaint = _resolved(submit_complaint, agent)
    first = commands.appeal_file_against_decision(
        case_id=complaint.id, actor=_complainant(complaint), statement="No."
    ).case
    with pytest.raises(CommandInvalid) as refused:
        commands.appeal_file_against_decision(case_id=complaint.id, actor=_complainant(complaint), statement="No!")
    assert first.reference in refused.value.errors["appeal"][0]


def test_the_original_decider_may_not_review_the_appeal(submit_complaint, agent, reviewer):
    complaint = _resolved(submit_complaint, agent)
    appeal = commands.appeal_file_against_decision(
        case_id=complaint.id, actor=_complainant(complaint), statement="No."
    ).case

    with pytest.raises(TransitionForbidden) as refused:
        commands.appeal_start_review(case_id=appeal.id, actor=agent, expected_version=1)
    assert str(refused.value) == str(MSG_ORIGINAL_DECIDER)

    reviewed = commands.appeal_start_review(case_id=appeal.id, actor=reviewer, expected_version=1)
    assert reviewed.state == "under_review"


def test_overturning_a_measure_appeal_reverses_that_measure_only(submit_complaint, agent, reviewer):
    complaint = _resolved(submit_complaint, agent)
    second = measure_reference(complaint.reference, 2)

    appeal = commands.appeal_file_against_measure(
        measure_reference=second.lower(), actor=Actor.public(), statement="My account was closed by mistake."
    ).case
    assert (appeal.details["measure"], appeal.details["measure_number"]) == ("account_closed", 2)
    commands.appeal_start_review(case_id=appeal.id, actor=reviewer, expected_version=1)
    commands.appeal_overturn(case_id=appeal.id, actor=reviewer, expected_version=2, reason="Wrong account.")

    complaint = Case.objects.get(pk=complaint.id)
    last = Event.objects.filter(stream_id=complaint.id).order_by("-stream_version").first()
    assert last.type == "complaint.measures_reversed"
    assert last.data == {"appeal_reference": appeal.reference, "measure_numbers": [2]}
    assert complaint.details["reversed_measures"] == [2]
    assert complaint.state == "resolved"
    assert Case.objects.get(pk=appeal.id).outcome == "overturned"

    with pytest.raises(CommandInvalid) as refused:
        commands.appeal_file_against_measure(measure_reference=second, actor=Actor.public(), statement="Again.")
    assert "measure_reference" in refused.value.errors


def test_overturning_a_rejection_reopens_the_complaint(submit_complaint, agent, reviewer):
    complaint = submit_complaint().case
    commands.complaint_reject(
        case_id=complaint.id, actor=agent, expected_version=1, reason="invalid", explanation="No."
    )
    appeal = commands.appeal_file_against_decision(
        case_id=complaint.id, actor=_complainant(complaint), statement="It is valid."
    ).case
    commands.appeal_start_review(case_id=appeal.id, actor=reviewer, expected_version=1)
    commands.appeal_overturn(case_id=appeal.id, actor=reviewer, expected_version=2, reason="It is valid.")

    complaint = Case.objects.get(pk=complaint.id)
    assert complaint.state == "investigating"
    assert complaint.outcome == ""
    assert complaint.due_at == complaint.resolution_due_at


def test_upholding_changes_nothing_on_the_complaint(submit_complaint, agent, reviewer):
    complaint = _resolved(submit_complaint, agent)
    version = complaint.version
    appeal = commands.appeal_file_against_decision(
        case_id=complaint.id, actor=_complainant(complaint), statement="No."
    ).case
    commands.appeal_start_review(case_id=appeal.id, actor=reviewer, expected_version=1)
    commands.appeal_uphold(case_id=appeal.id, actor=reviewer, expected_version=2, reason="Clear violation.")
    commands.appeal_close(case_id=appeal.id, actor=reviewer, expected_version=3)

    assert Case.objects.get(pk=complaint.id).version == version
    assert Case.objects.get(pk=appeal.id).state == "closed"


@pytest.mark.parametrize("reference", ["M-2222-2222-1", "not a reference", "M-7K4M-9QHX-9"])
def test_an_unknown_measure_reference_is_refused_and_nothing_is_saved(submit_complaint, agent, reference):
    _resolved(submit_complaint, agent)
    before = (Event.objects.count(), Case.objects.count())
    with pytest.raises(CommandInvalid) as refused:
        commands.appeal_file_against_measure(measure_reference=reference, actor=Actor.public(), statement="x")
    assert "measure_reference" in refused.value.errors
    assert (Event.objects.count(), Case.objects.count()) == before


def test_an_appeal_with_an_empty_statement_is_refused(submit_complaint, agent):
    complaint = _resolved(submit_complaint, agent)
    with pytest.raises(CommandInvalid) as refused:
        commands.appeal_file_against_decision(case_id=complaint.id, actor=_complainant(complaint), statement=" ")
    assert "statement" in refused.value.errors
