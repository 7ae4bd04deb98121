//! RFC 6962 / RFC 9162 Merkle trees over either hash algorithm: roots, inclusion and
//! consistency proofs, and the compact frontier of an append-only log.
//!
//! The structure is the Certificate Transparency one whatever the algorithm: a leaf hashes as
//! `H(0x00 || data)`, an interior node as `H(0x01 || left || right)`, the empty tree as `H("")`,
//! and a tree of `n > 1` leaves splits into a left subtree of the largest power of two below `n`
//! leaves and a right subtree of the rest. SHA-256 gives standard CT hashes; SM3 gives the same
//! tree shape on `sm` chains.

use crate::{Hash, HashAlgorithm, TypesError};
use serde::{Deserialize, Serialize};

/// Domain-separation prefix of leaf hashes (RFC 6962 §2.1), so a leaf can never pass for a node.
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of interior node hashes.
const NODE_PREFIX: u8 = 0x01;

/// The hash of a leaf: `H(0x00 || data)`.
pub fn leaf_hash(alg: HashAlgorithm, data: &[u8]) -> Hash {
    alg.digest_parts(&[&[LEAF_PREFIX], data])
}

/// The hash of an interior node: `H(0x01 || left || right)`.
pub fn node_hash(alg: HashAlgorithm, left: &Hash, right: &Hash) -> Hash {
    alg.digest_parts(&[&[NODE_PREFIX], &left.0, &right.0])
}

/// The root of the empty tree: `H("")`, the digest of no bytes at all.
pub fn empty_root(alg: HashAlgorithm) -> Hash {
    alg.digest(b"")
}

/// Root of a tree whose leaf hashes are given (MTH of RFC 6962 §2.1).
pub fn root(alg: HashAlgorithm, leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => empty_root(alg),
        [only] => *only,
        _ => {
            let (left, right) = leaf_hashes.split_at(split_len(leaf_hashes.len()));
            node_hash(alg, &root(alg, left), &root(alg, right))
        }
    }
}

/// Audit path of RFC 6962 §2.1.1 (PATH(m, D[n])), leaf index < len.
///
/// The path lists sibling hashes from the leaf up to the root. Fails with
/// [`TypesError::Proof`] when `index` is not below the number of leaves.
pub fn inclusion_proof(
    alg: HashAlgorithm,
    leaf_hashes: &[Hash],
    index: u64,
) -> Result<Vec<Hash>, TypesError> {
    let size = leaf_hashes.len() as u64;
    if index >= size {
        return Err(index_error(index, size));
    }
    let mut path = Vec::new();
    // index < len, which is a usize, so the conversion is lossless.
    push_path(alg, leaf_hashes, index as usize, &mut path);
    Ok(path)
}

/// RFC 9162 §2.1.3.2 verification algorithm. Errors (TypesError::Proof with a clear message)
/// when index >= size, wrong path length, or root mismatch.
pub fn verify_inclusion(
    alg: HashAlgorithm,
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), TypesError> {
    if index >= size {
        return Err(index_error(index, size));
    }
    let expected = inclusion_path_len(index, size);
    if proof.len() != expected {
        return Err(TypesError::Proof(format!(
            "an inclusion proof for leaf {index} in a tree of {size} leaves has {expected} \
             hashes, this one has {}",
            proof.len()
        )));
    }
    let computed = root_from_inclusion(alg, leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(TypesError::Proof(format!(
            "the inclusion proof for leaf {index} in a tree of {size} leaves leads to root \
             {computed}, not the expected {root}"
        )));
    }
    Ok(())
}

/// Consistency proof of RFC 6962 §2.1.2 (PROOF(m, D[n])) for 0 < old_size <= len.
///
/// The proof is empty when `old_size` equals the number of leaves. Fails with
/// [`TypesError::Proof`] when `old_size` is 0 or larger than the number of leaves.
pub fn consistency_proof(
    alg: HashAlgorithm,
    leaf_hashes: &[Hash],
    old_size: u64,
) -> Result<Vec<Hash>, TypesError> {
    let size = leaf_hashes.len() as u64;
    if old_size == 0 || old_size > size {
        return Err(TypesError::Proof(format!(
            "a consistency proof needs an old size between 1 and the tree size {size}, \
             got {old_size}"
        )));
    }
    let mut proof = Vec::new();
    // old_size <= len, which is a usize, so the conversion is lossless.
    push_subproof(alg, leaf_hashes, old_size as usize, true, &mut proof);
    Ok(proof)
}

