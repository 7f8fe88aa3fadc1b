"""A filer's receipt: proof that their case's first event is in the log, signed by the provider.

The receipt is small and self-contained: the event (enough to recompute its hash), its leaf
index, the inclusion proof and the checkpoint it leads to. Later, anyone holding it can ask
the log for a consistency proof from that checkpoint to a newer one, and for the event's
inclusion in the newer tree (`tools/verify_receipt.py` does both).
"""

from __future__ import annotations

import uuid
from typing import Any

from cases.eventstore import Event
from ledger import tree
from ledger.checkpoints import checkpoint_covering
from ledger.documents import ENCODING, b64, event_document
from ledger.keys import signing_key
from ledger.models import Leaf

RECEIPT_FORMAT = "tracker-receipt/1"


def receipt_for_stream(stream_id: uuid.UUID) -> dict[str, Any] | None:
    """The receipt of the stream's first event, under a checkpoint that covers it (signed now
    if the latest does not yet); None if the stream has no event in the log."""
    first = Event.objects.filter(stream_id=stream_id, stream_version=1).first()
    if first is None:
        return None
    leaf = Leaf.objects.filter(position=first.position).values_list("index", flat=True).first()
    if leaf is None:
        return None
    checkpoint = checkpoint_covering(leaf)
    return {
        "format": RECEIPT_FORMAT,
        "event": event_document(first),
        "leaf_index": leaf,
        "tree_size": checkpoint.tree_size,
        "inclusion_proof": b64(tree.inclusion_proof(leaf, checkpoint.tree_size)),
        "checkpoint": checkpoint.note,
        # For convenience only: check it against the key the provider publishes.
        "verifier_key": signing_key().verifier_key(),
        "encoding": ENCODING,
    }
