"""Checking the log against the events as they stand, and against checkpoints held elsewhere.

The leaves are recomputed from the event table alone: every event in position order, its hash
recomputed from its content. Their Merkle root at a checkpoint's size must be the signed root;
whoever held the database cannot change, remove, add or reorder a covered event without
changing it, even if they recomputed every per-case chain. To say *where*, the walk compares
each event with the leaf recorded when it was appended (index, position, hash), and the
recomputed roots with every checkpoint the log has signed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

from cases.eventstore import canonical_encoding, stored_events
from ledger import merkle, tree
from ledger.checkpoints import ParsedCheckpoint, parse_checkpoint
from ledger.keys import NoteError, VerifierKey
from ledger.models import Checkpoint, Leaf, Node


@dataclass(frozen=True)
class Finding:
    message: str
    leaf_index: int | None = None
    position: int | None = None

    def describe(self) -> str:
        where = []
        if self.leaf_index is not None:
            where.append(f"leaf {self.leaf_index}")
        if self.position is not None:
            where.append(f"position {self.position}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class LogReport:
    leaves: int = 0
    events: int = 0
    unused_positions: int = 0
    findings: list[Finding] = field(default_factory=list)
    roots: dict[int, bytes] = field(default_factory=dict)
    # leaf index -> (position, recomputed event hash), for the leaves someone asked about
    watched: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings


def _leaves() -> Iterator[tuple[int, int, str]]:
    yield from Leaf.objects.order_by("index").values_list("index", "position", "event_hash").iterator(5000)


def _events(content: bool = True) -> Iterator[Any]:
    yield from stored_events(by_stream=False, content=content)


def _stored_nodes() -> Iterator[tuple[int, int, str]]:
    """The stored interior nodes in the order a growing tree completes them: by the leaf whose
    addition completes each (the last of its range), lower levels first."""
    q = connection.ops.quote_name
    done = RawSQL(f"(({q('index')} + 1) << {q('level')})", [])  # noqa: S611 - column names only
    nodes = Node.objects.annotate(done=done).order_by("done", "level").values_list("level", "index", "hash")
    yield from nodes.iterator(5000)


def walk_log(
    *,
    root_sizes: set[int],
    watch: Set[int] = frozenset(),
    progress: Callable[[int], None] | None = None,
    contents_verified: bool = False,
) -> LogReport:
    """Recompute the log from the events; check the recorded leaves against them.

    `contents_verified`: every event's content was just found to match its stored hash (every
    chain intact, in the same snapshot of the table), so the stored hash is what recomputing
    it would give, and it is used instead of hashing each event a second time.
    """
    report = LogReport()
    frontier = merkle.Frontier()
    if 0 in root_sizes:
        report.roots[0] = merkle.EMPTY_ROOT
    leaves = _leaves()
    next_leaf = next(leaves, None)
    expected_index = 0
    previous_position = 0
    built = tree.built_size()
    nodes = _stored_nodes()
    next_node = next(nodes, None)
    node_checked = True  # until the first stored node that differs: later ones all follow from it
    positions: list[int] = []
    for event in _events(content=not contents_verified):
        report.events += 1
        recomputed = event.hash if contents_verified else event.computed_hash()
        # Leaves recorded for positions before this event whose events are gone.
        while next_leaf is not None and next_leaf[1] < event.position:
            index, position, _hash = next_leaf
            report.findings.append(Finding("the event of this leaf is missing (deleted)", index, position))
            expected_index, previous_position = index + 1, position
            next_leaf = next(leaves, None)
        if next_leaf is not None and next_leaf[1] == event.position:
            index, position, leaf_hash = next_leaf
            if index != expected_index:
                report.findings.append(
                    Finding(f"leaf indices jump from {expected_index - 1} to {index} (leaves missing)", index, position)
                )
            elif recomputed != event.hash:
                report.findings.append(
                    Finding("the event's content does not match its hash (altered)", index, position)
                )
            elif recomputed != leaf_hash:
                report.findings.append(
                    Finding("the event is not the one appended here (rewritten or moved)", index, position)
                )
            # Positions skipped between two leaves were drawn by appends that rolled back.
            if index:
                report.unused_positions += max(0, position - previous_position - 1)
            expected_index, previous_position = index + 1, position
            next_leaf = next(leaves, None)
        else:
            report.findings.append(Finding("this event was never appended to the log (no leaf)", None, event.position))
        if frontier.size in watch:
            report.watched[frontier.size] = (event.position, recomputed)
        positions.append(event.position)
        for level, index, value in frontier.add(merkle.leaf_hash(bytes.fromhex(recomputed))):
            if not node_checked or (index + 1) << level > built:
                continue
            if next_node is None or next_node != (level, index, value.hex()):
                first, last = index << level, ((index + 1) << level) - 1
                report.findings.append(
                    Finding(
                        f"the stored tree over leaves {first} to {last} (positions {positions[first]} to "
                        f"{positions[last]}) does not match the events there: one of them, or the tree, was altered",
                        first,
                        positions[first],
                    )
                )
                node_checked = False
            next_node = next(nodes, None)
        if frontier.size in root_sizes:
            report.roots[frontier.size] = frontier.root()
        if progress and report.events % 1000 == 0:
            progress(report.events)
    while next_leaf is not None:
        index, position, _hash = next_leaf
        report.findings.append(Finding("the event of this leaf is missing (deleted)", index, position))
        next_leaf = next(leaves, None)
    report.leaves = frontier.size
    return report


def stored_checkpoints(key: VerifierKey | None = None) -> tuple[list[ParsedCheckpoint], list[int]]:
    """The stored checkpoints whose signature by `key` verifies, and the sizes of those whose
    signature does not (altered, or signed by an earlier key): they vouch for nothing."""
    found, unsigned = [], []
    for size, note in Checkpoint.objects.order_by("tree_size").values_list("tree_size", "note"):
        try:
            found.append(parse_checkpoint(note, key))
        except NoteError:
            unsigned.append(size)
    return found, unsigned


def check_against(report: LogReport, checkpoint: ParsedCheckpoint, others: list[ParsedCheckpoint]) -> list[Finding]:
    """Whether the recomputed log extends `checkpoint`; if not, where it stops doing so."""
    size = checkpoint.tree_size
    if report.leaves < size:
        first = next((f for f in report.findings if f.leaf_index is not None and f.leaf_index < size), None)
        where = f" first: {first.describe()}" if first else ""
        return [
            Finding(f"the log has {report.leaves} events, the checkpoint covers {size}: events were removed;{where}")
        ]
    if report.roots.get(size) == checkpoint.root_hash:
        return []
    covered = [f for f in report.findings if f.leaf_index is not None and f.leaf_index < size]
    unplaced = [f for f in report.findings if f.leaf_index is None]
    if covered:
        return [Finding(f"does not match the checkpoint of {size} leaves: {covered[0].message}", *_place(covered[0]))]
    # The recorded leaves were rewritten to match: narrow down with the log's own checkpoints.
    low, high = 0, size
    for other in others:
        if other.tree_size < size and report.roots.get(other.tree_size) == other.root_hash:
            low = max(low, other.tree_size)
        elif low < other.tree_size < high and report.roots.get(other.tree_size) != other.root_hash:
            high = other.tree_size
    extra = f"; events without a leaf: {unplaced[0].describe()}" if unplaced else ""
    return [
        Finding(
            f"the log does not match the checkpoint of {size} leaves: an event among leaves {low} to {high - 1} "
            f"was changed, removed, added or moved, and its recorded leaf rewritten to match{extra}"
        )
    ]


def _place(finding: Finding) -> tuple[int | None, int | None]:
    return finding.leaf_index, finding.position


def check_receipt(report: LogReport, receipt: dict[str, Any], key: VerifierKey | None = None) -> list[Finding]:
    """A filer's receipt: its event, proof and checkpoint hold, and the event is still there."""
    checkpoint = parse_checkpoint(receipt["checkpoint"], key)
    event = receipt["event"]
    index = int(receipt["leaf_index"])
    recomputed = receipt_event_hash(event)
    if recomputed != event["hash"]:
        return [Finding("the receipt's event does not match its hash", index)]
    proof = [base64.b64decode(p) for p in receipt["inclusion_proof"]]
    leaf = merkle.leaf_hash(bytes.fromhex(recomputed))
    if not merkle.verify_inclusion(leaf, index, checkpoint.tree_size, proof, checkpoint.root_hash):
        return [Finding("the receipt's inclusion proof does not lead to its checkpoint's root", index)]
    found = report.watched.get(index)
    if found is None:
        return [Finding("the receipt's event is no longer in the log (deleted)", index)]
    position, current = found
    if current != recomputed:
        return [
            Finding(
                "the event at the receipt's leaf is not the receipt's event (deleted or rewritten)", index, position
            )
        ]
    return []


def receipt_event_hash(event: dict[str, Any]) -> str:
    """The hash of an event as a receipt or an export carries it."""
    encoded = canonical_encoding(
        stream_id=uuid.UUID(event["stream_id"]),
        stream_version=event["stream_version"],
        type=event["type"],
        schema_version=event["schema_version"],
        data=event["data"],
        metadata=event["metadata"],
        occurred_at=dt.datetime.fromisoformat(event["occurred_at"]),
        previous_hash=event["previous_hash"],
    )
    return hashlib.sha256(encoded).hexdigest()
