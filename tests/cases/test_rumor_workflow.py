"""The rumor-refutation workflow through its commands: opened from complaints (or on its own)
with the link on both streams, verified, confirmed false or not, published, reported, closed;
and complaints filed later about a refuted address linked to the refutation on intake."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.actors import Actor
from cases import commands
from cases.errors import CommandInvalid, ConcurrencyConflict, TransitionForbidden
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.links import LinkType
from cases.models import Case
from cases.sla import CHINA_TIME, end_of_nth_working_day
from cases.workflows.rumor import MSG_CONTENT_URLS_REQUIRED, Rumor, RumorEvent, is_published
from cases.workflows.validation import MSG_DATE_IN_FUTURE

pytestmark = pytest.mark.django_db

CLAIM = "A synthetic video shows the river dam breaking this morning."
SEEN_AT = "https://video.example.com/v/dam"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def open_rumor(agent: Actor, complaint: Case, *, also_from: tuple[str, ...] = (), **arguments) -> Rumor:
    return commands.case_open(
        kind="rumor",
        actor=agent,
        case_id=complaint.id,
        expected_version=Case.objects.get(pk=complaint.pk).version,
        arguments={"claim": CLAIM, **arguments},
        also_from=also_from,
    )


def act(case: Case, actor: Actor, action: str, **arguments) -> Case:
    case.refresh_from_db()
    return commands.case_act(
        case_id=case.id, actor=actor, expected_version=case.version, action=action, arguments=arguments
    )


def publish(rumor: Case, agent: Actor, **arguments) -> Case:
    act(rumor, agent, "start_verification")
    act(rumor, agent, "record_source", source="City water authority", finding="The dam is intact.")
    act(rumor, agent, "confirm_false", verdict="fabricated", findings="The video is generated.")
    return act(rumor, agent, "publish", explanation="The dam is intact.", evidence="Photos taken today.", **arguments)


def links_of(case: Case) -> list[tuple[str, str]]:
    case.refresh_from_db()
    return [(link["link"], link["reference"]) for link in case.details.get("links", [])]


def test_a_refutation_opened_from_a_complaint_is_linked_to_it_on_both_streams(submit_complaint, agent):
    complaint = submit_complaint(content_urls=[SEEN_AT]).case

    rumor = open_rumor(agent, complaint)

    assert (rumor.kind, rumor.state, rumor.reference[:2]) == ("rumor", "opened", "R-")
    assert rumor.description == CLAIM
    # Where the complainant saw it is where the claim appeared.
    assert rumor.details["content_urls"] == [SEEN_AT]
    assert links_of(rumor) == [(LinkType.REFUTES, complaint.reference)]
    assert links_of(complaint) == [(LinkType.REFUTED_BY, rumor.reference)]
    opened = Event.objects.get(stream_id=rumor.id, stream_version=1)
    assert opened.type == RumorEvent.OPENED
    assert opened.metadata["actor"] == {"role": "agent", "user_id": agent.user_id}
    linked = Event.objects.get(stream_id=complaint.id, type=CaseEvent.LINKED)
    assert linked.data == {"link": "refuted_by", "linked_case_id": str(rumor.id), "linked_reference": rumor.reference}


def test_a_refutation_gets_the_time_limits_of_its_kind(submit_complaint, agent):
    before = timezone.now()
    rumor = open_rumor(agent, submit_complaint().case)

    assert before + dt.timedelta(hours=24) <= rumor.first_response_due_at <= timezone.now() + dt.timedelta(hours=24)
    assert rumor.resolution_due_at == end_of_nth_working_day(rumor.created_at, 3)
    assert rumor.due_at == rumor.first_response_due_at


def test_a_refutation_opened_from_two_complaints_links_both(submit_complaint, agent):
    first = submit_complaint(content_urls=[SEEN_AT]).case
    second = submit_complaint(content_urls=["https://social.example.com/p/9"]).case

    rumor = open_rumor(agent, first, also_from=(second.reference.lower().replace("-", " "),))

    assert links_of(rumor) == [(LinkType.REFUTES, first.reference), (LinkType.REFUTES, second.reference)]
    assert links_of(second) == [(LinkType.REFUTED_BY, rumor.reference)]
    assert rumor.details["content_urls"] == [SEEN_AT, "https://social.example.com/p/9"]


def test_opening_names_the_other_case_that_cannot_be_used(submit_complaint, agent, other_provider):
    complaint = submit_complaint().case
    elsewhere = commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="Elsewhere."
    ).case

    with pytest.raises(CommandInvalid) as unknown:
        open_rumor(agent, complaint, also_from=(elsewhere.reference,))
    rumor = open_rumor(agent, complaint)
    with pytest.raises(CommandInvalid) as wrong_kind:
        open_rumor(agent, complaint, also_from=(rumor.reference,))

    assert unknown.value.errors == {
        "also_from": [f"No case of this organisation has the reference “{elsewhere.reference}”."]
    }
    assert wrong_kind.value.errors["also_from"] == [
        f"{rumor.reference} is a Rumor refutation: a Rumor refutation cannot be opened from it."
    ]
    assert Rumor.objects.count() == 1  # nothing half made


def test_opening_needs_the_claim_and_the_version_the_caller_saw(submit_complaint, agent):
    complaint = submit_complaint().case

    with pytest.raises(CommandInvalid) as missing:
        commands.case_open(kind="rumor", actor=agent, case_id=complaint.id, expected_version=1, arguments={})
    with pytest.raises(ConcurrencyConflict):
        commands.case_open(
            kind="rumor", actor=agent, case_id=complaint.id, expected_version=0, arguments={"claim": CLAIM}
        )

    assert missing.value.errors == {"claim": ["This field is required."]}
    assert not Rumor.objects.exists()


def test_only_staff_open_refutations_and_only_from_the_kinds_declared(submit_complaint, agent, public):
    complaint = submit_complaint().case
    rumor = open_rumor(agent, complaint)

    with pytest.raises(TransitionForbidden):
        commands.case_open(kind="rumor", actor=public, arguments={"claim": CLAIM})
    with pytest.raises(CommandInvalid) as from_a_rumor:
        commands.case_open(
            kind="rumor", actor=agent, case_id=rumor.id, expected_version=rumor.version, arguments={"claim": CLAIM}
        )
    with pytest.raises(CommandInvalid) as complaint_kind:
        commands.case_open(kind="complaint", actor=agent, arguments={})

    assert "kind" in from_a_rumor.value.errors
    assert "kind" in complaint_kind.value.errors


def test_a_refutation_may_be_opened_on_its_own(agent):
    rumor = commands.case_open(
        kind="rumor", actor=agent, arguments={"claim": CLAIM, "content_urls": ["https://news.example.com/x"]}
    )

    assert rumor.state == "opened"
    assert rumor.details == {"content_urls": ["https://news.example.com/x"], "sources": []}


def test_further_complaints_are_linked_to_an_existing_refutation(submit_complaint, agent):
    first, later = submit_complaint().case, submit_complaint().case
    rumor = open_rumor(agent, first)

    commands.case_link(
        case_id=later.id,
        actor=agent,
        expected_version=later.version,
        link="refuted_by",
        other_reference=rumor.reference,
    )

    assert links_of(later) == [(LinkType.REFUTED_BY, rumor.reference)]
    assert links_of(rumor)[-1] == (LinkType.REFUTES, later.reference)


def test_a_refutation_link_only_joins_a_refutation_to_a_complaint(submit_complaint, agent):
    one, two = submit_complaint().case, submit_complaint().case

    with pytest.raises(CommandInvalid) as refused:
        commands.case_link(
            case_id=one.id, actor=agent, expected_version=one.version, link="refutes", other_reference=two.reference
        )

    assert list(refused.value.errors) == ["link"]
    assert links_of(one) == []


def test_sources_are_recorded_one_by_one_while_verifying(submit_complaint, agent):
    rumor = open_rumor(agent, submit_complaint().case)
    act(rumor, agent, "start_verification")

    act(rumor, agent, "record_source", source="Water authority", finding="Intact.")
    rumor = act(
        rumor,
        agent,
        "record_source",
        source="Satellite image",
        source_urls=["https://maps.example.com/dam"],
        finding="No flooding.",
    )

    assert rumor.state == "verifying"
    assert [(s["source"], s["urls"]) for s in rumor.details["sources"]] == [
        ("Water authority", []),
        ("Satellite image", ["https://maps.example.com/dam"]),
    ]


def test_a_claim_found_not_false_closes_with_its_reasons_and_is_never_published(submit_complaint, agent):
    rumor = open_rumor(agent, submit_complaint().case)
    act(rumor, agent, "start_verification")

    rumor = act(rumor, agent, "find_not_false", reason="The dam was indeed opened for maintenance.")

    assert (rumor.state, rumor.outcome) == ("closed", "not_false")
    assert rumor.closed_at is not None and rumor.due_at is None
    assert not is_published(rumor)


def test_publishing_records_the_public_text_and_stops_the_clock(submit_complaint, agent):
    rumor = open_rumor(agent, submit_complaint(content_urls=[SEEN_AT]).case)

    rumor = publish(rumor, agent, claim_author="account dam-news", claim_date="2025-03-01")

    assert (rumor.state, rumor.outcome) == ("published", "false")
    assert rumor.due_at is None and rumor.resolved_at is not None
    assert is_published(rumor)
    publication = rumor.details["publication"]
    assert publication["claim"] == CLAIM  # the claim as opened, when none is given
    assert (publication["claim_author"], publication["claim_date"]) == ("account dam-news", "2025-03-01")
    assert rumor.details["content_urls"] == [SEEN_AT]


def test_publishing_needs_an_address_where_the_claim_appeared(agent):
    rumor = commands.case_open(kind="rumor", actor=agent, arguments={"claim": CLAIM})

    with pytest.raises(CommandInvalid) as refused:
        publish(rumor, agent)

    assert refused.value.errors == {"content_urls": [str(MSG_CONTENT_URLS_REQUIRED)]}
    assert Rumor.objects.get(pk=rumor.pk).state == "confirmed_false"


def test_a_report_to_the_regulator_cannot_be_dated_in_the_future(submit_complaint, agent):
    rumor = publish(open_rumor(agent, submit_complaint().case), agent)
    tomorrow = (timezone.now().astimezone(CHINA_TIME) + dt.timedelta(days=1)).date()

    with pytest.raises(CommandInvalid) as refused:
        act(rumor, agent, "report", authority="Provincial CAC", reported_on=tomorrow.isoformat())
    rumor = act(rumor, agent, "report", authority="Provincial CAC", reported_on="2025-03-02", report_reference="SH-1")
    rumor = act(rumor, agent, "close")

    assert refused.value.errors == {"reported_on": [str(MSG_DATE_IN_FUTURE)]}
    assert rumor.details["report"] == {"authority": "Provincial CAC", "reported_on": "2025-03-02", "reference": "SH-1"}
    assert (rumor.state, rumor.outcome) == ("closed", "false")
    assert is_published(rumor)


# --- Intake ---------------------------------------------------------------------------------


def test_a_complaint_about_a_refuted_address_is_linked_to_the_refutation_by_the_system(submit_complaint, agent):
    rumor = publish(open_rumor(agent, submit_complaint(content_urls=[SEEN_AT]).case), agent)

    # The same page, written another way: other case, a trailing slash, another scheme.
    later = submit_complaint(content_urls=["HTTP://Video.Example.com/v/dam/"]).case

    assert links_of(later) == [(LinkType.REFUTED_BY, rumor.reference)]
    assert links_of(rumor)[-1] == (LinkType.REFUTES, later.reference)
    for stream in (later.id, rumor.id):
        event = Event.objects.filter(stream_id=stream, type=CaseEvent.LINKED).order_by("-stream_version").first()
        assert event.metadata["actor"] == {"role": "system", "user_id": None}


def test_only_published_refutations_of_the_same_provider_are_linked_on_intake(submit_complaint, agent, other_provider):
    unpublished = open_rumor(agent, submit_complaint(content_urls=[SEEN_AT]).case)
    dismissed = open_rumor(agent, submit_complaint(content_urls=[SEEN_AT]).case)
    act(dismissed, agent, "start_verification")
    act(dismissed, agent, "find_not_false", reason="True after all.")

    later = submit_complaint(content_urls=[SEEN_AT]).case
    elsewhere = commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="x", content_urls=[SEEN_AT]
    ).case
    publish(unpublished, agent)
    elsewhere_after = commands.complaint_submit(
        organisation=other_provider, actor=Actor.public(), category="other", description="x", content_urls=[SEEN_AT]
    ).case

    assert links_of(later) == []
    assert links_of(elsewhere) == links_of(elsewhere_after) == []


# --- Demo data ------------------------------------------------------------------------------


def test_the_demo_data_has_refutations_in_several_states(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    refutations = {case.state: case for case in Rumor.objects.all()}

    assert set(refutations) >= {"opened", "verifying", "published"}
    assert is_published(refutations["published"])
    verifying = refutations["verifying"]
    assert [link["link"] for link in verifying.details["links"]] == ["refutes", "refutes"]
    assert len(verifying.details["sources"]) == 1
