"""Receipts for filers: offered on the confirmation and tracking pages, downloaded over HTTP,
checked with the standalone checker alone; still good after 10,000 more events; not good once
the case is deleted."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection, transaction
from django.test import Client

from cases.eventstore import Event, append
from cases.models import Case
from ledger.checkpoints import checkpoint_create
from tests.ledger.conftest import run, tool, triggers_disabled, verifier_key

COMPLAINT = {"category": "unlabelled_synthetic", "description": "一段没有任何标识的合成视频。", "content_urls": ""}


def _file(client: Client) -> Case:
    response = client.post("/complaints/new/", COMPLAINT)
    assert response.status_code == 302, response.content.decode()[:500]
    return Case.objects.get(reference=response["Location"].strip("/").split("/")[-1])


def _receipt_link(page: str) -> str:
    found = re.search(r'href="(/track/[^"]+/receipt\.json)"[^>]*data-receipt-link', page)
    assert found, "the page offers no receipt"
    return found.group(1)


def _download(client: Client, url: str, tmp_path):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "receipt.json"
    path.write_bytes(response.content)
    return path, json.loads(response.content)


@pytest.mark.django_db
def test_the_confirmation_offers_a_receipt_that_the_standalone_checker_accepts(client, provider, tmp_path):
    case = _file(client)
    page = client.get(f"/filed/{case.reference}/").content.decode()

    path, receipt = _download(client, _receipt_link(page), tmp_path)

    assert receipt["event"]["stream_id"] == str(case.id)
    assert receipt["event"]["stream_version"] == 1
    checked = tool("verify_receipt.py", "receipt", path, "--key", verifier_key())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("OK")


@pytest.mark.django_db
def test_the_tracking_page_offers_the_receipt_and_strangers_get_none(client, provider, tmp_path):
    case = _file(client)
    page = client.get(f"/track/{case.reference}/").content.decode()
    url = _receipt_link(page)

    assert _download(client, url, tmp_path)[1]["event"]["hash"] == Event.objects.get(stream_id=case.id).hash
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_a_receipt_whose_event_was_altered_fails_the_checker(client, provider, tmp_path):
    case = _file(client)
    path, receipt = _download(client, f"/track/{case.reference}/receipt.json", tmp_path)
    # The description is sealed under the filer's key: change one character of its ciphertext.
    sealed = receipt["event"]["data"]["description"]["sealed"]
    receipt["event"]["data"]["description"]["sealed"] = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    path.write_text(json.dumps(receipt, ensure_ascii=False))

    checked = tool("verify_receipt.py", "receipt", path, "--key", verifier_key())

    assert checked.returncode == 1
    assert "does not match its hash" in checked.stdout


def _many_more_events(count: int) -> None:
    """Fast, but through the event store's own append: one transaction, one stream each 100."""
    import uuid

    with transaction.atomic():
        stream, version = uuid.uuid4(), 0
        for n in range(count):
            if version == 100:
                stream, version = uuid.uuid4(), 0
            append(stream_id=stream, expected_version=version, type="bench.filler", data={"n": n}, metadata={})
            version += 1


@pytest.mark.django_db(transaction=True)
def test_a_receipt_still_verifies_after_ten_thousand_more_events(asgi_server, provider, tmp_path):
    client = Client()
    case = _file(client)
    path, receipt = _download(client, f"/track/{case.reference}/receipt.json", tmp_path)

    _many_more_events(10_000)
    later = checkpoint_create()

    assert later.tree_size >= receipt["tree_size"] + 10_000
    checked = tool("verify_receipt.py", "receipt", path, "--key", verifier_key(), "--server", asgi_server.http_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"the tree of {later.tree_size} extends the tree of {receipt['tree_size']}" in checked.stdout
    ok, said = run("verify_ledger", "--against", str(path))
    assert ok, said


@pytest.mark.django_db(transaction=True)
def test_a_receipt_for_a_deleted_case_does_not_verify(asgi_server, provider, tmp_path):
    client = Client()
    case = _file(client)
    _file(client)  # another case after it
    path, _receipt = _download(client, f"/track/{case.reference}/receipt.json", tmp_path)
    first = Event.objects.get(stream_id=case.id, stream_version=1)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_event WHERE position = %s", [first.position])
    checkpoint_create()

    online = tool("verify_receipt.py", "receipt", path, "--key", verifier_key(), "--server", asgi_server.http_url)
    ok, said = run("verify_ledger", "--against", str(path))

    assert online.returncode == 1
    assert "no longer holds the receipt's event" in online.stdout
    assert not ok
    assert f"position {first.position}" in said.splitlines()[-1]


@pytest.mark.django_db
def test_the_log_does_not_vouch_for_an_event_whose_content_changed_under_its_hash(client, provider):
    case = _file(client)
    first = Event.objects.get(stream_id=case.id, stream_version=1)
    checkpoint_create()
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_event SET type = %s WHERE position = %s", ["complaint.withdrawn", first.position])

    response = Client().get(f"/ledger/proofs/inclusion?event_hash={first.hash}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_in_log"