/// RFC 9162 §2.1.4.2 verification.
///
/// Beyond the RFC's case `0 < old_size < new_size`: equal sizes need an empty proof and equal
/// roots; `old_size == 0` needs an empty proof and `old_root == empty_root(alg)` (the empty
/// tree is a prefix of every tree). A larger old size, a proof of the wrong length or a root
/// mismatch fails with [`TypesError::Proof`].
pub fn verify_consistency(
    alg: HashAlgorithm,
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), TypesError> {
    if old_size > new_size {
        return Err(TypesError::Proof(format!(
            "the old tree size {old_size} is larger than the new tree size {new_size}"
        )));
    }
    if old_size == new_size || old_size == 0 {
        return verify_trivial_consistency(alg, old_size, new_size, old_root, new_root, proof);
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(TypesError::Proof(format!(
            "a consistency proof from {old_size} to {new_size} leaves has {expected} hashes, \
             this one has {}",
            proof.len()
        )));
    }
    let (old, new) = roots_from_consistency(alg, old_size, new_size, old_root, proof)?;
    for (which, computed, expected) in [("old", old, old_root), ("new", new, new_root)] {
        if computed != *expected {
            return Err(TypesError::Proof(format!(
                "the consistency proof from {old_size} to {new_size} leaves leads to {which} \
                 root {computed}, not the expected {expected}"
            )));
        }
    }
    Ok(())
}

/// The compact frontier of an append-only log: the roots of its perfect subtrees, largest first.
///
/// The peaks correspond to the one bits of `size`, most significant first, so a valid frontier
/// has exactly `size.count_ones()` peaks (see [`Frontier::check`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frontier {
    /// Number of leaves appended so far.
    pub size: u64,
    /// Roots of the perfect subtrees covering the leaves, largest (leftmost) first.
    pub peaks: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Checks that the number of peaks matches the size, for frontiers read from storage or the
    /// network: [`Frontier::push`] and [`Frontier::root`] give meaningless results otherwise.
    pub fn check(&self) -> Result<(), TypesError> {
        let expected = self.size.count_ones() as usize;
        if self.peaks.len() != expected {
            return Err(TypesError::Format(format!(
                "a Merkle frontier of {} leaves has {expected} peaks, this one has {}",
                self.size,
                self.peaks.len()
            )));
        }
        Ok(())
    }

    /// Appends a leaf hash; returns every perfect-subtree node completed by this append,
    /// as (level, index_at_level, hash): level 0 is the leaf itself (index = leaf index),
    /// level k covers leaves [index*2^k, (index+1)*2^k).
    ///
    /// The nodes come lowest level first.
    pub fn push(&mut self, alg: HashAlgorithm, leaf_hash: Hash) -> Vec<(u32, u64, Hash)> {
        let mut node = leaf_hash;
        let mut level = 0u32;
        let mut index = self.size;
        let mut completed = vec![(level, index, node)];
        // Like a binary increment: each trailing one bit of the old size is a peak as tall as
        // `node` just to its left, so the two merge and carry upwards.
        while index & 1 == 1 {
            let Some(left) = self.peaks.pop() else {
                break; // Only on a frontier that fails `check`.
            };
            node = node_hash(alg, &left, &node);
            level += 1;
            index >>= 1;
            completed.push((level, index, node));
        }
        self.peaks.push(node);
        self.size += 1;
        completed
    }

    /// Root of the current log (MTH of all leaves so far); empty_root when size == 0.
    pub fn root(&self, alg: HashAlgorithm) -> Hash {
        fold_peaks(alg, &self.peaks).unwrap_or_else(|| empty_root(alg))
    }
}

