"""Reports a provider sends its regulator, from the case they are about, through the staff API:
what the regulator receives and acknowledges, what the case reported on records, and the
provider's page of what it sent and still owes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Organisation, Role
from cases import commands
from cases.eventstore import Event
from cases.models import Case
from tests.api.staff.conftest import case_path, client_for, post, version_of
from tests.conftest import make_staff
from tests.kinds import FILERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator(provider: Organisation) -> Organisation:
    regulator = Organisation.objects.create(slug="cac-a", name="Regulator A", kind=Organisation.Kind.REGULATOR)
    regulator.supervised_providers.add(provider)
    return regulator


@pytest.fixture
def officer_api(regulator):
    return client_for(make_staff(regulator, "officer-a", Role.REGULATOR_OFFICER))


def send_report(client, case: Case, regulator: str = "cac-a", summary: str = "Handled; details attached."):
    return post(
        client,
        case_path(case.id, "openings", "regulator_report"),
        {"regulator": regulator, "summary": summary},
        version=version_of(case.id),
    )


def major_incident(provider, agent) -> Case:
    return commands.case_open(
        kind="incident",
        actor=agent,
        arguments={"grade": "major", "service": "Face swap", "description": "Videos went out unlabelled."},
    )


def test_a_report_of_a_major_incident_stops_its_clock_and_reaches_only_the_regulator(
    agent_api, officer_api, provider, agent, regulator
):
    incident = major_incident(provider, agent)
    assert Case.objects.get(pk=incident.id).details["report_clock"] == "running"

    response = send_report(agent_api, incident)

    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["reference"].startswith("B-") and report["state"] == "sent"
    incident.refresh_from_db()
    assert incident.details["report_clock"] == "stopped"
    reported = Event.objects.filter(stream_id=incident.id, type="incident.reported").get()
    assert reported.data["report_reference"] == report["reference"]
    assert reported.data["authority"] == "Regulator A"

    # The regulator sees the report and the history it pins, never the incident itself.
    shown = officer_api.get(case_path(report["id"])).json()
    assert shown["details"]["source_reference"] == incident.reference
    assert shown["details"]["source_version"] == incident.version - 2  # before the link and the report it recorded
    assert officer_api.get(case_path(incident.id)).status_code == 404
    assert [a["name"] for a in shown["actions"]] == ["acknowledge"]

    post(agent_api, case_path(report["id"], "transitions", "acknowledge"), {}, version=version_of(report["id"]))
    assert version_of(report["id"]) == 2  # the provider may not acknowledge for the regulator
    acknowledged = post(
        officer_api, case_path(report["id"], "transitions", "acknowledge"), {"note": "Received."}, version=2
    )
    assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"


def test_a_published_refutation_is_reported_and_moves_on(agent_api, provider, agent, regulator):
    rumor = FILERS["rumor"](provider, agent)
    for action, arguments in (
        ("start_verification", {}),
        ("confirm_false", {"verdict": "fabricated", "findings": "Generated with AI."}),
        ("publish", {"explanation": "No flood today.", "evidence": "The weather service says so."}),
    ):
        step = post(agent_api, case_path(rumor.id, "transitions", action), arguments, version=version_of(rumor.id))
        assert step.status_code == 200, (action, step.json())

    assert send_report(agent_api, rumor).status_code == 201

    rumor.refresh_from_db()
    assert rumor.state == "reported"
    assert Event.objects.filter(stream_id=rumor.id, type="rumor.reported").count() == 1


def test_a_report_goes_only_to_a_regulator_supervising_the_provider(agent_api, provider, agent, regulator):
    Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    incident = major_incident(provider, agent)

    refused = send_report(agent_api, incident, regulator="cac-b")

    assert refused.status_code == 400 and "regulator" in refused.json()["errors"]
    assert not Case.objects.filter(kind="regulator_report").exists()
    assert Case.objects.get(pk=incident.id).details["report_clock"] == "running"


def test_a_report_is_offered_only_where_a_regulator_supervises(agent_api, file_case, regulator, other_provider):
    complaint = file_case("complaint")
    offered = {o["kind"]: o for o in agent_api.get(case_path(complaint.id)).json()["openings"]}
    assert [c["value"] for c in offered["regulator_report"]["arguments"][0]["choices"]] == ["cac-a"]

    regulator.supervised_providers.clear()
    offered = {o["kind"] for o in agent_api.get(case_path(complaint.id)).json()["openings"]}
    assert "regulator_report" not in offered


def test_the_provider_sees_what_it_reported_and_what_it_still_owes(
    client, agent_user, agent_api, officer_api, provider, agent, regulator
):
    owing = major_incident(provider, agent)
    reported = major_incident(provider, agent)
    report = send_report(agent_api, reported).json()
    post(officer_api, case_path(report["id"], "transitions", "acknowledge"), {}, version=version_of(report["id"]))
    client.force_login(agent_user)

    page = client.get("/staff/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    owed, sent = page.split('id="sent-title"')
    assert owing.reference in owed and reported.reference not in owed
    assert (
        Case.objects.get(pk=owing.id).due_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
        in owed
    )
    due = Case.objects.get(pk=owing.id).due_at.isoformat()
    assert f'<span class="countdown" role="timer" data-countdown="{due}">' in owed  # the time left
    assert report["reference"] in sent and "Acknowledged by the regulator" in sent


def test_the_regulators_dashboard_lists_its_reports_and_nobody_elses(
    client, agent_api, provider, agent, regulator, other_provider
):
    elsewhere = Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    elsewhere.supervised_providers.add(other_provider)
    report = send_report(agent_api, major_incident(provider, agent)).json()

    client.force_login(make_staff(regulator, "officer-a", Role.REGULATOR_OFFICER))
    mine = client.get("/regulator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(make_staff(elsewhere, "officer-b", Role.REGULATOR_OFFICER))
    theirs = client.get("/regulator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert report["reference"] in mine and '<th scope="row">Provider</th>' in mine
    i = theirs.find(report["reference"])
    assert i == -1, theirs[i - 300 : i + 100]
    assert '<th scope="row">Other provider</th>' in theirs and '<th scope="row">Provider</th>' not in theirs


def test_a_report_carries_the_history_as_sent_to_both_parties_only(
    client, agent_api, agent_user, provider, agent, regulator, other_provider, tmp_path
):
    import json
    import subprocess
    import sys

    from tests.processes import ROOT

    incident = major_incident(provider, agent)
    sent_at_version = incident.version
    report = send_report(agent_api, incident).json()
    # The incident goes on after the report: the report still carries it as it was.
    commands.case_act(
        case_id=incident.id,
        actor=agent,
        expected_version=version_of(incident.id),
        action="contain",
        arguments={"containment": "Generation paused."},
    )
    path = f"/staff/cases/{report['id']}/carried.json"

    client.force_login(make_staff(regulator, "officer-c", Role.REGULATOR_OFFICER))
    carried = client.get(path)
    assert carried.status_code == 200
    document = json.loads(carried.content)
    assert [e["stream_version"] for e in document["events"]] == list(range(1, sent_at_version + 1))
    file = tmp_path / "carried.json"
    file.write_bytes(carried.content)
    checked = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "verify_export.py"), str(file)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The report also carries a signed checkpoint of the whole log, for the regulator to keep.
    sent = Event.objects.get(stream_id=report["id"], type="report.sent")
    assert sent.data["checkpoint"].splitlines()[1].isdigit()  # origin, tree size, root hash, signature

    client.force_login(agent_user)
    assert client.get(path).status_code == 200
    elsewhere = Organisation.objects.create(slug="cac-b", name="Regulator B", kind=Organisation.Kind.REGULATOR)
    for outsider in (make_staff(elsewhere, "officer-b", Role.REGULATOR_OFFICER), make_staff(other_provider, "x")):
        client.force_login(outsider)
        assert client.get(path).status_code == 404


def test_the_dashboard_shows_each_providers_time_limit_figures_from_its_events(
    client, provider, agent, regulator, submit_complaint, other_provider, public
):
    for _ in range(2):
        complaint = submit_complaint().case
        commands.complaint_accept(case_id=complaint.id, actor=agent, expected_version=1)
    # Another provider's cases count for it alone.
    commands.complaint_submit(organisation=other_provider, actor=public, category="other", description="Elsewhere.")
    client.force_login(make_staff(regulator, "officer-a", Role.REGULATOR_OFFICER))

    page = client.get("/regulator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    row = page[page.index('<th scope="row">Provider</th>') :].split("</tr>")[0]
    cells = [cell.split(">", 1)[1].strip() for cell in row.split("<td")[1:]]
    # received, decided, share of time limits met, breaches (the open-case columns come first)
    assert cells[-4:] == ["2</td>", "0</td>", "100.0%</td>", "0</td>"]
