//! Merkle trees against the RFC 6962 reference vectors of Certificate Transparency and, by
//! property tests, against a naive implementation written straight from the RFC's definitions.

use proptest::prelude::*;
use std::collections::HashMap;
use std::convert::Infallible;
use zl_types::merkle::{self, Frontier};
use zl_types::{Hash, HashAlgorithm, TypesError};

const SHA256: HashAlgorithm = HashAlgorithm::Sha256;

// ---------------------------------------------------------------------------------------------
// Reference vectors: the eight-leaf test tree used by Certificate Transparency implementations
// (transparency-dev/merkle `testonly/constants.go` and `proof/verify_test.go`, from
// google/certificate-transparency). Data only.

/// The leaf inputs, hex.
const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Every perfect subtree of the eight-leaf tree, by level then index within the level.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// Roots of the trees of the first 0..=8 leaves.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Inclusion proofs as (leaf index, tree size, path). The reference numbers leaves from 1;
/// these indices are 0-based.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// Consistency proofs as (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(text: &str) -> Hash {
    Hash::from_hex(text).expect("vector is 64 hex characters")
}

fn hs(texts: &[&str]) -> Vec<Hash> {
    texts.iter().map(|text| h(text)).collect()
}

fn vector_leaves() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|input| merkle::leaf_hash(SHA256, &hex::decode(input).unwrap()))
        .collect()
}

fn vector_roots() -> Vec<Hash> {
    ROOTS.iter().map(|text| h(text)).collect()
}

/// Flips one bit of a hash.
fn flip(hash: &Hash, byte: usize) -> Hash {
    let mut out = *hash;
    out.0[byte % 32] ^= 0x08;
    out
}

#[test]
fn vector_leaf_and_node_hashes() {
    let leaves = vector_leaves();
    assert_eq!(leaves, hs(NODE_HASHES[0]));
    // Every perfect subtree, from the frontier's completed nodes and from root() over its leaves.
    let mut frontier = Frontier::new();
    let mut completed = Vec::new();
    for leaf in &leaves {
        completed.extend(frontier.push(SHA256, *leaf));
    }
    assert_eq!(completed.len(), 15);
    for (level, index, hash) in completed {
        let want = h(NODE_HASHES[level as usize][index as usize]);
        assert_eq!(hash, want, "frontier node ({level}, {index})");
        let start = (index as usize) << level;
        let leaves_below = &leaves[start..start + (1 << level)];
        assert_eq!(merkle::root(SHA256, leaves_below), want);
    }
}

#[test]
fn vector_roots_for_every_size() {
    let leaves = vector_leaves();
    let roots = vector_roots();
    assert_eq!(merkle::empty_root(SHA256), roots[0]);
    let mut frontier = Frontier::new();
    for size in 0..=8 {
        assert_eq!(
            merkle::root(SHA256, &leaves[..size]),
            roots[size],
            "size {size}"
        );
        assert_eq!(frontier.root(SHA256), roots[size], "frontier size {size}");
        let stored = |level: u32, index: u64| {
            Ok::<_, Infallible>(h(NODE_HASHES[level as usize][index as usize]))
        };
        assert_eq!(
            merkle::root_from(SHA256, size as u64, stored),
            Ok(roots[size])
        );
        if size < 8 {
            frontier.push(SHA256, leaves[size]);
        }
    }
}

#[test]
fn vector_inclusion_proofs() {
    let leaves = vector_leaves();
    let roots = vector_roots();
    for (index, size, path) in INCLUSION {
        let want = hs(path);
        let prefix = &leaves[..size as usize];
        assert_eq!(
            merkle::inclusion_proof(SHA256, prefix, index).unwrap(),
            want,
            "PATH({index}, D[{size}])"
        );
        let stored =
            |level: u32, at: u64| Ok::<_, Infallible>(h(NODE_HASHES[level as usize][at as usize]));
        assert_eq!(
            merkle::inclusion_proof_from(SHA256, size, index, stored),
            Ok(Ok(want.clone()))
        );
        let leaf = &leaves[index as usize];
        let root = &roots[size as usize];
        merkle::verify_inclusion(SHA256, leaf, index, size, &want, root).unwrap();
        let wrong = [
            merkle::verify_inclusion(SHA256, leaf, index + 1, size, &want, root),
            merkle::verify_inclusion(SHA256, leaf, index ^ 2, size, &want, root),
            merkle::verify_inclusion(SHA256, leaf, index, size * 2, &want, root),
            merkle::verify_inclusion(SHA256, leaf, index, size, &want, &roots[0]),
            merkle::verify_inclusion(SHA256, &roots[0], index, size, &want, root),
            merkle::verify_inclusion(
                SHA256,
                leaf,
                index,
                size,
                &[want.clone(), vec![*root]].concat(),
                root,
            ),
            merkle::verify_inclusion(
                SHA256,
                leaf,
                index,
                size,
                &[vec![*root], want.clone()].concat(),
                root,
            ),
        ];
        for (i, result) in wrong.into_iter().enumerate() {
            assert!(
                matches!(result, Err(TypesError::Proof(_))),
                "probe {i} of ({index}, {size})"
            );
        }
    }
}

