import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases import commands
from cases.eventstore import Event
from cases.models import Case
from tests.conftest import tamper
from tests.processes import manage


@pytest.fixture
def history(submit_complaint, agent):
    cases = [submit_complaint().case for _ in range(3)]
    for case in cases:
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
        commands.complaint_start_investigation(case_id=case.id, actor=agent, expected_version=2)
    return cases


def _run(name, *args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_verify_ledger_passes_on_an_intact_history(history):
    out, err = _run("verify_ledger")
    assert "9 events, every chain intact" in out
    assert "verified events: 9/9" in err


@pytest.mark.django_db
def test_verify_ledger_names_an_event_whose_content_was_altered(history):
    target = Event.objects.filter(stream_id=history[1].id, stream_version=2).get()
    tamper("UPDATE cases_event SET data = %s WHERE position = %s", ['{"note": "forged"}', target.pk])

    with pytest.raises(CommandError) as failed:
        _run("verify_ledger")
    assert f"event #{target.pk} " in str(failed.value)
    assert "altered" in str(failed.value)


@pytest.mark.django_db
def test_verify_ledger_names_the_event_after_a_removed_one(history):
    removed = Event.objects.filter(stream_id=history[0].id, stream_version=2).get()
    following = Event.objects.filter(stream_id=history[0].id, stream_version=3).get()
    tamper("DELETE FROM cases_event WHERE position = %s", [removed.pk])

    with pytest.raises(CommandError) as failed:
        _run("verify_ledger")
    assert f"event #{following.pk} " in str(failed.value)
    assert "missing" in str(failed.value)


@pytest.mark.django_db
def test_verify_ledger_catches_an_event_rewritten_with_a_fresh_hash(history):
    # A forger who recomputes the hash of the edited event still breaks the next link.
    target = Event.objects.filter(stream_id=history[2].id, stream_version=2).get()
    target.data = {"note": "forged"}
    forged_hash = target.computed_hash()
    following = Event.objects.filter(stream_id=history[2].id, stream_version=3).get()
    tamper(
        "UPDATE cases_event SET data = %s, hash = %s WHERE position = %s",
        ['{"note": "forged"}', forged_hash, target.pk],
    )

    with pytest.raises(CommandError) as failed:
        _run("verify_ledger")
    assert f"event #{following.pk} " in str(failed.value)


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_exits_non_zero_from_the_command_line(history):
    assert manage("verify_ledger").returncode == 0
    target = Event.objects.filter(stream_id=history[0].id, stream_version=3).get()
    tamper("UPDATE cases_event SET type = %s WHERE position = %s", ["complaint.closed", target.pk])

    result = manage("verify_ledger")
    assert result.returncode == 1
    assert f"event #{target.pk} " in result.stderr


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_catches_a_last_event_rewritten_with_a_fresh_hash(history):
    # Nothing follows the last event, so every chain holds and only its leaf in the global log
    # tells: the walk of the log, which trusts hashes the chain walk has just recomputed in the
    # same snapshot, must still compare each with the hash recorded when it was appended.
    target = Event.objects.filter(stream_id=history[1].id).order_by("-stream_version").first()
    forged = Event.objects.get(pk=target.pk)
    forged.data = {"note": "forged"}
    tamper(
        "UPDATE cases_event SET data = %s, hash = %s WHERE position = %s",
        ['{"note": "forged"}', forged.computed_hash(), target.pk],
    )

    result = manage("verify_ledger")
    assert result.returncode == 1
    assert f"position {target.pk}" in result.stderr
    assert "not the one appended here" in result.stderr


@pytest.mark.django_db
def test_rebuild_check_finds_nothing_on_a_consistent_history(history):
    out, _ = _run("rebuild_projections", "--check")
    assert "Projections match the events." in out


@pytest.mark.django_db
def test_rebuild_check_reports_a_drifted_projection_and_rebuild_repairs_it(history):
    case = history[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET title = %s, state = %s WHERE id = %s",
            ["drifted", "closed", case.id.hex if connection.vendor == "sqlite" else case.id],
        )

    with pytest.raises(CommandError, match="2 difference"):
        _run("rebuild_projections", "--check")
    assert Case.objects.get(pk=case.id).title == "drifted"

    out, _ = _run("rebuild_projections")
    assert "corrected" in out
    repaired = Case.objects.get(pk=case.id)
    assert (repaired.title, repaired.state) == (case.title, "investigating")
    _run("rebuild_projections", "--check")


@pytest.mark.django_db
def test_rebuild_restores_a_lost_projection_row(history):
    lost = Case.objects.get(pk=history[1].id)
    Case.objects.filter(pk=lost.pk).delete()

    with pytest.raises(CommandError, match="1 difference"):
        _run("rebuild_projections", "--check")
    _run("rebuild_projections")

    restored = Case.objects.get(pk=lost.pk)
    assert (restored.reference, restored.state, restored.version) == (lost.reference, lost.state, lost.version)


@pytest.mark.django_db
def test_case_history_prints_the_timeline(history):
    out, _ = _run("case_history", history[0].reference.lower().replace("-", " "))
    assert history[0].reference in out
    assert "complaint.submitted" in out and "submitted → triaged" in out and "triaged → investigating" in out


@pytest.mark.django_db
def test_case_history_exports_what_a_third_party_needs_to_verify_it(history):
    out, _ = _run("case_history", history[0].reference, "--json")
    export = json.loads(out)

    # Verify as an outsider would: only the export, its documented encoding, and SHA-256.
    previous = export["genesis_previous_hash"]
    for item in export["events"]:
        hashed = {key: item[key] for key in item if key not in {"position", "hash"}}
        assert hashed["previous_hash"] == previous
        encoded = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert hashlib.sha256(encoded).hexdigest() == item["hash"]
        previous = item["hash"]
    assert [item["stream_version"] for item in export["events"]] == [1, 2, 3]


@pytest.mark.django_db
def test_case_history_of_an_unknown_reference_fails_clearly(db):
    with pytest.raises(CommandError, match="No case with reference"):
        _run("case_history", "C-2222-2222")
