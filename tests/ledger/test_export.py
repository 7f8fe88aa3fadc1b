"""A case's verifiable export: downloaded by staff (page and API), checked by `verify_export`
and by the standard-library checker that the README prints; any altered, removed or swapped
event is named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cases import commands
from tests.conftest import make_staff
from tests.ledger.conftest import TOOLS, run, tool, verifier_key

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def worked_case(submit_complaint, agent, provider):
    case = submit_complaint(description="一段没有任何标识的合成视频。").case
    for version in (1, 2, 3):
        commands.case_note_add(case_id=case.id, actor=agent, expected_version=version, note=f"第 {version} 条备注")
    submit_complaint(description="Another case, after it in the log.")
    return case


@pytest.fixture
def staff_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def export_file(staff_client, worked_case, tmp_path):
    response = staff_client.get(f"/staff/cases/{worked_case.id}/export.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "export.json"
    path.write_bytes(response.content)
    return path


def _both(path: Path) -> tuple[tuple[bool, str], tuple[int, str]]:
    command = run("verify_export", str(path))
    snippet = tool("verify_export.py", path, verifier_key())
    return command, (snippet.returncode, snippet.stdout + snippet.stderr)


def _edit(path: Path, change) -> None:
    export = json.loads(path.read_text(encoding="utf-8"))
    change(export)
    path.write_text(json.dumps(export, ensure_ascii=False, indent=2), encoding="utf-8")


def test_an_export_verifies_with_the_command_and_the_standalone_snippet(export_file, worked_case):
    (ok, said), (code, printed) = _both(export_file)

    assert ok, said
    assert code == 0, printed
    assert "OK: 4 events verified" in printed
    export = json.loads(export_file.read_text(encoding="utf-8"))
    assert [e["stream_version"] for e in export["events"]] == [1, 2, 3, 4]
    assert all(isinstance(e["leaf_index"], int) and e["inclusion_proof"] is not None for e in export["events"])


def test_one_byte_changed_in_one_event_is_named(export_file):
    def change(export):
        note = export["events"][2]["data"]["note"]
        export["events"][2]["data"]["note"] = note[:-1] + "X"

    _edit(export_file, change)
    (ok, said), (code, printed) = _both(export_file)

    assert not ok and code == 1
    for output in (said, printed):
        assert "event 3 (version 3" in output
        assert "altered" in output


def test_a_removed_last_event_is_caught(export_file):
    _edit(export_file, lambda export: export["events"].pop())
    (ok, said), (code, printed) = _both(export_file)

    assert not ok and code == 1
    for output in (said, printed):
        assert "events at the end were removed" in output


def test_a_removed_event_in_the_middle_is_named(export_file):
    _edit(export_file, lambda export: export["events"].pop(1))
    (ok, said), (code, printed) = _both(export_file)

    assert not ok and code == 1
    for output in (said, printed):
        assert "event 2 (version 3" in output


def test_two_swapped_events_are_named(export_file):
    def swap(export):
        events = export["events"]
        events[1], events[2] = events[2], events[1]

    _edit(export_file, swap)
    (ok, said), (code, printed) = _both(export_file)

    assert not ok and code == 1
    for output in (said, printed):
        assert "event 2 (version 3" in output


def test_a_rewritten_and_rehashed_event_is_not_in_the_signed_log(export_file):
    """Someone recomputes the hashes of an altered file: the chain holds, the proofs do not."""
    import hashlib

    def rewrite(export):
        previous = "0" * 64
        for event in export["events"]:
            if event["stream_version"] == 2:
                event["data"]["note"] = "改写"
            event["previous_hash"] = previous
            hashed = {k: event[k] for k in ("stream_id", "stream_version", "type", "schema_version", "data")}
            hashed |= {k: event[k] for k in ("metadata", "occurred_at", "previous_hash")}
            encoded = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            event["hash"] = previous = hashlib.sha256(encoded.encode()).hexdigest()

    _edit(export_file, rewrite)
    (ok, said), (code, printed) = _both(export_file)

    assert not ok and code == 1
    for output in (said, printed):
        assert "event 2 (version 2" in output
        assert "not in the signed log" in output


def test_the_staff_api_serves_the_same_export(client, worked_case, agent_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=agent_user)
    response = client.get(f"/api/v1/staff/cases/{worked_case.id}/export/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200, response.content[:300]
    assert [e["stream_version"] for e in response.json()["events"]] == [1, 2, 3, 4]


def test_another_organisations_staff_get_no_export(client, worked_case, other_provider):
    client.force_login(make_staff(other_provider, "outsider"))
    assert client.get(f"/staff/cases/{worked_case.id}/export.json").status_code == 404
    assert client.get(f"/staff/cases/{worked_case.id}/export/").status_code == 404


def test_the_printable_history_lists_every_event_and_the_checkpoint(staff_client, worked_case):
    page = staff_client.get(f"/staff/cases/{worked_case.id}/export/").content.decode()

    assert page.count("<tr>") == 1 + 4
    assert "第 3 条备注" in page
    assert "\u2014 " in page  # the signature line of the checkpoint


def test_the_staff_case_page_shows_the_checkpoint_and_links_the_export(staff_client, worked_case):
    from ledger.checkpoints import checkpoint_create

    checkpoint = checkpoint_create()
    page = staff_client.get(f"/staff/cases/{worked_case.id}/").content.decode()

    assert checkpoint.root_hash in page
    assert f"/staff/cases/{worked_case.id}/export.json" in page


def test_the_readme_snippet_is_the_checker_the_tests_run():
    readme = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- verify_export.py -->\s*```python\n(.*?)```", readme, re.S)
    assert found, "the README has no verify_export.py snippet"
    assert found.group(1) == (TOOLS / "verify_export.py").read_text(encoding="utf-8")
