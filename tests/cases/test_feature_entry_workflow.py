"""Entries of the feature library: proposed by one member of staff, approved or rejected by
another, retired when they no longer apply; every step an event."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.actions import available_actions
from cases.errors import CommandInvalid, TransitionForbidden
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.kinds import as_kind
from cases.models import Case
from cases.workflows.feature_entry import MSG_PROPOSER, FeatureEntryEvent
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(provider) -> Actor:
    return Actor.for_user(make_staff(provider, "reviewer", role=Role.SUPERVISOR))


def propose(actor: Actor, **overrides) -> Case:
    arguments = {
        "sort": "text",
        "syntax": "keywords",
        "value": "冒充客服\n官方退款",
        "category": "impersonation_fraud",
        "rule": "Rule 4.2: impersonating customer service.",
    }
    arguments.update(overrides)
    return commands.feature_entry_propose(actor=actor, **arguments)


def act(entry: Case, actor: Actor, action: str, **arguments) -> Case:
    entry = Case.objects.get(pk=entry.id)
    return commands.case_act(
        case_id=entry.id, actor=actor, expected_version=entry.version, action=action, arguments=arguments
    )


def test_a_proposal_records_what_the_entry_matches_and_who_proposed_it(agent):
    entry = propose(agent, title="")

    event = Event.objects.get(stream_id=entry.id)
    assert event.type == FeatureEntryEvent.PROPOSED
    assert event.data["sort"] == "text" and event.data["syntax"] == "keywords"
    assert event.data["value"] == "冒充客服\n官方退款"
    assert event.data["rule"] == "Rule 4.2: impersonating customer service."
    stored = Case.objects.get(pk=entry.id)
    assert stored.reference.startswith("F-")
    assert (stored.kind, stored.state, stored.category) == ("feature_entry", "proposed", "impersonation_fraud")
    assert stored.title == "冒充客服…"
    assert stored.details["proposed_by"] == agent.user_id
    assert stored.due_at is not None


def test_the_proposer_may_not_approve_or_reject_their_own_entry(agent):
    entry = propose(agent)

    assert available_actions(as_kind(Case.objects.get(pk=entry.id)), agent) == []
    for action, arguments in (("approve", {}), ("reject", {"reason": "No."})):
        with pytest.raises(TransitionForbidden) as refused:
            act(entry, agent, action, **arguments)
        assert str(refused.value) == str(MSG_PROPOSER)
    with pytest.raises(TransitionForbidden):
        commands.case_claim(case_id=entry.id, actor=agent, expected_version=1)
    assert commands.case_take_next(actor=agent) is None
    assert Case.objects.get(pk=entry.id).state == "proposed"


def test_someone_else_approves_and_anyone_may_retire(agent, reviewer):
    entry = propose(agent)

    approved = act(entry, reviewer, "approve")
    assert (approved.state, approved.outcome) == ("approved", "approved")
    assert approved.details["decided_by"] == reviewer.user_id
    assert approved.due_at is None

    retired = act(entry, agent, "retire", reason="The scam has moved on.")
    assert retired.state == "retired" and retired.closed_at is not None
    types = list(Event.objects.filter(stream_id=entry.id).order_by("stream_version").values_list("type", flat=True))
    assert types == [FeatureEntryEvent.PROPOSED, FeatureEntryEvent.APPROVED, FeatureEntryEvent.RETIRED]


def test_a_rejection_needs_a_reason(agent, reviewer):
    entry = propose(agent)

    with pytest.raises(CommandInvalid) as refused:
        act(entry, reviewer, "reject", reason=" ")
    assert set(refused.value.errors) == {"reason"}
    assert act(entry, reviewer, "reject", reason="Too broad.").outcome == "rejected"


def test_a_source_case_is_linked_both_ways(agent, submit_complaint):
    complaint = submit_complaint().case

    entry = propose(agent, source_reference=complaint.reference.lower().replace("-", " "))

    entry = Case.objects.get(pk=entry.id)
    complaint = Case.objects.get(pk=complaint.id)
    assert entry.details["source_reference"] == complaint.reference
    assert entry.details["links"] == [
        {"link": "related", "case_id": str(complaint.id), "reference": complaint.reference}
    ]
    assert complaint.details["links"] == [{"link": "related", "case_id": str(entry.id), "reference": entry.reference}]
    assert Event.objects.filter(stream_id=complaint.id, type=CaseEvent.LINKED).count() == 1


def test_a_source_case_of_another_organisation_is_unknown(agent, other_provider):
    other = Actor.for_user(make_staff(other_provider, "other-agent"))
    foreign = propose(other)

    with pytest.raises(CommandInvalid) as refused:
        propose(agent, value="another", source_reference=foreign.reference)
    assert set(refused.value.errors) == {"source_reference"}


def test_every_bad_field_of_a_proposal_is_named_at_once_and_nothing_is_kept(agent):
    with pytest.raises(CommandInvalid) as refused:
        propose(agent, syntax="regex", value="(a+)+$", category="nonsense", rule="", source_reference="C-2222-2222")

    assert set(refused.value.errors) == {"value", "category", "rule", "source_reference"}
    assert not Case.objects.exists()


def test_an_entry_matching_exactly_what_another_in_force_matches_is_refused(agent, reviewer):
    first = propose(agent)

    with pytest.raises(CommandInvalid) as duplicate:
        propose(agent, value="  冒充客服\n官方退款\n冒充客服 ")
    assert first.reference in duplicate.value.errors["value"][0]

    act(first, reviewer, "reject", reason="Too broad.")
    assert propose(agent).state == "proposed"


def test_only_provider_staff_propose_entries():
    with pytest.raises(TransitionForbidden):
        propose(Actor.public())


def test_the_demo_library_has_entries_of_every_sort_and_state_and_a_complaint_that_matches(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    entries = Case.objects.filter(kind="feature_entry")
    assert {entry.state for entry in entries} == {"approved", "proposed", "retired", "rejected"}
    assert {entry.details["sort"] for entry in entries if entry.state == "approved"} == {"text", "file", "account"}
    assert {entry.details["syntax"] for entry in entries if entry.state == "approved"} >= {"keywords", "regex"}
    matched = Event.objects.filter(type=CaseEvent.FEATURE_MATCHED)
    assert matched.count() == 1
    assert Case.objects.get(pk=matched.get().stream_id).kind == "complaint"
