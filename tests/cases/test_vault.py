"""The personal-data vault: the filer's own text sealed in the events of every kind, master-key
rotation, a wrong master key refused at start, and retention."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Role
from cases import commands, vault
from cases.commands.erasure import erase_subject
from cases.commands.retention import erase_due_personal_data
from cases.errors import CommandInvalid
from cases.kinds import declarations
from cases.models import Case, DataSubject
from cases.sealing import erased_text, is_sealed, readable
from tests.conftest import make_staff
from tests.kinds import FILERS, file_incident
from tests.processes import manage

KINDS = [pytest.param(d, id=d.kind) for d in declarations()]


def raw_events(stream_id) -> list[tuple[str, dict, dict]]:
    """(type, data, metadata) of a stream as the database holds them, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, data, metadata FROM cases_event WHERE stream_id = %s ORDER BY stream_version",
            [stream_id.hex if connection.vendor == "sqlite" else stream_id],
        )
        rows = cursor.fetchall()
    return [
        (kind, json.loads(data) if isinstance(data, str) else data, json.loads(meta) if isinstance(meta, str) else meta)
        for kind, data, meta in rows
    ]


@pytest.mark.parametrize("declaration", KINDS)
def test_the_personal_text_a_kind_declares_is_sealed_in_its_stored_events(declaration, provider):
    decider = Actor.for_user(make_staff(provider, "decider", Role.SUPERVISOR))
    case = FILERS[declaration.kind](provider, decider)

    events = raw_events(case.id)

    assert events, "the filing stored no event"
    first_type, _first_data, first_metadata = events[0]
    if first_metadata["actor"]["role"] == "public":
        # Filed by a member of the public: what they wrote must be declared, and sealed.
        assert declaration.personal_text.get(first_type), f"{declaration.kind}: declare the filer's text"
    sealed = 0
    for event_type, data, _metadata in events:
        for key in declaration.personal_text.get(event_type, ()):
            if data.get(key) in (None, ""):
                continue
            assert is_sealed(data[key]), f"{event_type}.{key} is stored in clear"
            assert data[key]["subject"] == str(case.subject_id)
            assert readable(data[key]) not in ("", None)
            sealed += 1
    if first_metadata["actor"]["role"] == "public":
        assert sealed >= 1


def test_the_projection_keeps_the_description_sealed_and_replay_rebuilds_it(submit_complaint):
    case = submit_complaint(description="Seen by Hortensia Pemberton-Vale.").case
    stored = Case.objects.values_list("description", flat=True).get(pk=case.id)

    assert "Pemberton" not in stored
    assert Case.objects.get(pk=case.id).description_text == "Seen by Hortensia Pemberton-Vale."
    call_command("rebuild_projections", "--check", stdout=io.StringIO(), stderr=io.StringIO())


def test_contact_details_are_ciphertext_under_the_subjects_own_key(submit_complaint):
    case = submit_complaint(contact_name="Ignatius Fairweather", contact_email="ig@example.org", consent=True).case
    row = DataSubject.objects.filter(pk=case.subject_id).values().get()

    assert "Fairweather" not in json.dumps(row, default=str)
    assert "ig@example.org" not in json.dumps(row, default=str)
    subject = DataSubject.objects.get(pk=case.subject_id)
    assert (subject.name, subject.email) == ("Ignatius Fairweather", "ig@example.org")
    # A ciphertext moved onto another subject does not open: the subject's id is bound to it.
    other = submit_complaint(contact_name="Someone Else", consent=True).case
    moved = DataSubject.objects.get(pk=other.subject_id)
    moved.name_sealed = row["name_sealed"]
    with pytest.raises(vault.VaultError):
        _ = moved.name


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def test_rotating_the_master_key_keeps_every_subject_readable(submit_complaint, settings):
    old = new_key("old")
    settings.PERSONAL_DATA_KEYS = old
    cases = [
        submit_complaint(contact_email=f"person{n}@example.org", description=f"Text number {n}", consent=True).case
        for n in range(3)
    ]
    assert set(DataSubject.objects.values_list("key_id", flat=True)) == {"old"}

    settings.PERSONAL_DATA_KEYS = f"{new_key('new')},{old}"
    out = io.StringIO()
    call_command("rotate_personal_data_keys", "--batch", "2", stdout=out)

    assert "Re-wrapped 3" in out.getvalue()
    assert set(DataSubject.objects.values_list("key_id", flat=True)) == {"new"}
    # The old key may go now: every subject and every sealed text reads under the new one alone.
    settings.PERSONAL_DATA_KEYS = settings.PERSONAL_DATA_KEYS.split(",")[0]
    for n, case in enumerate(cases):
        fresh = Case.objects.get(pk=case.id)
        assert DataSubject.objects.get(pk=fresh.subject_id).email == f"person{n}@example.org"
        assert fresh.description_text == f"Text number {n}"


