import json

import pytest
from django.utils import timezone

from accounts.actors import Actor
from cases import commands, eventstore
from cases.errors import CaseNotFound, CommandInvalid, ConcurrencyConflict, TransitionForbidden, TransitionNotAllowed
from cases.eventstore import Event
from cases.models import Case, DataSubject, TrackingCredential
from cases.references import is_reference, token_matches
from cases.workflows.complaint import (
    MSG_DUPLICATE_OF_REQUIRED,
    MSG_MEASURES_REQUIRED,
    MSG_NO_MEASURES_WITHOUT_VIOLATION,
)
from cases.workflows.validation import MSG_REQUIRED
from notifications.models import OutboxMessage
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def _counts():
    return (Event.objects.count(), Case.objects.count(), DataSubject.objects.count(), OutboxMessage.objects.count())


def _events(case):
    return list(Event.objects.filter(stream_id=case.id).order_by("stream_version"))


def _investigating(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    return commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)


# --- Submission -----------------------------------------------------------------------------


def test_submitting_records_the_event_the_projection_and_the_outbox_row(submit_complaint, provider):
    submission = submit_complaint(contact_email="person@example.com", contact_phone="+86 138 0000 0000", consent=True)
    case = Case.objects.get(pk=submission.case.id)

    [event] = _events(case)
    assert event.type == "complaint.submitted"
    assert event.metadata["actor"] == {"role": "public", "user_id": None}
    assert event.metadata["request_id"] == "test-public"
    assert (case.state, case.version, case.organisation, case.kind) == ("submitted", 1, provider, "complaint")
    assert is_reference(case.reference)
    assert case.due_at == case.first_response_due_at > timezone.now()
    assert case.resolution_due_at > case.first_response_due_at
    assert OutboxMessage.objects.filter(event_position=event.position, channel="live").exists()
    assert OutboxMessage.objects.filter(event_position=event.position, channel="email").exists()


def test_personal_data_never_enters_the_event_log(submit_complaint):
    submission = submit_complaint(
        contact_name="张三", contact_email="zhang.san@example.com", contact_phone="13800000000", consent=True
    )
    [event] = _events(submission.case)
    recorded = json.dumps([event.data, event.metadata], ensure_ascii=False)

    subject = DataSubject.objects.get()
    assert event.data["subject_id"] == str(subject.pk)
    for personal in ("张三", "zhang.san@example.com", "13800000000"):
        assert personal not in recorded
    assert (subject.name, subject.email, subject.phone) == ("张三", "zhang.san@example.com", "13800000000")


def test_anonymous_filing_keeps_no_contact_details_and_queues_no_mail(submit_complaint):
    submission = submit_complaint()
    # The anonymous filer has a data subject all the same: its key seals what they wrote.
    subject = DataSubject.objects.get(pk=submission.case.subject_id)
    assert (subject.name, subject.email, subject.phone) == ("", "", "")
    assert not OutboxMessage.objects.filter(channel="email").exists()


def test_the_tracking_token_is_stored_only_as_a_hash(submit_complaint):
    submission = submit_complaint()
    credential = TrackingCredential.objects.get(case=submission.case)
    assert len(submission.tracking_token) >= 32
    assert submission.tracking_token not in credential.token_hash
    assert token_matches(submission.tracking_token, credential.token_hash)
    assert not token_matches(submission.tracking_token + "x", credential.token_hash)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "not-a-category"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"content_urls": ["javascript:alert(1)"]}, "content_urls"),
        ({"content_urls": ["not a url"]}, "content_urls"),
        ({"content_urls": [f"https://e.example/{i}" for i in range(11)]}, "content_urls"),
        ({"contact_email": "person@example.com"}, "consent"),
        ({"contact_email": "not-an-email", "consent": True}, "contact_email"),
        ({"contact_phone": "call me", "consent": True}, "contact_phone"),
    ],
)
def test_invalid_submissions_name_the_field_and_save_nothing(submit_complaint, overrides, field):
    before = _counts()
    with pytest.raises(CommandInvalid) as refused:
        submit_complaint(**overrides)
    assert field in refused.value.errors
    assert _counts() == before
    assert not TrackingCredential.objects.exists()


def test_complaints_can_only_be_filed_with_a_provider(submit_complaint):
    from accounts.models import Organisation

    regulator = Organisation.objects.create(slug="cac", name="CAC", kind=Organisation.Kind.REGULATOR)
    with pytest.raises(CommandInvalid) as refused:
        submit_complaint(organisation=regulator)
    assert "organisation" in refused.value.errors


def test_face_or_voice_edited_without_consent_gets_high_priority(submit_complaint):
    assert submit_complaint(category="face_voice_without_consent").case.priority == 3
    assert submit_complaint(category="other").case.priority == 2