/// Inclusion proof for leaf `index` in the tree of the first `size` leaves of a large log whose
/// perfect-subtree nodes are stored elsewhere (e.g. a database): `perfect(level, index_at_level)`
/// returns the stored hash of the perfect subtree covering leaves [index*2^level, (index+1)*2^level),
/// which is always fully inside [0, size) when called. Must produce exactly the same path as
/// `inclusion_proof` on the first `size` leaves. Use O(log^2 size) calls at most.
///
/// The outer error is the first error of `perfect` (e.g. a database failure), passed through
/// untouched; the inner one is [`TypesError::Proof`] when `index >= size`. In fact at most about
/// `2 * log2(size)` nodes are fetched.
pub fn inclusion_proof_from<E>(
    alg: HashAlgorithm,
    size: u64,
    index: u64,
    mut perfect: impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Result<Vec<Hash>, TypesError>, E> {
    if index >= size {
        return Ok(Err(index_error(index, size)));
    }
    // Walk down from the root along PATH's recursion; siblings come out top-down.
    let mut path = Vec::new();
    let (mut start, mut len) = (0u64, size);
    while len > 1 {
        let k = split(len);
        if index < start + k {
            path.push(range_root(alg, start + k, len - k, &mut perfect)?);
            len = k;
        } else {
            path.push(perfect_node(start, k, &mut perfect)?);
            start += k;
            len -= k;
        }
    }
    path.reverse();
    Ok(Ok(path))
}

/// Same for the root of the first `size` leaves.
///
/// Fetches one node per one bit of `size`; the empty log has root [`empty_root`].
pub fn root_from<E>(
    alg: HashAlgorithm,
    size: u64,
    mut perfect: impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    range_root(alg, 0, size, &mut perfect)
}

/// The size `k` of the left subtree of a tree of `n >= 2` leaves: the largest power of two
/// strictly below `n` (RFC 6962 §2.1).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2, "only trees of two leaves or more split");
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// [`split`] for in-memory lengths.
fn split_len(n: usize) -> usize {
    // k < n, so it fits back into a usize.
    split(n as u64) as usize
}

fn index_error(index: u64, size: u64) -> TypesError {
    TypesError::Proof(format!(
        "leaf index {index} is outside a tree of {size} leaves"
    ))
}

/// Appends PATH(m, D[n]) for the subtree `leaves`: the recursion comes first so that the
/// sibling nearest the leaf ends up first, as in the RFC.
fn push_path(alg: HashAlgorithm, leaves: &[Hash], m: usize, path: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split_len(leaves.len());
    let (left, right) = leaves.split_at(k);
    if m < k {
        push_path(alg, left, m, path);
        path.push(root(alg, right));
    } else {
        push_path(alg, right, m - k, path);
        path.push(root(alg, left));
    }
}

/// Appends SUBPROOF(m, D[n], b) for the subtree `leaves`. `old_is_whole` is the RFC's `b`:
/// true while the subtree holding the old tree's end is the whole old tree, whose root the
/// verifier already has and which is therefore left out.
fn push_subproof(
    alg: HashAlgorithm,
    leaves: &[Hash],
    m: usize,
    old_is_whole: bool,
    proof: &mut Vec<Hash>,
) {
    if m == leaves.len() {
        if !old_is_whole {
            proof.push(root(alg, leaves));
        }
        return;
    }
    let k = split_len(leaves.len());
    let (left, right) = leaves.split_at(k);
    if m <= k {
        push_subproof(alg, left, m, old_is_whole, proof);
        proof.push(root(alg, right));
    } else {
        push_subproof(alg, right, m - k, false, proof);
        proof.push(root(alg, left));
    }
}

/// Number of hashes in PATH(index, D[size]): one per level of PATH's recursion.
fn inclusion_path_len(index: u64, size: u64) -> usize {
    let (mut m, mut n, mut len) = (index, size, 0);
    while n > 1 {
        let k = split(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Number of hashes in PROOF(old, D[new]) for `0 < old < new`: one per level of SUBPROOF's
/// recursion, plus the old tree's last subtree unless it is the whole old tree.
fn consistency_proof_len(old: u64, new: u64) -> usize {
    let (mut m, mut n, mut len, mut old_is_whole) = (old, new, 0, true);
    while m != n {
        let k = split(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            old_is_whole = false;
        }
        len += 1;
    }
    len + usize::from(!old_is_whole)
}

/// RFC 9162 §2.1.3.2 steps 2 to 5: the root implied by an inclusion proof.
fn root_from_inclusion(
    alg: HashAlgorithm,
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, TypesError> {
    // `node` is our node's index on the current level, `last` that of the level's last node.
    let (mut node, mut last) = (index, size - 1);
    let mut hash = *leaf_hash;
    for sibling in proof {
        if last == 0 {
            return Err(TypesError::Proof(format!(
                "the inclusion proof for leaf {index} in a tree of {size} leaves is too long"
            )));
        }
        if node & 1 == 1 || node == last {
            hash = node_hash(alg, sibling, &hash);
            // A last node that is a left child has no sibling: it moves up unchanged.
            while node & 1 == 0 && node != 0 {
                node >>= 1;
                last >>= 1;
            }
        } else {
            hash = node_hash(alg, &hash, sibling);
        }
        node >>= 1;
        last >>= 1;
    }
    if last != 0 {
        return Err(TypesError::Proof(format!(
            "the inclusion proof for leaf {index} in a tree of {size} leaves is too short"
        )));
    }
    Ok(hash)
}

/// RFC 9162 §2.1.4.2 steps 2 to 7 for `0 < old_size < new_size`: the old and new roots implied
/// by a consistency proof.
fn roots_from_consistency(
    alg: HashAlgorithm,
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    proof: &[Hash],
) -> Result<(Hash, Hash), TypesError> {
    let too = |what: &str| {
        TypesError::Proof(format!(
            "the consistency proof from {old_size} to {new_size} leaves is too {what}"
        ))
    };
    let mut rest = proof.iter();
    // A power-of-two old tree is itself a node of the new tree, so the proof leaves it out and
    // the verifier starts from the old root.
    let start = if old_size.is_power_of_two() {
        *old_root
    } else {
        *rest.next().ok_or_else(|| too("short"))?
    };
    let (mut node, mut last) = (old_size - 1, new_size - 1);
    // Start at the level of the proof's first node: climb while we are a right child whose
    // left siblings come later in the proof.
    while node & 1 == 1 {
        node >>= 1;
        last >>= 1;
    }
    let (mut old, mut new) = (start, start);
    for hash in rest {
        if last == 0 {
            return Err(too("long"));
        }
        if node & 1 == 1 || node == last {
            // A left sibling is part of both trees.
            old = node_hash(alg, hash, &old);
            new = node_hash(alg, hash, &new);
            while node & 1 == 0 && node != 0 {
                node >>= 1;
                last >>= 1;
            }
        } else {
            // A right sibling holds leaves appended after the old tree.
            new = node_hash(alg, &new, hash);
        }
        node >>= 1;
        last >>= 1;
    }
    if last != 0 {
        return Err(too("short"));
    }
    Ok((old, new))
}

/// Consistency between equal sizes, or from the empty tree: nothing to prove but the roots.
fn verify_trivial_consistency(
    alg: HashAlgorithm,
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), TypesError> {
    if !proof.is_empty() {
        return Err(TypesError::Proof(format!(
            "a consistency proof from {old_size} to {new_size} leaves is empty, this one has \
             {} hashes",
            proof.len()
        )));
    }
    // The empty tree has a fixed root; two trees of the same size are consistent only if they
    // are the same tree. Both rules apply from 0 to 0 leaves.
    let mut rules = Vec::with_capacity(2);
    if old_size == 0 {
        rules.push((old_root, empty_root(alg)));
    }
    if old_size == new_size {
        rules.push((new_root, *old_root));
    }
    for (root, expected) in rules {
        if *root != expected {
            return Err(TypesError::Proof(format!(
                "a tree of {old_size} leaves consistent with the new tree of {new_size} leaves \
                 has root {expected}, not {root}"
            )));
        }
    }
    Ok(())
}

/// The root of a log from its peaks, largest first. The RFC tree hangs each smaller peak
/// below the right side of the larger one before it, so the fold runs from the right.
fn fold_peaks(alg: HashAlgorithm, peaks: &[Hash]) -> Option<Hash> {
    let (last, rest) = peaks.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |right, left| node_hash(alg, left, &right)),
    )
}

/// Fetches the perfect subtree of `width` (a power of two) leaves starting at leaf `start`
/// (a multiple of `width`).
fn perfect_node<E>(
    start: u64,
    width: u64,
    perfect: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    let level = width.trailing_zeros();
    perfect(level, start >> level)
}

/// MTH of leaves [start, start + len), a subtree of the RFC tree (so `start` is a multiple of
/// the largest power of two in `len`): its peaks are the one bits of `len`, largest first,
/// each aligned on its own width.
fn range_root<E>(
    alg: HashAlgorithm,
    start: u64,
    len: u64,
    perfect: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    let mut peaks = Vec::with_capacity(len.count_ones() as usize);
    let (mut offset, mut rest) = (start, len);
    while rest > 0 {
        let width = 1 << (u64::BITS - 1 - rest.leading_zeros());
        peaks.push(perfect_node(offset, width, perfect)?);
        offset += width;
        rest -= width;
    }
    Ok(fold_peaks(alg, &peaks).unwrap_or_else(|| empty_root(alg)))
}

#[cfg(test)]
mod tests;