def test_a_missing_master_key_is_refused_at_read_time_with_a_clear_error(submit_complaint, settings):
    settings.PERSONAL_DATA_KEYS = new_key("first")
    case = submit_complaint(contact_email="p@example.org", consent=True).case
    settings.PERSONAL_DATA_KEYS = new_key("second")

    with pytest.raises(vault.VaultError, match="'first'"):
        _ = DataSubject.objects.get(pk=case.subject_id).email


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_a_wrong_master_key_stops_the_process_at_start(command, transactional_db, provider, settings):
    right = new_key("main")
    settings.PERSONAL_DATA_KEYS = right
    commands.complaint_submit(
        organisation=provider,
        actor=Actor.public(),
        category="unlabelled_synthetic",
        description="Some text.",
        contact_email="p@example.org",
        consent=True,
    )

    wrong = manage(command, env={"PERSONAL_DATA_KEYS": new_key("main")})
    missing = manage(command, env={"PERSONAL_DATA_KEYS": new_key("other")})
    fine = manage("check", env={"PERSONAL_DATA_KEYS": right})

    assert wrong.returncode != 0
    assert "PERSONAL_DATA_KEYS" in wrong.stderr and "does not open" in wrong.stderr
    assert missing.returncode != 0 and "'main'" in missing.stderr
    assert fine.returncode == 0, fine.stderr


def test_a_malformed_master_key_is_refused_when_the_settings_load(transactional_db):
    result = manage("check", env={"PERSONAL_DATA_KEYS": "main:c2hvcnQ="})

    assert result.returncode != 0 and "must be 32 bytes" in result.stderr


def test_a_retention_under_six_months_is_refused_when_the_settings_load(transactional_db):
    result = manage("check", env={"PERSONAL_DATA_RETENTION_DAYS": "182"})

    assert result.returncode != 0 and "PERSONAL_DATA_RETENTION_DAYS must be at least 183" in result.stderr


# --- Retention --------------------------------------------------------------------------------


def close(case: Case, decider: Actor, *, outcome: str = "no_violation") -> Case:
    steps = [("accept", {}), ("start_investigation", {})]
    arguments = {"outcome": outcome, "summary": "Decided."}
    if outcome == "violation":
        arguments["measures"] = [{"measure": "warning", "account": "acct-1", "ends_at": None}]
    steps += [("resolve", arguments), ("close", {})]
    for action, step_arguments in steps:
        case = Case.objects.get(pk=case.id)
        commands.case_act(
            case_id=case.id, actor=decider, expected_version=case.version, action=action, arguments=step_arguments
        )
    return Case.objects.get(pk=case.id)


