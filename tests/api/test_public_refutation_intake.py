"""A complaint filed through the public API about an address a published refutation lists is
linked to the refutation on intake, and the filer is told about it when filing and tracking."""

from __future__ import annotations

import pytest

from accounts.actors import Actor
from cases import commands
from cases.events import CaseEvent
from cases.eventstore import Event
from cases.models import Case
from tests.api.conftest import COMPLAINT, COMPLAINTS, TRACK

pytestmark = pytest.mark.django_db

REFUTED = "https://video.example.com/v/dam"


def act(case: Case, actor: Actor, action: str, **arguments) -> None:
    case.refresh_from_db()
    commands.case_act(case_id=case.id, actor=actor, expected_version=case.version, action=action, arguments=arguments)


@pytest.fixture
def refutation(agent) -> Case:
    """A published refutation of a claim seen at REFUTED."""
    rumor = commands.case_open(
        kind="rumor", actor=agent, arguments={"claim": "The dam broke today.", "content_urls": [REFUTED]}
    )
    act(rumor, agent, "start_verification")
    act(rumor, agent, "confirm_false", verdict="false", findings="It stands.")
    act(rumor, agent, "publish", explanation="The dam is intact.", evidence="Photos taken today.")
    rumor.refresh_from_db()
    return rumor


def test_a_complaint_about_a_refuted_address_is_linked_and_its_filer_told(api, provider, refutation, settings):
    settings.PUBLIC_BASE_URL = "https://tracker.example.com"

    response = api.post(
        COMPLAINTS, {**COMPLAINT, "content_urls": ["https://example.org/other", REFUTED + "#t=3"]}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    refutation_url = f"https://tracker.example.com/refutations/{refutation.reference}/"
    assert body["notices"] == [
        {
            "title": "A refutation has been published",
            "text": "We found the claim you reported to be false, and published a refutation "
            f"({refutation.reference}).",
            "url": refutation_url,
            "link_text": "Read the refutation",
        }
    ]
    complaint = Case.objects.get(reference=body["reference"])
    linked = Event.objects.get(stream_id=complaint.id, type=CaseEvent.LINKED)
    assert linked.data["link"] == "refuted_by" and linked.data["linked_reference"] == refutation.reference
    assert linked.metadata["actor"] == {"role": "system", "user_id": None}
    answering = Event.objects.filter(stream_id=refutation.id, type=CaseEvent.LINKED).get()
    assert answering.data["linked_reference"] == complaint.reference
    assert answering.metadata["actor"]["role"] == "system"

    tracked = api.post(TRACK, {"reference": body["reference"], "token": body["tracking_token"]}, format="json")
    assert tracked.json()["notices"][0]["url"] == refutation_url


def test_a_complaint_about_another_address_is_not_linked(api, provider, refutation):
    response = api.post(COMPLAINTS, COMPLAINT, format="json")

    assert response.status_code == 201
    assert response.json()["notices"] == []
    assert not Event.objects.filter(stream_id=refutation.id, type=CaseEvent.LINKED).exists()


def test_a_refused_complaint_links_nothing(api, provider, refutation):
    before = refutation.version

    response = api.post(COMPLAINTS, {**COMPLAINT, "content_urls": [REFUTED], "category": "nonsense"}, format="json")

    assert response.status_code == 400
    refutation.refresh_from_db()
    assert refutation.version == before