# --- The workflow ---------------------------------------------------------------------------


def test_a_complaint_goes_from_submission_to_closure(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1, note="looks real")
    commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="When?")
    commands.complaint_receive_information(case_id=case.id, actor=agent, expected_version=4, text="Yesterday.")
    commands.complaint_resolve(
        case_id=case.id,
        actor=agent,
        expected_version=5,
        outcome="violation",
        measures=["content_removed", {"measure": "warning", "account": "uploader-7"}],
        summary="Removed.",
    )
    commands.complaint_close(case_id=case.id, actor=agent, expected_version=6)

    case = Case.objects.get(pk=case.id)
    assert (case.state, case.version, case.outcome) == ("closed", 7, "violation")
    assert [(m["measure"], m["account"]) for m in case.details["measures"]] == [
        ("content_removed", ""),
        ("warning", "uploader-7"),
    ]
    assert case.due_at is None and case.closed_at is not None
    moves = [(e.data.get("from_state"), e.data.get("to_state")) for e in _events(case)]
    assert moves == [
        (None, "submitted"),
        ("submitted", "triaged"),
        ("triaged", "investigating"),
        ("investigating", "awaiting_complainant"),
        ("awaiting_complainant", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "closed"),
    ]
    assert all(e.metadata["actor"]["user_id"] == agent.user_id for e in _events(case)[1:])


def test_accepting_counts_as_the_first_response_and_moves_the_deadline(submit_complaint, agent):
    case = submit_complaint().case
    case = commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    assert case.first_responded_at is not None
    assert case.due_at == case.resolution_due_at


def test_resolve_requires_an_outcome_and_matching_measures(submit_complaint, agent):
    case = _investigating(submit_complaint, agent)
    attempts = [
        ({"outcome": "", "summary": "x"}, "outcome", None),
        ({"outcome": "violation", "summary": "x"}, "measures", MSG_MEASURES_REQUIRED),
        (
            {"outcome": "no_violation", "measures": ["warning"], "summary": "x"},
            "measures",
            MSG_NO_MEASURES_WITHOUT_VIOLATION,
        ),
        ({"outcome": "violation", "measures": ["beheading"], "summary": "x"}, "measures", None),
        ({"outcome": "no_violation", "summary": ""}, "summary", MSG_REQUIRED),
    ]
    for arguments, field, message in attempts:
        with pytest.raises(CommandInvalid) as refused:
            commands.complaint_resolve(case_id=case.id, actor=agent, expected_version=3, **arguments)
        assert field in refused.value.errors
        if message:
            assert refused.value.errors[field] == [str(message)]
    assert Case.objects.get(pk=case.id).state == "investigating"
    assert len(_events(case)) == 3


def test_a_rejection_needs_a_reason_and_a_duplicate_names_its_original(submit_complaint, agent):
    original = submit_complaint().case
    case = submit_complaint().case

    with pytest.raises(CommandInvalid) as refused:
        commands.complaint_reject(case_id=case.id, actor=agent, expected_version=1, reason="bored", explanation="x")
    assert "reason" in refused.value.errors
    with pytest.raises(CommandInvalid) as refused:
        commands.complaint_reject(
            case_id=case.id, actor=agent, expected_version=1, reason="duplicate", explanation="Seen before."
        )
    assert refused.value.errors["duplicate_of"] == [str(MSG_DUPLICATE_OF_REQUIRED)]
    with pytest.raises(CommandInvalid):
        commands.complaint_reject(
            case_id=case.id,
            actor=agent,
            expected_version=1,
            reason="duplicate",
            explanation="Seen before.",
            duplicate_of=case.reference,
        )

    rejected = commands.complaint_reject(
        case_id=case.id,
        actor=agent,
        expected_version=1,
        reason="duplicate",
        explanation="Seen before.",
        duplicate_of=original.reference.lower(),
    )
    assert (rejected.state, rejected.outcome) == ("rejected", "rejected_duplicate")
    assert _events(case)[-1].data["duplicate_of"] == original.reference


def test_a_transition_from_the_wrong_state_is_refused(submit_complaint, agent):
    case = submit_complaint().case
    with pytest.raises(TransitionNotAllowed) as refused:
        commands.complaint_resolve(
            case_id=case.id, actor=agent, expected_version=1, outcome="no_violation", summary="x"
        )
    assert refused.value.state == "submitted"
    assert len(_events(case)) == 1


def test_a_stale_version_is_refused_with_the_current_one(submit_complaint, agent):
    case = submit_complaint().case
    commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
    with pytest.raises(ConcurrencyConflict) as refused:
        commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=1)
    assert refused.value.current_version == 2