def test_retention_erases_exactly_the_subjects_whose_cases_closed_long_enough_ago_and_none_held(
    submit_complaint, provider, settings
):
    settings.PERSONAL_DATA_RETENTION_DAYS = 200
    decider = Actor.for_user(make_staff(provider, "decider", Role.SUPERVISOR))
    due = close(submit_complaint(contact_email="due@example.org", consent=True).case, decider)
    still_open = submit_complaint(contact_email="open@example.org", consent=True).case
    held_by_incident = close(submit_complaint(contact_email="held@example.org", consent=True).case, decider)
    incident = file_incident(provider, decider)
    commands.case_link(
        case_id=held_by_incident.id,
        actor=decider,
        expected_version=held_by_incident.version,
        link="related",
        other_reference=incident.reference,
    )
    later = timezone.now() + dt.timedelta(days=201)

    report = erase_due_personal_data(now=later, dry_run=True)

    assert set(report.erased) == {due.subject_id}
    assert set(report.held) == {held_by_incident.subject_id}
    assert not DataSubject.objects.filter(erased_at__isnull=False).exists()  # a dry run erases nothing

    erase_due_personal_data(now=later)
    erased = set(DataSubject.objects.filter(erased_at__isnull=False).values_list("id", flat=True))
    assert erased == {due.subject_id}
    assert DataSubject.objects.get(pk=still_open.subject_id).email == "open@example.org"
    assert erase_due_personal_data(now=timezone.now()).erased == {}  # not yet 200 days


def test_the_dry_run_report_names_cases_and_counts_but_no_personal_data(submit_complaint, provider, settings):
    decider = Actor.for_user(make_staff(provider, "decider", Role.SUPERVISOR))
    case = close(
        submit_complaint(contact_email="report@example.org", description="Named Lysander", consent=True).case, decider
    )
    out = io.StringIO()

    call_command("erase_due_personal_data", "--dry-run", stdout=out)

    # Nothing is due today (closed just now); the report still says how it counted.
    assert "Dry run" in out.getvalue() and "Data subjects due: 0" in out.getvalue()
    assert "report@example.org" not in out.getvalue() and "Lysander" not in out.getvalue()
    assert not DataSubject.objects.get(pk=case.subject_id).erased


def test_a_complaint_that_found_a_violation_holds_its_data_six_months(submit_complaint, provider):
    decider = Actor.for_user(make_staff(provider, "decider", Role.SUPERVISOR))
    case = close(submit_complaint(contact_email="v@example.org", consent=True).case, decider, outcome="violation")

    with pytest.raises(CommandInvalid, match=case.reference):
        erase_subject(decider, case.subject_id, reason="Deletion request")

    later = timezone.now() + dt.timedelta(days=400)
    assert set(erase_due_personal_data(now=later, dry_run=True).erased) == {case.subject_id}


def test_the_management_command_erases_as_the_system_and_prints_no_personal_data(submit_complaint):
    case = submit_complaint(contact_email="cmd@example.org", consent=True).case
    out = io.StringIO()

    call_command("erase_subject", str(case.subject_id), "--reason", "Deletion request", stdout=out)

    assert case.reference in out.getvalue() and "cmd@example.org" not in out.getvalue()
    assert DataSubject.objects.get(pk=case.subject_id).email == ""
    assert Case.objects.get(pk=case.id).description_text == erased_text()


def test_the_migration_encrypts_the_contact_details_already_stored(tmp_path):
    import sqlite3
    import uuid

    database = tmp_path / "before.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "PERSONAL_DATA_KEYS": new_key("m1")}
    assert manage("migrate", "cases", "0012", env=env).returncode == 0
    subject_id = uuid.uuid4()
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO accounts_organisation (slug, name, kind, critical_infrastructure, created_at) "
            "VALUES ('p', 'P', 'provider', 0, '2026-01-01')"
        )
        db.execute(
            "INSERT INTO cases_datasubject (id, organisation_id, name, email, phone, language, created_at) "
            "VALUES (?, 1, 'Clementine Oakenshield', 'clem@example.org', '+86 139 0000 1111', 'en', '2026-01-01')",
            [subject_id.hex],
        )

    migrated = manage("migrate", env=env)
    read = manage(
        "shell",
        "-c",
        f"from cases.models import DataSubject; s = DataSubject.objects.get(pk='{subject_id}'); "
        "print(s.name, s.email, s.phone, sep='|')",
        env=env,
    )

    assert migrated.returncode == 0, migrated.stderr
    assert read.stdout.strip().splitlines()[-1] == "Clementine Oakenshield|clem@example.org|+86 139 0000 1111", (
        read.stderr
    )
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
    assert "Oakenshield" not in dump and "clem@example.org" not in dump
