"""Signed checkpoints of the log: made on a schedule and on demand, recorded in the log itself.

A checkpoint is a C2SP tlog-checkpoint signed note:

    <origin>
    <tree size>
    <base64 root hash>
    Time: <UTC time of signing>

    — <key name> <base64(key id || Ed25519 signature)>

Each one is also appended as an event of the ledger's own stream, so the next checkpoint
covers the previous one; it is kept in `Checkpoint` to be served with its history.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.eventstore import Event, append, stream_head
from ledger import tree
from ledger.keys import NoteError, VerifierKey, note_text, origin, signing_key
from ledger.log import LEDGER_STREAM_ID
from ledger.models import Checkpoint, Leaf

logger = logging.getLogger(__name__)

CHECKPOINT_EVENT = "ledger.checkpoint_signed"


@dataclass(frozen=True)
class ParsedCheckpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    text: str


def parse_checkpoint(note: str, key: VerifierKey | None = None) -> ParsedCheckpoint:
    """The checkpoint in a signed note; its signature is checked against `key` (default: the
    provider's own key)."""
    key = key or VerifierKey.parse(signing_key().verifier_key())
    text = note_text(note, key)
    lines = text.splitlines()
    try:
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError) as exc:
        raise NoteError("a checkpoint reads origin, tree size and base64 root hash, a line each") from exc
    if len(root) != 32 or size < 0:
        raise NoteError("a checkpoint's root hash is 32 bytes and its size is not negative")
    return ParsedCheckpoint(origin=lines[0], tree_size=size, root_hash=root, text=text)


def _note(size: int, root: bytes, at: dt.datetime) -> str:
    when = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"{origin()}\n{size}\n{base64.b64encode(root).decode()}\nTime: {when}\n"
    return signing_key().sign_note(text)


def _only_own_event_since(latest: Checkpoint | None, size: int) -> bool:
    """Whether the log grew, since `latest`, by nothing but that checkpoint's own event."""
    if latest is None:
        return size == 0
    if size == latest.tree_size:
        return True
    if size != latest.tree_size + 1:
        return False
    position = Leaf.objects.filter(index=latest.tree_size).values_list("position", flat=True).first()
    return position is not None and Event.objects.filter(position=position, stream_id=LEDGER_STREAM_ID).exists()


def checkpoint_create(*, at_least: int = 0) -> Checkpoint:
    """Sign a checkpoint of the whole log as committed now, unless the latest one already
    covers it (or covers `at_least` leaves, when that is given); return the checkpoint."""
    with transaction.atomic():
        size = tree.tree_extend()  # also locks the tree: one signer at a time
        latest = Checkpoint.objects.order_by("-tree_size").first()
        if latest is not None:
            covered = latest.tree_size >= at_least if at_least else _only_own_event_since(latest, size)
            if covered or latest.tree_size >= size:
                return latest
        now = timezone.now()
        root = tree.root_hash(size)
        checkpoint = Checkpoint.objects.create(
            tree_size=size, root_hash=root.hex(), note=_note(size, root, now), created_at=now
        )
        version, last_hash = stream_head(LEDGER_STREAM_ID)
        append(
            stream_id=LEDGER_STREAM_ID,
            expected_version=version,
            type=CHECKPOINT_EVENT,
            data={"tree_size": size, "root_hash": root.hex(), "note": checkpoint.note},
            metadata={"actor": {"role": "system"}},
            occurred_at=now,
            head=(version, last_hash),
        )
    logger.info("signed checkpoint of %s leaves", size)
    return checkpoint


def checkpoint_covering(leaf_index: int) -> Checkpoint:
    """The latest checkpoint if it covers `leaf_index`, else a new one signed now."""
    latest = Checkpoint.objects.order_by("-tree_size").first()
    if latest is not None and latest.tree_size > leaf_index:
        return latest
    return checkpoint_create(at_least=leaf_index + 1)


def checkpoint_if_due(*, now: dt.datetime | None = None) -> Checkpoint | None:
    """Sign a checkpoint when the interval has passed since the latest one and the log has
    grown by more than that checkpoint's own event (called by the clock worker)."""
    now = now or timezone.now()
    latest = Checkpoint.objects.order_by("-tree_size").first()
    if latest is not None and now - latest.created_at < dt.timedelta(seconds=settings.LEDGER_CHECKPOINT_SECONDS):
        return None
    if _only_own_event_since(latest, tree.leaf_count()):
        return None
    return checkpoint_create()


def latest_checkpoint() -> str:
    """The latest signed checkpoint note, to attach to whatever leaves the provider (reports to
    a regulator, rectification submissions): whoever keeps it can later ask for a consistency
    proof that the log still extends it. Signs one first if none covers the log yet."""
    latest = Checkpoint.objects.order_by("-tree_size").first()
    if latest is None or not _only_own_event_since(latest, tree.leaf_count()):
        latest = checkpoint_create()
    return latest.note
