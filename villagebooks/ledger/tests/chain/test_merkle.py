"""The Merkle tree of the chain (RFC 6962): every proof the code makes verifies, and none survives
a changed byte, or a wrong index. (A size is not bound to a root by the proof: a checkpoint signs both.)"""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from villagebooks import verify_books as M

ALG = "sha256"


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


def _recursive_root(leaves):
    """RFC 6962's definition, word for word, to check the level-by-level root against."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return M.leaf_hash(ALG, leaves[0])
    k = M._split(len(leaves))
    return M.node_hash(ALG, _recursive_root(leaves[:k]), _recursive_root(leaves[k:]))


def _flip(proof: list[bytes], which: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[which])
    changed[bit // 8 % len(changed)] ^= 1 << (bit % 8)
    return [*proof[:which], bytes(changed), *proof[which + 1 :]]


def test_known_roots_of_rfc6962_shape():
    leaves = _leaves(3)
    a, b, c = (M.leaf_hash(ALG, leaf) for leaf in leaves)
    assert M.tree_root(ALG, leaves) == M.node_hash(ALG, M.node_hash(ALG, a, b), c)
    assert M.tree_root(ALG, []) == hashlib.sha256(b"").digest()


@given(st.integers(min_value=0, max_value=70))
def test_the_level_by_level_root_is_the_recursive_one(n):
    assert M.tree_root(ALG, _leaves(n)) == _recursive_root(_leaves(n))


@settings(max_examples=150)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_inclusion_proof_verifies_and_no_changed_one_does(n, data):
    leaves = _leaves(n)
    root = M.tree_root(ALG, leaves)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = M.inclusion_proof(ALG, leaves, index)
    assert M.verify_inclusion(ALG, leaves[index], index, n, proof, root)
    assert not M.verify_inclusion(ALG, leaves[index] + b"x", index, n, proof, root)
    if n > 1:
        assert not M.verify_inclusion(ALG, leaves[index], (index + 1) % n, n, proof, root)
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=255))
        assert not M.verify_inclusion(ALG, leaves[index], index, n, _flip(proof, which, bit), root)
        assert not M.verify_inclusion(ALG, leaves[index], index, n, proof[:-1], root)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not M.verify_inclusion(ALG, leaves[index], index, n, proof, _flip([root], 0, bit)[0])


@settings(max_examples=150)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_consistency_proof_verifies_and_no_changed_one_does(n, data):
    leaves = _leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    first, second = M.tree_root(ALG, leaves[:m]), M.tree_root(ALG, leaves)
    proof = M.consistency_proof(ALG, leaves, m)
    assert M.verify_consistency(ALG, m, n, first, second, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not M.verify_consistency(ALG, m, n, _flip([first], 0, bit)[0], second, proof)
    assert not M.verify_consistency(ALG, m, n, first, _flip([second], 0, bit)[0], proof)
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        assert not M.verify_consistency(ALG, m, n, first, second, _flip(proof, which, bit))
    if m < n:
        # A rewritten history: the same sizes, one earlier leaf changed.
        changed = list(leaves)
        at = data.draw(st.integers(min_value=0, max_value=m - 1))
        changed[at] = b"rewritten"
        assert not M.verify_consistency(ALG, m, n, first, M.tree_root(ALG, changed), proof)


def test_the_empty_tree_is_a_prefix_of_every_tree():
    leaves = _leaves(5)
    assert M.consistency_proof(ALG, leaves, 0) == []
    assert M.verify_consistency(ALG, 0, 5, M.tree_root(ALG, []), M.tree_root(ALG, leaves), [])
    assert not M.verify_consistency(ALG, 6, 5, b"", b"", [])


def test_the_chain_hash_links_version_previous_and_content():
    first = M.entry_hash(ALG, 1, M.GENESIS, b"{}")
    assert first == hashlib.sha256(b"1|" + M.GENESIS.encode() + b"|{}").hexdigest()
    assert M.entry_hash(ALG, 1, first, b"{}") != first
    assert (
        M.amount_text(123450) == "1234.50" and M.amount_text(-1200) == "-12.00" and M.amount_text(5) == "0.05"
    )


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=70), data=st.data())
def test_the_roots_of_every_prefix_in_one_pass_are_rfc6962s(n, data):
    leaves = _leaves(n)
    sizes = data.draw(st.sets(st.integers(min_value=0, max_value=n), max_size=8))
    roots = M.prefix_roots(ALG, leaves, sizes)
    assert roots.keys() == sizes
    for size in sizes:
        assert roots[size] == _recursive_root(leaves[:size])