#[test]
fn vector_consistency_proofs() {
    let leaves = vector_leaves();
    let roots = vector_roots();
    for (old, new, proof) in CONSISTENCY {
        let want = hs(proof);
        assert_eq!(
            merkle::consistency_proof(SHA256, &leaves[..new as usize], old).unwrap(),
            want,
            "PROOF({old}, D[{new}])"
        );
        let (old_root, new_root) = (&roots[old as usize], &roots[new as usize]);
        merkle::verify_consistency(SHA256, old, new, old_root, new_root, &want).unwrap();
        if old == new {
            continue;
        }
        let wrong = [
            merkle::verify_consistency(SHA256, old - 1, new, old_root, new_root, &want),
            merkle::verify_consistency(SHA256, old + 1, new, old_root, new_root, &want),
            merkle::verify_consistency(SHA256, old, new * 2, old_root, new_root, &want),
            merkle::verify_consistency(SHA256, old, new, new_root, old_root, &want),
            merkle::verify_consistency(SHA256, old, new, old_root, new_root, &[]),
            merkle::verify_consistency(SHA256, old, new, old_root, new_root, &want[1..]),
            merkle::verify_consistency(SHA256, old, new, &flip(old_root, 0), new_root, &want),
            merkle::verify_consistency(SHA256, old, new, old_root, &flip(new_root, 0), &want),
        ];
        for (i, result) in wrong.into_iter().enumerate() {
            assert!(
                matches!(result, Err(TypesError::Proof(_))),
                "probe {i} of ({old}, {new})"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The naive reference, transcribed from RFC 6962 §2.1 over the leaf inputs D[n]. Deliberately
// slow and independent of the crate (it hashes with `digest_parts` directly).

mod naive {
    use zl_types::{Hash, HashAlgorithm};

    pub(crate) fn leaf(alg: HashAlgorithm, data: &[u8]) -> Hash {
        alg.digest_parts(&[&[0x00], data])
    }

    fn node(alg: HashAlgorithm, left: &Hash, right: &Hash) -> Hash {
        alg.digest_parts(&[&[0x01], &left.0, &right.0])
    }

    /// "k be the largest power of two smaller than n".
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D[n]).
    pub(crate) fn mth(alg: HashAlgorithm, d: &[Vec<u8>]) -> Hash {
        match d.len() {
            0 => alg.digest(b""),
            1 => leaf(alg, &d[0]),
            n => node(alg, &mth(alg, &d[..k(n)]), &mth(alg, &d[k(n)..])),
        }
    }

    /// PATH(m, D[n]).
    pub(crate) fn path(alg: HashAlgorithm, m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        let n = d.len();
        if n == 1 {
            return vec![];
        }
        let k = k(n);
        if m < k {
            [path(alg, m, &d[..k]), vec![mth(alg, &d[k..])]].concat()
        } else {
            [path(alg, m - k, &d[k..]), vec![mth(alg, &d[..k])]].concat()
        }
    }

    /// PROOF(m, D[n]).
    pub(crate) fn proof(alg: HashAlgorithm, m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        subproof(alg, m, d, true)
    }

    /// SUBPROOF(m, D[n], b).
    fn subproof(alg: HashAlgorithm, m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![mth(alg, d)] };
        }
        let k = k(n);
        if m <= k {
            [subproof(alg, m, &d[..k], b), vec![mth(alg, &d[k..])]].concat()
        } else {
            [
                subproof(alg, m - k, &d[k..], false),
                vec![mth(alg, &d[..k])],
            ]
            .concat()
        }
    }
}

/// Leaf inputs made unique by their index, so no two leaves share a hash (with duplicates,
/// a proof for one index can honestly verify at another).
fn unique(raw: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, data)| [(i as u32).to_be_bytes().as_slice(), &data].concat())
        .collect()
}

