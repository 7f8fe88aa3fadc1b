"""Signed checkpoints: their format, their key, their schedule, their public addresses, and
the proofs served beside them, each checked by the standalone checker."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from cases.eventstore import Event
from cases.rebuild import rebuild_projections
from ledger import keys, merkle, tree
from ledger.checkpoints import CHECKPOINT_EVENT, checkpoint_create, checkpoint_if_due, latest_checkpoint
from ledger.log import LEDGER_STREAM_ID
from ledger.models import Checkpoint, Leaf
from tests.ledger.conftest import run, tool, verifier_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_cases(submit_complaint):
    return [submit_complaint(description=f"Complaint {n}").case for n in range(5)]


def test_a_checkpoint_is_a_c2sp_signed_note_over_the_root_of_every_event(some_cases):
    leaves = [merkle.leaf_hash(bytes.fromhex(e.hash)) for e in Event.objects.order_by("position")]
    checkpoint = checkpoint_create()
    text, signatures = checkpoint.note.split("\n\n")
    origin, size, root, time_line = text.split("\n")
    name, blob = signatures.strip()[len("\u2014 ") :].split(" ")
    blob = base64.b64decode(blob)
    key = keys.signing_key()

    assert signatures.startswith("\u2014 ") and name == origin == keys.origin()
    assert int(size) == len(leaves) == checkpoint.tree_size
    assert base64.b64decode(root) == merkle.root_of(leaves)
    assert time_line.startswith("Time: ")
    # The key id is SHA-256(name || "\n" || 0x01 || public key)[:4], as signed-note says.
    assert blob[:4] == hashlib.sha256(name.encode() + b"\n\x01" + key.public_bytes).digest()[:4]
    key.private.public_key().verify(blob[4:], (text + "\n").encode())


def test_each_checkpoint_is_recorded_in_the_log_and_replay_ignores_it(some_cases):
    checkpoint = checkpoint_create()
    recorded = Event.objects.get(stream_id=LEDGER_STREAM_ID)

    assert recorded.type == CHECKPOINT_EVENT
    assert recorded.data["note"] == checkpoint.note
    assert Leaf.objects.get(position=recorded.position).index == checkpoint.tree_size
    assert rebuild_projections(check=True) == []


def test_nothing_new_means_no_new_checkpoint(some_cases):
    first = checkpoint_create()
    assert checkpoint_create() == first
    assert latest_checkpoint() == first.note
    assert Checkpoint.objects.count() == 1


def test_the_clock_signs_once_the_interval_has_passed_and_the_log_grew(some_cases, submit_complaint, settings):
    settings.LEDGER_CHECKPOINT_SECONDS = 600
    first = checkpoint_if_due()
    assert first is not None
    submit_complaint()
    assert checkpoint_if_due(now=timezone.now() + dt.timedelta(seconds=60)) is None
    later = checkpoint_if_due(now=timezone.now() + dt.timedelta(seconds=601))
    assert later is not None and later.tree_size > first.tree_size


def test_the_sign_checkpoint_command_prints_the_note(some_cases):
    ok, said = run("sign_checkpoint")
    assert ok
    assert said == Checkpoint.objects.get().note


# --- The key --------------------------------------------------------------------------------


@pytest.fixture
def fresh_key_cache():
    keys._private_key.cache_clear()
    yield
    keys._private_key.cache_clear()


def test_without_configuration_a_key_file_is_made_once_under_var(settings, tmp_path, fresh_key_cache):
    settings.VAR_DIR, settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE = tmp_path, "", ""
    first = keys.signing_key().verifier_key()
    keys._private_key.cache_clear()

    assert (tmp_path / keys.DEFAULT_KEY_FILE_NAME).exists()
    assert keys.signing_key().verifier_key() == first


def test_a_configured_key_file_that_is_missing_is_an_error(settings, tmp_path, fresh_key_cache):
    settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE = "", str(tmp_path / "absent.pem")
    with pytest.raises(ImproperlyConfigured):
        keys.signing_key()


def test_a_key_from_the_environment_as_a_base64_seed(settings, fresh_key_cache):
    seed = bytes(range(32))
    settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE = base64.b64encode(seed).decode(), ""
    expected = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    assert keys.signing_key().private.public_key() == expected


# --- Public addresses, checked by the standalone checker -------------------------------------


def test_the_latest_checkpoint_its_history_and_the_key_are_public(some_cases, submit_complaint, tmp_path):
    first = checkpoint_create()
    submit_complaint()
    second = checkpoint_create()
    public = Client()

    latest = public.get("/ledger/checkpoint")
    history = public.get("/ledger/checkpoints/").json()
    key = public.get("/ledger/key").content.decode().strip()

    assert latest.status_code == 200 and latest["Content-Type"].startswith("text/plain")
    assert latest.content.decode() == second.note
    assert [c["tree_size"] for c in history["checkpoints"]] == [second.tree_size, first.tree_size]
    assert public.get(f"/ledger/checkpoints/{first.tree_size}").content.decode() == first.note
    assert key == verifier_key()
    note = tmp_path / "latest.txt"
    note.write_text(latest.content.decode())
    checked = tool("verify_receipt.py", "checkpoint", note, "--key", key)
    assert checked.returncode == 0, checked.stdout
    forged = tmp_path / "forged.txt"
    forged.write_text(latest.content.decode().replace(f"\n{second.tree_size}\n", f"\n{second.tree_size + 1}\n"))
    assert tool("verify_receipt.py", "checkpoint", forged, "--key", key).returncode == 1


def test_the_history_is_paged(some_cases, submit_complaint, monkeypatch):
    from ledger import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        checkpoint_create()
        submit_complaint()
    page = Client().get("/ledger/checkpoints/").json()
    older = Client().get(page["next"]).json()

    assert len(page["checkpoints"]) == 2
    assert older["checkpoints"][0]["tree_size"] < page["checkpoints"][-1]["tree_size"]


def test_inclusion_and_consistency_proofs_pass_the_standalone_checker(some_cases, submit_complaint, tmp_path):
    old = checkpoint_create()
    for n in range(7):
        submit_complaint(description=f"More {n}")
    new = checkpoint_create()
    public = Client()
    (tmp_path / "old.txt").write_text(old.note)
    (tmp_path / "new.txt").write_text(new.note)
    event = Event.objects.filter(stream_id=some_cases[2].id).first()

    by_hash = public.get(f"/ledger/proofs/inclusion?event_hash={event.hash}&tree_size={new.tree_size}")
    by_index = public.get(f"/ledger/proofs/inclusion?leaf_index=3&tree_size={old.tree_size}")
    consistency = public.get(f"/ledger/proofs/consistency?first={old.tree_size}&second={new.tree_size}")
    for name, response in (("hash", by_hash), ("index", by_index), ("consistency", consistency)):
        assert response.status_code == 200, response.content
        (tmp_path / f"{name}.json").write_bytes(response.content)

    key = verifier_key()
    assert (
        tool(
            "verify_receipt.py", "inclusion", tmp_path / "hash.json", "--checkpoint", tmp_path / "new.txt", "--key", key
        ).returncode
        == 0
    )
    assert (
        tool(
            "verify_receipt.py",
            "inclusion",
            tmp_path / "index.json",
            "--checkpoint",
            tmp_path / "old.txt",
            "--key",
            key,
        ).returncode
        == 0
    )
    checked = tool(
        "verify_receipt.py",
        "consistency",
        tmp_path / "consistency.json",
        "--old",
        tmp_path / "old.txt",
        "--new",
        tmp_path / "new.txt",
        "--key",
        key,
    )
    assert checked.returncode == 0, checked.stdout
    # The wrong way round, or against the wrong checkpoint, they fail.
    assert (
        tool(
            "verify_receipt.py", "inclusion", tmp_path / "hash.json", "--checkpoint", tmp_path / "old.txt", "--key", key
        ).returncode
        == 1
    )
    swapped = tool(
        "verify_receipt.py",
        "consistency",
        tmp_path / "consistency.json",
        "--old",
        tmp_path / "new.txt",
        "--new",
        tmp_path / "old.txt",
        "--key",
        key,
    )
    assert swapped.returncode == 1


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("leaf_index=0&tree_size=999999", 400),
        ("leaf_index=abc&tree_size=1", 400),
        ("leaf_index=9&tree_size=3", 400),
        ("event_hash=zz&tree_size=1", 400),
        (f"event_hash={'0' * 64}&tree_size=1", 404),
        ("tree_size=1", 400),
    ],
)
def test_bad_proof_requests_get_a_specific_4xx(some_cases, query, status):
    checkpoint_create()
    response = Client().get(f"/ledger/proofs/inclusion?{query}")
    assert response.status_code == status
    assert response.json()["code"]


def test_a_bad_consistency_request_gets_a_400(some_cases):
    response = Client().get("/ledger/proofs/consistency?first=9&second=2")
    assert response.status_code == 400


def test_a_checkpoint_size_beyond_any_log_is_not_found(some_cases):
    assert Client().get("/ledger/checkpoints/" + "9" * 30).status_code == 404
    assert Client().get("/ledger/checkpoint").status_code == 404  # none signed yet


def test_the_stored_tree_gives_the_same_proofs_as_the_leaves(some_cases, submit_complaint):
    for n in range(20):
        submit_complaint(description=f"Tree {n}")
    leaves = [
        merkle.leaf_hash(bytes.fromhex(h)) for h in Leaf.objects.order_by("index").values_list("event_hash", flat=True)
    ]
    size = len(leaves)

    assert tree.root_hash(size) == merkle.root_of(leaves)
    for index in (0, 7, size - 1):
        assert merkle.verify_inclusion(
            leaves[index], index, size, tree.inclusion_proof(index, size), merkle.root_of(leaves)
        )
    for first in (1, 5, 16, size - 1):
        proof = tree.consistency_proof(first, size)
        assert merkle.verify_consistency(first, size, merkle.root_of(leaves[:first]), merkle.root_of(leaves), proof)
