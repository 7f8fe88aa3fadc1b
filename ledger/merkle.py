"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification, in pure Python.

A leaf hashes as SHA-256(0x00 || data) and an interior node as SHA-256(0x01 || left || right);
the tree over n leaves splits at the largest power of two below n. Proofs are lists of the
hashes of whole subtrees; the functions here say which subtrees (as leaf ranges), so that
the caller can read exactly those from storage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]  # [start, end) of leaf indices


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two smaller than `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def is_power_of_two(size: int) -> bool:
    return size > 0 and size & (size - 1) == 0


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over the leaf hashes, by the recursive definition (tests and small trees)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class Frontier:
    """The hashes of the full subtrees of a growing tree: enough to add a leaf and to compute
    the root, in O(log n) space. `add` returns the interior nodes its leaf completed."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        # hashes[i] is the full subtree for the i-th set bit of size, highest first.
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a frontier holds one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)

    def add(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf hash; return the completed nodes as (level, index, hash)."""
        completed = []
        current, level, index = leaf, 0, self.size
        while index & 1:  # the subtree to the left at this level is full: merge with it
            current = node_hash(self.hashes.pop(), current)
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        self.hashes.append(current)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        current = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            current = node_hash(left, current)
        return current


def inclusion_ranges(index: int, size: int, start: int = 0) -> list[Range]:
    """The subtrees whose hashes make up the audit path of leaf `index` in a tree of `size`
    (RFC 6962 PATH), nearest the leaf first."""
    if size <= 1:
        return []
    k = split_point(size)
    if index < k:
        return [*inclusion_ranges(index, k, start), (start + k, start + size)]
    return [*inclusion_ranges(index - k, size - k, start + k), (start, start + k)]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees whose hashes prove that the tree of `second` leaves extends the tree of
    `first` leaves (RFC 6962 PROOF); empty when there is nothing to prove."""
    if first <= 0 or first >= second:
        return []
    return _subproof(first, 0, second, complete=True)


def _subproof(first: int, start: int, size: int, *, complete: bool) -> list[Range]:
    if first == size:
        return [] if complete else [(start, start + size)]
    k = split_point(size)
    if first <= k:
        return [*_subproof(first, start, k, complete=complete), (start + k, start + size)]
    return [*_subproof(first - k, start + k, size - k, complete=False), (start, start + k)]


def aligned_subtrees(start: int, end: int) -> list[Range]:
    """The complete, aligned subtrees that a range of the RFC recursion is built from."""
    size = end - start
    if size <= 0:
        return []
    if is_power_of_two(size) and start % size == 0:
        return [(start, end)]
    k = split_point(size)
    return [*aligned_subtrees(start, start + k), *aligned_subtrees(start + k, end)]


def range_hash(start: int, end: int, complete: Callable[[int, int], bytes]) -> bytes:
    """MTH of leaves [start, end), from the hashes of complete aligned subtrees."""
    size = end - start
    if is_power_of_two(size) and start % size == 0:
        return complete(start, end)
    k = split_point(size)
    return node_hash(range_hash(start, start + k, complete), range_hash(start + k, end, complete))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 (a tree of 0 leaves is extended by every tree)."""
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = [first_root, *proof] if is_power_of_two(first) else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(sibling, fr), node_hash(sibling, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