/// A test tree: its leaf inputs, extended with as many again (for "wrong size" probes past the
/// end), their leaf hashes, and the naive roots of the prefixes the checks use: every size up to
/// one past the end, and twice the size.
struct Tree {
    alg: HashAlgorithm,
    size: usize,
    data: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
    roots: HashMap<usize, Hash>,
}

impl Tree {
    fn new(alg: HashAlgorithm, raw: Vec<Vec<u8>>) -> Tree {
        let size = raw.len();
        let extension = (0..size).map(|i| format!("extension {i}").into_bytes());
        let data = unique(raw.into_iter().chain(extension).collect());
        let hashes: Vec<Hash> = data.iter().map(|d| merkle::leaf_hash(alg, d)).collect();
        let roots = (0..=size + 1)
            .chain([2 * size])
            .map(|s| (s, naive::mth(alg, &data[..s])))
            .collect();
        Tree {
            alg,
            size,
            data,
            hashes,
            roots,
        }
    }

    /// The naive root of the first `size` leaves of the extended tree.
    fn root(&self, size: usize) -> Hash {
        self.roots[&size]
    }

    fn leaves(&self) -> &[Hash] {
        &self.hashes[..self.size]
    }
}

/// Every leaf's inclusion proof equals PATH, verifies, and every tampering is refused.
fn check_inclusion(tree: &Tree) -> Result<(), TestCaseError> {
    let (alg, n) = (tree.alg, tree.size);
    let size = n as u64;
    let root = tree.root(n);
    prop_assert_eq!(merkle::root(alg, tree.leaves()), root);
    for i in 0..n {
        let index = i as u64;
        let leaf = tree.hashes[i];
        prop_assert_eq!(leaf, naive::leaf(alg, &tree.data[i]));
        let proof = merkle::inclusion_proof(alg, tree.leaves(), index).unwrap();
        prop_assert_eq!(&proof, &naive::path(alg, i, &tree.data[..n]));
        prop_assert_eq!(
            merkle::verify_inclusion(alg, &leaf, index, size, &proof, &root),
            Ok(())
        );

        let refused = |leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash| {
            matches!(
                merkle::verify_inclusion(alg, leaf, index, size, proof, root),
                Err(TypesError::Proof(_))
            )
        };
        for step in 0..proof.len() {
            let mut bad = proof.clone();
            bad[step] = flip(&bad[step], step * 7 + i);
            prop_assert!(
                refused(&leaf, index, size, &bad, &root),
                "flipped step {}",
                step
            );
        }
        if !proof.is_empty() {
            prop_assert!(
                refused(&leaf, index, size, &proof[1..], &root),
                "dropped first step"
            );
            prop_assert!(refused(
                &leaf,
                index,
                size,
                &proof[..proof.len() - 1],
                &root
            ));
        }
        for extra in [root, leaf, Hash::ZERO] {
            let appended = [proof.clone(), vec![extra]].concat();
            let prepended = [vec![extra], proof.clone()].concat();
            prop_assert!(
                refused(&leaf, index, size, &appended, &root),
                "appended step"
            );
            prop_assert!(
                refused(&leaf, index, size, &prepended, &root),
                "prepended step"
            );
        }
        for wrong in [index + 1, index.wrapping_sub(1), index ^ 1, index ^ 2, size] {
            if wrong != index {
                prop_assert!(
                    refused(&leaf, wrong, size, &proof, &root),
                    "index {}",
                    wrong
                );
            }
        }
        let other_leaf = tree.hashes[(i + 1) % tree.hashes.len()];
        prop_assert!(
            refused(&other_leaf, index, size, &proof, &root),
            "other leaf"
        );
        for wrong_root in [flip(&root, i), merkle::empty_root(alg), tree.root(n - 1)] {
            prop_assert!(
                refused(&leaf, index, size, &proof, &wrong_root),
                "wrong root"
            );
        }
        // A proof for one size is no proof for another size's tree (all leaves differ).
        for wrong in [n - 1, n + 1, 2 * n, n / 2] {
            if wrong != n && wrong > i {
                let (s, wrong_root) = (wrong as u64, &tree.root(wrong));
                prop_assert!(
                    refused(&leaf, index, s, &proof, wrong_root),
                    "size {}",
                    wrong
                );
            }
        }
    }
    Ok(())
}