# --- Who may do what ------------------------------------------------------------------------


def test_staff_of_another_organisation_cannot_see_the_case(submit_complaint, other_provider):
    outsider = Actor.for_user(make_staff(other_provider, "outsider"))
    case = submit_complaint().case
    with pytest.raises(CaseNotFound):
        commands.complaint_accept(case_id=case.id, actor=outsider, expected_version=1)
    assert Case.objects.get(pk=case.id).state == "submitted"


def test_a_regulator_cannot_act_on_a_providers_complaint(submit_complaint):
    from accounts.models import Organisation

    regulator = Organisation.objects.create(slug="cac", name="CAC", kind=Organisation.Kind.REGULATOR)
    officer = Actor.for_user(make_staff(regulator, "officer", role="regulator_officer"))
    case = submit_complaint().case
    with pytest.raises(CaseNotFound):
        commands.complaint_accept(case_id=case.id, actor=officer, expected_version=1)
    assert Case.objects.get(pk=case.id).state == "submitted"


def test_the_public_may_answer_a_question_on_a_case_they_track_but_not_decide_it(submit_complaint, agent):
    case = _investigating(submit_complaint, agent)
    commands.complaint_request_information(case_id=case.id, actor=agent, expected_version=3, question="When?")
    stranger = Actor.public()
    tracker = Actor.public(tracked_case_ids=frozenset({case.id}))

    with pytest.raises(CaseNotFound):
        commands.complaint_receive_information(case_id=case.id, actor=stranger, expected_version=4, text="Now")
    case = commands.complaint_receive_information(case_id=case.id, actor=tracker, expected_version=4, text="Now")
    assert case.state == "investigating"
    with pytest.raises(TransitionForbidden):
        commands.complaint_resolve(
            case_id=case.id, actor=tracker, expected_version=5, outcome="no_violation", summary="x"
        )


def test_a_case_can_only_be_assigned_to_staff_of_its_organisation(submit_complaint, agent, other_provider, provider):
    case = submit_complaint().case
    outsider = make_staff(other_provider, "outsider")
    colleague = make_staff(provider, "colleague")

    with pytest.raises(CommandInvalid) as refused:
        commands.complaint_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=outsider.pk)
    assert "assignee" in refused.value.errors

    case = commands.complaint_assign(case_id=case.id, actor=agent, expected_version=1, assignee_id=colleague.pk)
    assert Case.objects.get(pk=case.id).assignee == colleague
    assert case.state == "submitted"


# --- Atomicity ------------------------------------------------------------------------------


def _fail_once_the_event_is_written(monkeypatch):
    """The connection drops after the statement that wrote the event, the case row and the
    outbox has run, before the command commits."""
    real_write = eventstore.write

    def write_then_fail(event):
        real_write(event)
        assert Event.objects.filter(position=event.position).exists()
        assert OutboxMessage.objects.filter(event_position=event.position).exists()
        raise ConnectionError("connection lost before commit")

    monkeypatch.setattr(eventstore, "write", write_then_fail)


def test_a_command_that_fails_midway_leaves_no_event_and_no_projection_change(submit_complaint, agent, monkeypatch):
    case = submit_complaint().case
    before = Case.objects.filter(pk=case.id).values().get()
    events_before = Event.objects.count()

    _fail_once_the_event_is_written(monkeypatch)
    with pytest.raises(ConnectionError):
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)

    assert Event.objects.count() == events_before
    assert Case.objects.filter(pk=case.id).values().get() == before


def test_a_submission_that_fails_midway_leaves_no_personal_data_behind(submit_complaint, monkeypatch):
    before = _counts()

    _fail_once_the_event_is_written(monkeypatch)
    with pytest.raises(ConnectionError):
        submit_complaint(contact_email="person@example.com", consent=True)

    assert _counts() == before
    assert not TrackingCredential.objects.exists()


def test_a_reference_that_collides_is_drawn_again_and_nothing_is_lost(submit_complaint, monkeypatch):
    from cases import references

    taken = submit_complaint().case.reference
    draws = iter([taken, "C-2345-6789"])
    monkeypatch.setattr(references, "new_reference", lambda kind: next(draws))
    import cases.commands.common as common

    monkeypatch.setattr(common, "new_reference", references.new_reference)

    case = submit_complaint(contact_email="person@example.com", consent=True).case

    assert case.reference == "C-2345-6789"
    assert Case.objects.filter(reference=taken).count() == 1
    assert DataSubject.objects.exclude(email_sealed="").count() == 1
    assert Event.objects.filter(stream_id=case.id).count() == 1
