"""Personal data in the vault, end to end: a complaint filed with distinctive personal data
through the public form, followed and answered, handled by staff; then a supervisor erases it
from the case page. Afterwards nothing anywhere reads it (pages, API, exports, admin, mails
sent afterwards), a dump of the whole database holds none of it in clear, and the history
still verifies and replays."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.actors import Actor
from accounts.models import Role
from cases import commands
from cases.eventstore import Event
from cases.models import Case, DataSubject, Evidence
from notifications.dispatch import dispatch_batch
from tests.conftest import make_staff
from tests.kinds import file_incident
from tests.web.conftest import png_upload

NAME = "Zebulon Quixley-Marchetti"
EMAIL = "zebulon.quixley@example.org"
PHONE = "+86 139 2468 1357"
DESCRIPTION = "A deepfake of Ottoline Brackenridge-Vasquez dancing at the Xanadu harbour, no label at all."
ANSWER = "My neighbour Peregrine Wolstenholme saw it first, on the Kestrelwick forum."
# What must be found nowhere in clear once erased (and never in the database at all).
PERSONAL = [NAME, EMAIL, "2468 1357", "Brackenridge", "Wolstenholme", "Kestrelwick", "Quixley"]
QUESTION = "Where did you first see the video?"


def file_through_the_form(client: Client) -> tuple[Case, str]:
    response = client.post(
        "/complaints/new/",
        {
            "category": "unlabelled_synthetic",
            "content_urls": "https://video.example.com/v/77",
            "description": DESCRIPTION,
            "contact_name": NAME,
            "contact_email": EMAIL,
            "contact_phone": PHONE,
            "consent": "on",
            "evidence": png_upload("quixley-at-the-harbour.png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    page = client.get(f"/filed/{case.reference}/").content.decode()
    token = re.search(r"/track/[^<#]+/#([^<]+)</textarea>", page).group(1)
    return case, token


def found_in(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def database_dump() -> str:
    """Every row of every table, as the database's own dump tool writes it."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    dump = subprocess.run(
        [
            shutil.which("pg_dump") or "pg_dump",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return dump.stdout


@pytest.fixture
def people(provider):
    agent_user = make_staff(provider, "agent-erasure")
    supervisor_user = make_staff(provider, "supervisor-erasure", Role.SUPERVISOR)
    return agent_user, supervisor_user


def handle_until_answered(client: Client, case: Case, agent_user) -> None:
    """Staff ask a question on the case page; the filer answers on the tracking page."""
    agent = Actor.for_user(agent_user)
    commands.case_act(case_id=case.id, actor=agent, expected_version=case.version, action="accept", arguments={})
    commands.case_act(
        case_id=case.id, actor=agent, expected_version=case.version + 1, action="start_investigation", arguments={}
    )
    staff = Client()
    staff.force_login(agent_user)
    asked = staff.post(
        f"/staff/cases/{case.id}/actions/request_information/",
        {
            "action-request_information-expected_version": case.version + 2,
            "action-request_information-question": QUESTION,
        },
    )
    assert asked.status_code == 302, asked.content.decode()[:3000]
    fresh = Case.objects.get(pk=case.id)
    answered = client.post(f"/track/{case.reference}/information/", {"expected_version": fresh.version, "text": ANSWER})
    assert answered.status_code == 302, answered.content.decode()[:3000]


def test_what_the_filer_gives_is_kept_only_as_ciphertext_and_reads_back_until_erased(
    client, provider, people, smtp_server, transactional_db
):
    agent_user, supervisor_user = people
    case, _token = file_through_the_form(client)
    handle_until_answered(client, case, agent_user)

    # The database holds none of it in clear, yet every reader shows it.
    assert found_in(database_dump()) == []
    subject = DataSubject.objects.get(pk=Case.objects.get(pk=case.id).subject_id)
    assert (subject.name, subject.email, subject.phone) == (NAME, EMAIL, PHONE)
    staff = Client()
    staff.force_login(supervisor_user)
    # Contact details stay masked on the staff page until this supervisor reveals them.
    assert EMAIL not in staff.get(f"/staff/cases/{case.id}/").content.decode()
    revealed = staff.post(
        f"/staff/cases/{case.id}/reveal/", {"reveal-expected_version": Case.objects.get(pk=case.id).version}
    )
    assert revealed.status_code == 302, revealed.content.decode()[:3000]
    page = staff.get(f"/staff/cases/{case.id}/").content.decode()
    assert "Brackenridge" in page and "Wolstenholme" in page and EMAIL in page
    tracking = client.get(f"/track/{case.reference}/").content.decode()
    assert "Brackenridge" in tracking
    export = staff.get(f"/staff/cases/{case.id}/export.json").json()
    assert any("Wolstenholme" in item["text"] for item in export["personal_text"])
    assert found_in(json.dumps(export["events"])) == []  # the events carry ciphertext only

    # The photograph the filer sent is kept, and staff can download it.
    [sent] = Evidence.objects.filter(case_id=case.id)
    stored = Path(settings.EVIDENCE_ROOT) / sent.storage_path
    assert stored.is_file()
    download = f"/staff/cases/{case.id}/evidence/{sent.id}/"
    assert staff.get(download).status_code == 200

    # When a supervisor erases the filer's personal data from the case page.
    erased = staff.post(
        f"/staff/cases/{case.id}/erase/",
        {
            "erase-expected_version": Case.objects.get(pk=case.id).version,
            "erase-reason": "Deletion request",
            "erase-confirm": "on",
        },
    )
    assert erased.status_code == 302, erased.content.decode()[:3000]

    # Then nothing reads it any more: pages, API, exports, admin.
    staff_page = staff.get(f"/staff/cases/{case.id}/").content.decode()
    assert found_in(staff_page) == []
    assert "have been erased" in staff_page or "已被删除" in staff_page or "erased" in staff_page
    assert found_in(client.get(f"/track/{case.reference}/").content.decode()) == []
    for url in (
        f"/api/v1/staff/cases/{case.id}/",
        f"/api/v1/staff/cases/{case.id}/events/",
        f"/staff/cases/{case.id}/export.json",
        f"/staff/cases/{case.id}/export/",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert found_in(response.content.decode()) == [], url
    export = staff.get(f"/staff/cases/{case.id}/export.json").json()
    assert export["personal_text"] == []
    admin = Client()
    admin.force_login(supervisor_user)
    for url in (f"/admin/cases/case/{case.id}/change/", "/admin/cases/event/"):
        assert found_in(admin.get(url).content.decode()) == [], url

    # The file they sent is gone from the disk; its row and checksum stay, its download says so.
    assert not stored.exists()
    assert Evidence.objects.get(pk=sent.pk).sha256 == sent.sha256
    gone = staff.get(download, HTTP_ACCEPT_LANGUAGE="en")
    assert gone.status_code == 410 and "erased" in gone.content.decode()

    # The subject erased event names no one; the key is gone, the case records it.
    [recorded] = Event.objects.filter(stream_id=case.id, type="case.subject_erased")
    assert found_in(json.dumps(recorded.data)) == []
    subject.refresh_from_db()
    assert subject.erased and subject.wrapped_key == "" and subject.email == ""

    # Mails sent afterwards go nowhere: the address is gone.
    before = len(smtp_server.messages)
    agent = Actor.for_user(agent_user)
    fresh = Case.objects.get(pk=case.id)
    commands.case_act(
        case_id=case.id,
        actor=agent,
        expected_version=fresh.version,
        action="resolve",
        arguments={"outcome": "no_violation", "summary": "No violation found."},
    )
    dispatch_batch()
    assert len(smtp_server.messages) == before
    assert all(EMAIL not in str(message) for message in smtp_server.messages[before:])

    # The whole database holds none of it, the history verifies and replays to the same rows.
    assert found_in(database_dump()) == []
    call_command("verify_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("rebuild_projections", "--check", stdout=io.StringIO(), stderr=io.StringIO())


def test_erasure_is_refused_with_the_hold_shown_while_an_open_incident_involves_the_case(client, provider, people):
    _agent_user, supervisor_user = people
    case, _token = file_through_the_form(client)
    supervisor = Actor.for_user(supervisor_user)
    incident = file_incident(provider, supervisor)
    commands.case_link(
        case_id=case.id,
        actor=supervisor,
        expected_version=Case.objects.get(pk=case.id).version,
        link="related",
        other_reference=incident.reference,
    )
    staff = Client()
    staff.force_login(supervisor_user)
    page = staff.get(f"/staff/cases/{case.id}/").content.decode()
    assert incident.reference in page  # the hold is shown, with what holds it

    refused = staff.post(
        f"/staff/cases/{case.id}/erase/",
        {
            "erase-expected_version": Case.objects.get(pk=case.id).version,
            "erase-reason": "Deletion request",
            "erase-confirm": "on",
        },
    )

    assert refused.status_code == 400
    assert incident.reference in refused.content.decode()
    subject = DataSubject.objects.get(pk=case.subject_id)
    assert not subject.erased and subject.email == EMAIL


def test_only_a_supervisor_may_erase_and_only_with_a_confirmation(client, provider, people):
    agent_user, supervisor_user = people
    case, _token = file_through_the_form(client)
    agent = Client()
    agent.force_login(agent_user)
    version = Case.objects.get(pk=case.id).version
    data = {"erase-expected_version": version, "erase-reason": "Deletion request", "erase-confirm": "on"}

    assert agent.post(f"/staff/cases/{case.id}/erase/", data).status_code == 403
    supervisor = Client()
    supervisor.force_login(supervisor_user)
    unconfirmed = supervisor.post(f"/staff/cases/{case.id}/erase/", {**data, "erase-confirm": ""})
    assert unconfirmed.status_code == 400
    assert not DataSubject.objects.get(pk=case.subject_id).erased
