"""RFC 6962 hashing, inclusion and consistency proofs against published test vectors.

The vectors in rfc6962_vectors.json are copied from github.com/transparency-dev/merkle (the
source, commit and file of each probe are named in the file): leaf inputs with their leaf,
node and root hashes, and inclusion and consistency probes, valid and tampered.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ledger import merkle

VECTORS = json.loads((Path(__file__).parent / "rfc6962_vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaf_inputs_hex"]]


def b64(values):
    return [base64.b64decode(v) for v in values]


def test_leaf_hashes_match_the_published_vectors():
    assert [h.hex() for h in LEAVES] == VECTORS["leaf_hashes_hex"]


def test_node_hashes_match_the_published_vectors():
    level1 = [merkle.node_hash(LEAVES[i], LEAVES[i + 1]).hex() for i in range(0, 8, 2)]
    assert level1 == VECTORS["level1_hex"]


@pytest.mark.parametrize("size", range(9))
def test_roots_of_every_size_match_by_recursion_and_by_frontier(size):
    expected = VECTORS["root_hashes_hex"][size]
    assert merkle.root_of(LEAVES[:size]).hex() == expected
    frontier = merkle.Frontier()
    for leaf in LEAVES[:size]:
        frontier.add(leaf)
    assert frontier.root().hex() == expected


def _complete(start, end):
    return merkle.root_of(LEAVES[start:end])


@pytest.mark.parametrize("probe", VECTORS["inclusion"], ids=lambda p: p["file"])
def test_inclusion_probes(probe):
    ok = merkle.verify_inclusion(
        base64.b64decode(probe["leafHash"] or ""),
        probe["leafIdx"],
        probe["treeSize"],
        b64(probe["proof"] or []),
        base64.b64decode(probe["root"] or ""),
    )
    assert ok is not probe["wantErr"]
    if not probe["wantErr"]:
        # The proof this module builds for the same leaf is the published one.
        ranges = merkle.inclusion_ranges(probe["leafIdx"], probe["treeSize"])
        built = [merkle.range_hash(s, e, _complete) for s, e in ranges]
        assert built == b64(probe["proof"] or [])


@pytest.mark.parametrize("probe", VECTORS["consistency"], ids=lambda p: p["file"])
def test_consistency_probes(probe):
    ok = merkle.verify_consistency(
        probe["size1"],
        probe["size2"],
        base64.b64decode(probe["root1"] or ""),
        base64.b64decode(probe["root2"] or ""),
        b64(probe["proof"] or []),
    )
    assert ok is not probe["wantErr"]
    if not probe["wantErr"]:
        ranges = merkle.consistency_ranges(probe["size1"], probe["size2"])
        built = [merkle.range_hash(s, e, _complete) for s, e in ranges]
        assert built == b64(probe["proof"] or [])


def test_every_proof_between_every_pair_of_sizes_up_to_40_verifies():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(40)]

    def complete(start, end):
        return merkle.root_of(leaves[start:end])

    for second in range(1, 41):
        root2 = merkle.root_of(leaves[:second])
        for index in range(second):
            proof = [merkle.range_hash(s, e, complete) for s, e in merkle.inclusion_ranges(index, second)]
            assert merkle.verify_inclusion(leaves[index], index, second, proof, root2)
            assert not merkle.verify_inclusion(leaves[index - 1], index, second, proof, root2) or second == 1
        for first in range(1, second + 1):
            proof = [merkle.range_hash(s, e, complete) for s, e in merkle.consistency_ranges(first, second)]
            assert merkle.verify_consistency(first, second, merkle.root_of(leaves[:first]), root2, proof)
