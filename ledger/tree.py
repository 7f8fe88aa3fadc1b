"""The stored tree: interior nodes built from the numbered leaves, and the proofs read from them.

Appends only number leaves (`ledger.log`). The nodes are built here, in leaf order, from the
frontier of full subtrees kept in `TreeState`: each leaf costs one leaf hash and, on average,
one interior node hash and one stored row, whoever triggers the build (the clock worker's
checkpoint, or a proof asked for a size not built yet). A proof then reads O(log n) stored
hashes in two queries instead of rehashing the leaves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from ledger import merkle
from ledger.models import Leaf, LeafCounter, Node, TreeState

BUILD_BATCH = 5000


class TreeTooSmall(ValueError):
    """A proof was asked for a tree size the log has not reached."""


def leaf_count() -> int:
    """How many leaves are numbered and committed (the log's current size)."""
    last = Leaf.objects.order_by("-index").values_list("index", flat=True).first()
    return 0 if last is None else last + 1


def tree_extend(upto: int | None = None) -> int:
    """Build the stored nodes for every committed leaf (or up to `upto` leaves); return the
    size the stored tree now covers. Builders are serialised by the TreeState row lock."""
    with transaction.atomic():
        state, _created = TreeState.objects.select_for_update().get_or_create(id=1)
        if upto is not None and state.size >= upto:
            return state.size
        frontier = merkle.Frontier(state.size, [bytes.fromhex(h) for h in state.frontier])
        leaves = Leaf.objects.filter(index__gte=state.size).order_by("index")
        if upto is not None:
            leaves = leaves.filter(index__lt=upto)
        nodes: list[Node] = []
        for index, event_hash in leaves.values_list("index", "event_hash").iterator(BUILD_BATCH):
            if index != frontier.size:  # never expected: leaves commit in index order
                break
            for level, node_index, value in frontier.add(merkle.leaf_hash(bytes.fromhex(event_hash))):
                nodes.append(Node(level=level, index=node_index, hash=value.hex()))
            if len(nodes) >= BUILD_BATCH:
                Node.objects.bulk_create(nodes)
                nodes = []
        Node.objects.bulk_create(nodes)
        if frontier.size != state.size:
            state.size, state.frontier = frontier.size, [h.hex() for h in frontier.hashes]
            state.save(update_fields=["size", "frontier"])
        return state.size


def built_size() -> int:
    state = TreeState.objects.filter(id=1).values_list("size", flat=True).first()
    return state or 0


def ensure_built(size: int) -> None:
    """Make sure the stored nodes cover `size` leaves; refuse a size the log has not reached."""
    if size <= built_size():
        return
    if tree_extend(upto=size) < size:
        raise TreeTooSmall(f"the log has fewer than {size} leaves")


def _complete_hashes(ranges: Iterable[merkle.Range]) -> dict[merkle.Range, bytes]:
    """Read the stored hashes of these complete aligned subtrees (two queries at most)."""
    leaves, nodes = set(), set()
    for start, end in ranges:
        size = end - start
        if size == 1:
            leaves.add(start)
        else:
            level = size.bit_length() - 1
            nodes.add((level, start >> level))
    found: dict[merkle.Range, bytes] = {}
    if leaves:
        for index, event_hash in Leaf.objects.filter(index__in=leaves).values_list("index", "event_hash"):
            found[(index, index + 1)] = merkle.leaf_hash(bytes.fromhex(event_hash))
    if nodes:
        wanted = Q()
        for level, index in nodes:
            wanted |= Q(level=level, index=index)
        for level, index, value in Node.objects.filter(wanted).values_list("level", "index", "hash"):
            found[(index << level, (index + 1) << level)] = bytes.fromhex(value)
    missing = {r for r in ranges if r not in found}
    if missing:
        raise LookupError(f"stored tree nodes are missing: {sorted(missing)[:3]}")
    return found


def subtree_hashes(ranges: list[merkle.Range]) -> list[bytes]:
    """MTH of each range (ranges of the RFC recursion within the built tree)."""
    needed = {piece for start, end in ranges for piece in merkle.aligned_subtrees(start, end)}
    stored = _complete_hashes(needed)
    return [merkle.range_hash(start, end, lambda s, e: stored[(s, e)]) for start, end in ranges]


def root_hash(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    ensure_built(size)
    return subtree_hashes([(0, size)])[0]


def inclusion_proof(index: int, size: int) -> list[bytes]:
    if not 0 <= index < size:
        raise TreeTooSmall(f"leaf {index} is not in a tree of {size} leaves")
    ensure_built(size)
    return subtree_hashes(merkle.inclusion_ranges(index, size))


def inclusion_proofs(indices: list[int], size: int) -> dict[int, list[bytes]]:
    """The inclusion proofs of several leaves in one tree, read together (two queries)."""
    if any(not 0 <= index < size for index in indices):
        raise TreeTooSmall(f"a leaf is not in a tree of {size} leaves")
    ensure_built(size)
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indices}
    hashes = iter(subtree_hashes([r for index in indices for r in ranges[index]]))
    return {index: [next(hashes) for _ in ranges[index]] for index in indices}


def consistency_proof(first: int, second: int) -> list[bytes]:
    if not 0 <= first <= second:
        raise TreeTooSmall(f"a tree of {first} leaves is not part of a tree of {second}")
    ensure_built(second)
    return subtree_hashes(merkle.consistency_ranges(first, second))


def counter_size() -> int:
    return LeafCounter.objects.filter(id=1).values_list("size", flat=True).first() or 0
