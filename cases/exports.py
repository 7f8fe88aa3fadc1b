"""A case's verifiable export: every event, its hashes, and its place in the signed log.

`case_export` returns one JSON-serialisable document that a third party can check offline with
`tools/verify_export.py` (standard library only) or `manage.py verify_export`:

- each event with every field its hash covers, so the hash and the chain can be recomputed;
- each event's leaf index in the global log and its inclusion proof under one checkpoint,
  signed by the provider, that covers the case's last event;
- a signed statement of the case's head (how many events, the last hash), so that an event
  removed from the end of the file is caught like any other;
- the filer's own text, which the events hold sealed under their key, read beside them while
  it can be (never once their personal data is erased).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Min

from cases.eventstore import Event, stream_events
from cases.models import Case
from cases.sealing import Reader, is_sealed
from ledger import tree
from ledger.checkpoints import checkpoint_covering
from ledger.documents import ENCODING, b64, event_document
from ledger.keys import origin, signing_key
from ledger.models import Checkpoint, Leaf

EXPORT_FORMAT = "tracker-case-export/1"


def head_statement(*, case_id: str, events: int, last_hash: str, tree_size: int) -> str:
    """The text of the signed statement of a case's head."""
    return f"{origin()}/case-head\n{case_id}\n{events}\n{last_hash}\n{tree_size}\n"


def case_export(case: Case, *, up_to_version: int | None = None) -> dict[str, Any]:
    """The case's export; with `up_to_version`, of its history as it stood then (what a report
    to a regulator carried), its signed head stating that many events."""
    events = [e for e in stream_events(case.id) if up_to_version is None or e.stream_version <= up_to_version]
    leaves = dict(Leaf.objects.filter(position__in=[e.position for e in events]).values_list("position", "index"))
    last_leaf = max(leaves.values(), default=0)
    checkpoint = checkpoint_covering(last_leaf)
    size = checkpoint.tree_size
    proofs = tree.inclusion_proofs([leaves[e.position] for e in events if e.position in leaves], size)
    documents = []
    reader = Reader()
    personal: list[dict[str, Any]] = []
    for event in events:
        for field, value in (event.data if isinstance(event.data, dict) else {}).items():
            # The events carry the filer's text sealed (what the hashes cover); while it can
            # still be read, the text is given beside them, outside what is verified.
            if is_sealed(value) and reader.is_readable(value):
                personal.append({"version": event.stream_version, "field": field, "text": reader.text(value)})
        document = event_document(event)
        index = leaves.get(event.position)
        document["leaf_index"] = index
        document["inclusion_proof"] = b64(proofs[index]) if index is not None else None
        documents.append(document)
    key = signing_key()
    head = head_statement(
        case_id=str(case.id), events=len(events), last_hash=events[-1].hash if events else "", tree_size=size
    )
    return {
        "format": EXPORT_FORMAT,
        "case": {"id": str(case.id), "reference": case.reference, "kind": case.kind},
        "encoding": ENCODING,
        "events": documents,
        "tree_size": size,
        "checkpoint": checkpoint.note,
        "case_head": key.sign_note(head),
        # For convenience only: check it against the key the provider publishes.
        "verifier_key": key.verifier_key(),
        # The filer's own text, read from the sealed values of the events while their personal
        # data is kept; empty once it is erased. Not covered by any hash.
        "personal_text": personal,
    }


@dataclass(frozen=True)
class CaseCheckpoint:
    """The latest signed checkpoint, and how much of one case it covers."""

    tree_size: int
    root_hash: str
    created_at: Any
    first_leaf: int
    last_leaf: int

    @property
    def covers_all(self) -> bool:
        return self.last_leaf < self.tree_size


def case_checkpoint(case: Case) -> CaseCheckpoint | None:
    """The latest checkpoint, if it covers at least the case's first event (two queries)."""
    span = Leaf.objects.filter(position__in=Event.objects.filter(stream_id=case.id).values("position")).aggregate(
        first=Min("index"), last=Max("index")
    )
    if span["first"] is None:
        return None
    latest = Checkpoint.objects.order_by("-tree_size").first()
    if latest is None or latest.tree_size <= span["first"]:
        return None
    return CaseCheckpoint(latest.tree_size, latest.root_hash, latest.created_at, span["first"], span["last"])
