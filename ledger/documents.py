"""Events as documents a third party can check: every hashed field, in its canonical form."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cases.eventstore import GENESIS_HASH, Event

ENCODING = {
    "hash": "SHA-256, lower-case hex",
    "event_hash_covers": (
        "the UTF-8 bytes of the JSON object {stream_id, stream_version, type, schema_version, data, metadata, "
        "occurred_at, previous_hash} with keys sorted at every level, separators ',' and ':' and no other space, "
        "non-ASCII characters unescaped, exactly as given here (occurred_at in UTC, ISO 8601, microseconds)"
    ),
    "chain": f"an event's previous_hash is the hash of the case's event before it; the first has {GENESIS_HASH}",
    "log": (
        "every event, in global position order, is a leaf of an RFC 6962 / RFC 9162 Merkle tree: leaf hash = "
        "SHA-256(0x00 || the 32 bytes of the event hash), node hash = SHA-256(0x01 || left || right); proofs are "
        "lists of base64 hashes, verified as RFC 9162 section 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) say"
    ),
    "checkpoint": (
        "a C2SP tlog-checkpoint signed note: origin, tree size, base64 root hash, Time line; a blank line; "
        "'\u2014 <key name> <base64(4-byte key id || Ed25519 signature over the text before the blank line)>'"
    ),
}


def event_document(event: Event) -> dict[str, Any]:
    return {
        "position": event.position,
        "stream_id": str(event.stream_id),
        "stream_version": event.stream_version,
        "type": event.type,
        "schema_version": event.schema_version,
        "data": event.data,
        "metadata": event.metadata,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]
