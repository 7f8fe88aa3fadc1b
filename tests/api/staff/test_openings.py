"""Opening a case of another kind through the staff API: a case lists what may be opened from
it, opening takes the case's version in If-Match and answers 201 with the new case, and a kind
staff open on their own may be opened from no case at all."""

from __future__ import annotations

import pytest

from cases.models import Case
from tests.api.staff.conftest import STAFF, case_path, post, version_of

pytestmark = pytest.mark.django_db

CLAIM = "A video shows the dam breaking today."


def test_a_complaint_offers_a_refutation_with_the_arguments_it_takes(agent_api, file_case):
    complaint = file_case("complaint")

    body = agent_api.get(case_path(complaint.id)).json()

    # A request about the filer's personal information may be opened from it too.
    offers = {offer["kind"]: offer for offer in body["openings"]}
    assert set(offers) == {"rumor", "personal_information_request"}
    offer = offers["rumor"]
    assert (offer["kind"], offer["kind_label"], offer["label"]) == (
        "rumor",
        "Rumor refutation",
        "Open a rumor refutation",
    )
    assert offer["url"] == f"http://testserver{case_path(complaint.id, 'openings', 'rumor')}"
    assert [(a["name"], a["required"], a["widget"]) for a in offer["arguments"]] == [
        ("claim", True, "long"),
        ("content_urls", False, "urls"),
    ]


def test_a_refutation_offers_nothing_to_open(agent_api, file_case):
    assert agent_api.get(case_path(file_case("rumor").id)).json()["openings"] == []


def test_opening_answers_with_the_new_case_linked_both_ways(agent_api, file_case):
    complaint, other = file_case("complaint"), file_case("complaint")

    response = post(
        agent_api,
        case_path(complaint.id, "openings", "rumor"),
        {"claim": CLAIM, "also_from": [other.reference]},
        version=version_of(complaint.id),
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["state"]) == ("rumor", "opened")
    assert response["Location"] == body["url"]
    assert response["ETag"] == f'"{body["version"]}"'
    assert [(link["link"], link["case"]["reference"]) for link in body["links"]] == [
        ("refutes", complaint.reference),
        ("refutes", other.reference),
    ]
    assert body["details"]["content_urls"] == ["https://video.example.com/v/1"]
    shown = agent_api.get(case_path(complaint.id)).json()
    assert [(link["link"], link["case"]["reference"]) for link in shown["links"]] == [("refuted_by", body["reference"])]


def test_opening_needs_the_version_of_the_case_it_is_opened_from(agent_api, file_case):
    complaint = file_case("complaint")
    path = case_path(complaint.id, "openings", "rumor")

    missing = post(agent_api, path, {"claim": CLAIM})
    stale = post(agent_api, path, {"claim": CLAIM}, version=version_of(complaint.id) - 1)

    assert missing.status_code == 428
    assert stale.status_code == 412
    assert stale.json()["current_version"] == version_of(complaint.id)
    assert not Case.objects.filter(kind="rumor").exists()


def test_opening_refuses_what_it_does_not_take(agent_api, file_case):
    complaint = file_case("complaint")
    path = case_path(complaint.id, "openings", "rumor")
    version = version_of(complaint.id)

    unknown_field = post(agent_api, path, {"claim": CLAIM, "title": "x"}, version=version)
    no_claim = post(agent_api, path, {"content_urls": ["https://example.com/a"]}, version=version)
    bad_address = post(agent_api, path, {"claim": CLAIM, "content_urls": ["javascript:alert(1)"]}, version=version)
    unknown_case = post(agent_api, path, {"claim": CLAIM, "also_from": ["C-2222-2222"]}, version=version)
    unknown_kind = post(agent_api, case_path(complaint.id, "openings", "appeal"), {}, version=version)

    assert unknown_field.status_code == 400 and set(unknown_field.json()["errors"]) == {"title"}
    assert no_claim.status_code == 400 and set(no_claim.json()["errors"]) == {"claim"}
    assert bad_address.status_code == 400 and set(bad_address.json()["errors"]) == {"content_urls"}
    assert unknown_case.status_code == 400
    assert unknown_case.json()["errors"] == {
        "also_from": ["No case of this organisation has the reference “C-2222-2222”."]
    }
    assert unknown_kind.status_code == 404
    assert not Case.objects.filter(kind="rumor").exists()


def test_a_refutation_cannot_be_opened_from_another_refutation(agent_api, file_case):
    rumor = file_case("rumor")

    response = post(agent_api, case_path(rumor.id, "openings", "rumor"), {"claim": CLAIM}, version=rumor.version)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}


def test_another_organisations_complaint_is_not_found(other_api, file_case):
    complaint = file_case("complaint")

    response = post(other_api, case_path(complaint.id, "openings", "rumor"), {"claim": CLAIM}, version=1)

    assert response.status_code == 404


def test_a_refutation_may_be_opened_on_its_own(agent_api, provider):
    response = post(agent_api, STAFF + "openings/rumor/", {"claim": CLAIM, "content_urls": ["https://example.com/a"]})

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["state"], body["links"]) == ("rumor", "opened", [])
    assert body["details"]["content_urls"] == ["https://example.com/a"]


def test_a_further_complaint_is_linked_to_a_refutation_by_the_links_endpoint(agent_api, file_case):
    rumor, later, another = file_case("rumor"), file_case("complaint"), file_case("complaint")

    linked = post(
        agent_api,
        case_path(later.id, "links"),
        {"link": "refuted_by", "other_reference": rumor.reference},
        version=version_of(later.id),
    )
    # A complaint does not refute a refutation: the link goes the other way.
    wrong = post(
        agent_api,
        case_path(another.id, "links"),
        {"link": "refutes", "other_reference": rumor.reference},
        version=version_of(another.id),
    )

    assert linked.status_code == 200
    assert linked.json()["links"][0]["link_label"] == "Claim refuted by"
    assert wrong.status_code == 400 and set(wrong.json()["errors"]) == {"link"}