/// Every consistency proof equals PROOF, verifies, and every tampering is refused.
fn check_consistency(tree: &Tree) -> Result<(), TestCaseError> {
    let (alg, n) = (tree.alg, tree.size);
    let new = n as u64;
    let new_root = tree.root(n);
    let empty = merkle::empty_root(alg);
    let verify = |old: usize, new: usize, old_root: &Hash, new_root: &Hash, proof: &[Hash]| {
        merkle::verify_consistency(alg, old as u64, new as u64, old_root, new_root, proof)
    };
    let refused = |old, new, old_root: &Hash, new_root: &Hash, proof: &[Hash]| {
        matches!(
            verify(old, new, old_root, new_root, proof),
            Err(TypesError::Proof(_))
        )
    };
    // From the empty tree, and beyond the generator's range.
    prop_assert_eq!(verify(0, n, &empty, &new_root, &[]), Ok(()));
    prop_assert!(refused(0, n, &new_root, &new_root, &[]));
    prop_assert!(refused(0, n, &empty, &new_root, &[new_root]));
    prop_assert!(merkle::consistency_proof(alg, tree.leaves(), 0).is_err());
    prop_assert!(merkle::consistency_proof(alg, tree.leaves(), new + 1).is_err());

    for m in 1..=n {
        let old_root = tree.root(m);
        let proof = merkle::consistency_proof(alg, tree.leaves(), m as u64).unwrap();
        prop_assert_eq!(&proof, &naive::proof(alg, m, &tree.data[..n]));
        prop_assert_eq!(verify(m, n, &old_root, &new_root, &proof), Ok(()));
        if m == n {
            prop_assert!(refused(m, n, &old_root, &new_root, &[old_root]));
            prop_assert!(refused(m, n, &tree.root(m - 1), &new_root, &[]));
            continue;
        }
        for step in 0..proof.len() {
            let mut bad = proof.clone();
            bad[step] = flip(&bad[step], step * 5 + m);
            prop_assert!(
                refused(m, n, &old_root, &new_root, &bad),
                "flipped step {}",
                step
            );
        }
        prop_assert!(refused(m, n, &old_root, &new_root, &[]), "empty proof");
        prop_assert!(
            refused(m, n, &old_root, &new_root, &proof[1..]),
            "dropped first step"
        );
        prop_assert!(refused(
            m,
            n,
            &old_root,
            &new_root,
            &proof[..proof.len() - 1]
        ));
        for extra in [old_root, new_root, proof[0], Hash::ZERO] {
            let appended = [proof.clone(), vec![extra]].concat();
            let prepended = [vec![extra], proof.clone()].concat();
            prop_assert!(
                refused(m, n, &old_root, &new_root, &appended),
                "appended step"
            );
            prop_assert!(
                refused(m, n, &old_root, &new_root, &prepended),
                "prepended step"
            );
        }
        prop_assert!(refused(m, n, &new_root, &old_root, &proof), "swapped roots");
        prop_assert!(
            refused(m, n, &flip(&old_root, m), &new_root, &proof),
            "old root"
        );
        prop_assert!(
            refused(m, n, &old_root, &flip(&new_root, m), &proof),
            "new root"
        );
        // Wrong sizes, each with its true root: refused unless the proof happens to be the
        // honest proof for those sizes too (it never is with distinct leaves, but say so).
        let mut wrong_sizes = vec![(m - 1, n), (m + 1, n), (m ^ 2, n), (m, n + 1), (m, 2 * n)];
        wrong_sizes.push((m, n - 1));
        for (old, new) in wrong_sizes {
            if old == 0 || old > new || (old, new) == (m, n) {
                continue;
            }
            let result = verify(old, new, &tree.root(old), &tree.root(new), &proof);
            if result.is_ok() {
                let honest = merkle::consistency_proof(alg, &tree.hashes[..new], old as u64);
                prop_assert_eq!(honest, Ok(proof.clone()), "sizes {} -> {}", old, new);
            }
        }
    }
    Ok(())
}

/// The frontier tracks root() after every push and returns exactly the naive perfect subtrees
/// it completes; proofs and roots rebuilt from those stored nodes match the in-memory ones.
fn check_frontier_and_stored_nodes(tree: &Tree, sizes: &[usize]) -> Result<(), TestCaseError> {
    let (alg, n) = (tree.alg, tree.size);
    let mut frontier = Frontier::new();
    let mut stored: HashMap<(u32, u64), Hash> = HashMap::new();
    for (i, leaf) in tree.leaves().iter().enumerate() {
        let completed = frontier.push(alg, *leaf);
        let levels = (i as u64).trailing_ones() + 1;
        prop_assert_eq!(completed.len(), levels as usize);
        for (expected_level, (level, index, hash)) in completed.into_iter().enumerate() {
            prop_assert_eq!(level as usize, expected_level);
            prop_assert_eq!(index, (i as u64) >> level);
            let start = (index as usize) << level;
            let end = start + (1 << level);
            prop_assert_eq!(hash, naive::mth(alg, &tree.data[start..end]));
            stored.insert((level, index), hash);
        }
        prop_assert_eq!(frontier.size, i as u64 + 1);
        prop_assert_eq!(frontier.root(alg), tree.root(i + 1));
        prop_assert_eq!(frontier.root(alg), merkle::root(alg, &tree.hashes[..=i]));
        prop_assert_eq!(frontier.check(), Ok(()));
    }
    let json = serde_json::to_string(&frontier).unwrap();
    prop_assert_eq!(serde_json::from_str::<Frontier>(&json).unwrap(), frontier);

    for size in 0..=n {
        let from = merkle::root_from(alg, size as u64, fetch(&stored, size, &mut 0));
        prop_assert_eq!(from, Ok(tree.root(size)));
    }
    for &size in sizes {
        let bits = u64::BITS - (size as u64).leading_zeros();
        for index in 0..size as u64 {
            let mut calls = 0;
            let from = merkle::inclusion_proof_from(
                alg,
                size as u64,
                index,
                fetch(&stored, size, &mut calls),
            );
            let want = merkle::inclusion_proof(alg, &tree.hashes[..size], index);
            prop_assert_eq!(from, Ok(want));
            prop_assert!(calls <= bits * bits, "{} fetches for size {}", calls, size);
        }
        let past_end = merkle::inclusion_proof_from(alg, size as u64, size as u64, |_, _| {
            Err::<Hash, _>("must not fetch")
        });
        prop_assert!(matches!(past_end, Ok(Err(TypesError::Proof(_)))));
    }
    Ok(())
}

/// A stored-node lookup that counts its calls and insists on nodes inside [0, size).
fn fetch<'a>(
    stored: &'a HashMap<(u32, u64), Hash>,
    size: usize,
    calls: &'a mut u32,
) -> impl FnMut(u32, u64) -> Result<Hash, String> + 'a {
    move |level, index| {
        *calls += 1;
        let end = (index + 1) << level;
        if end > size as u64 {
            return Err(format!("node ({level}, {index}) is not inside [0, {size})"));
        }
        stored
            .get(&(level, index))
            .copied()
            .ok_or_else(|| format!("node ({level}, {index}) missing"))
    }
}

#[test]
fn every_small_tree_matches_the_reference() {
    for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sm3] {
        for n in 1..=33 {
            let raw = (0..n).map(|i| vec![i as u8; i % 5]).collect();
            let tree = Tree::new(alg, raw);
            check_inclusion(&tree).unwrap();
            check_consistency(&tree).unwrap();
            let all_sizes: Vec<usize> = (1..=n).collect();
            check_frontier_and_stored_nodes(&tree, &all_sizes).unwrap();
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // No regression files in the source tree; failures print the shrunk input.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn leaf_inputs(max_size: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 1..max_size)
}

/// A tree and one extra prefix size to rebuild proofs for from stored nodes.
fn tree_and_size(max_size: usize) -> impl Strategy<Value = (Vec<Vec<u8>>, prop::sample::Index)> {
    (leaf_inputs(max_size), any::<prop::sample::Index>())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn sha256_inclusion(raw in leaf_inputs(300)) {
        check_inclusion(&Tree::new(HashAlgorithm::Sha256, raw))?;
    }

    #[test]
    fn sha256_consistency(raw in leaf_inputs(300)) {
        check_consistency(&Tree::new(HashAlgorithm::Sha256, raw))?;
    }

    #[test]
    fn sha256_frontier_and_stored_nodes((raw, pick) in tree_and_size(300)) {
        let tree = Tree::new(HashAlgorithm::Sha256, raw);
        let sizes = [tree.size, pick.index(tree.size) + 1];
        check_frontier_and_stored_nodes(&tree, &sizes)?;
    }
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn sm3_inclusion(raw in leaf_inputs(100)) {
        check_inclusion(&Tree::new(HashAlgorithm::Sm3, raw))?;
    }

    #[test]
    fn sm3_consistency(raw in leaf_inputs(100)) {
        check_consistency(&Tree::new(HashAlgorithm::Sm3, raw))?;
    }

    #[test]
    fn sm3_frontier_and_stored_nodes((raw, pick) in tree_and_size(100)) {
        let tree = Tree::new(HashAlgorithm::Sm3, raw);
        let sizes = [tree.size, pick.index(tree.size) + 1];
        check_frontier_and_stored_nodes(&tree, &sizes)?;
    }
}
