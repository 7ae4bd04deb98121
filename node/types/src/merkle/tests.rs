//! Table-driven unit tests of the RFC 6962 Merkle code, for both hash algorithms.
use super::*;
use std::convert::Infallible;
use std::ops::Range;

const ALGS: [HashAlgorithm; 2] = [HashAlgorithm::Sha256, HashAlgorithm::Sm3];

fn leaves(alg: HashAlgorithm, n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(alg, &i.to_be_bytes())).collect()
}

/// The roots of the given leaf ranges, as (start, end) pairs.
fn hashes_of(alg: HashAlgorithm, leaves: &[Hash], ranges: &[(usize, usize)]) -> Vec<Hash> {
    ranges
        .iter()
        .map(|&(start, end)| root(alg, &leaves[start..end]))
        .collect()
}

/// Perfect subtree hashes straight from the in-memory leaves.
fn from_leaves(
    alg: HashAlgorithm,
    leaves: &[Hash],
) -> impl FnMut(u32, u64) -> Result<Hash, Infallible> + '_ {
    move |level, index| {
        let start = (index << level) as usize;
        Ok(root(alg, &leaves[start..start + (1usize << level)]))
    }
}

#[test]
fn hashes_are_domain_separated() {
    for alg in ALGS {
        let (a, b) = (alg.digest(b"a"), alg.digest(b"b"));
        assert_eq!(leaf_hash(alg, b"xy"), alg.digest(b"\x00xy"));
        let mut joined = vec![0x01];
        joined.extend_from_slice(&a.0);
        joined.extend_from_slice(&b.0);
        assert_eq!(node_hash(alg, &a, &b), alg.digest(&joined));
        assert_eq!(empty_root(alg), alg.digest(&[]));
        assert_eq!(root(alg, &[]), empty_root(alg));
    }
    // The well-known digests of the empty string.
    assert_eq!(
        empty_root(HashAlgorithm::Sha256).to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        empty_root(HashAlgorithm::Sm3).to_hex(),
        "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
    );
}

#[test]
fn split_is_the_largest_power_of_two_below() {
    for (n, k) in [
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 4),
        (7, 4),
        (8, 4),
        (9, 8),
        (1 << 40, 1 << 39),
        ((1 << 40) + 1, 1 << 40),
        (u64::MAX, 1 << 63),
    ] {
        assert_eq!(split(n), k, "split({n})");
    }
}

/// The seven-leaf example tree of RFC 6962 §2.1.3, with nodes named as there:
/// a..f, j are leaves 0..6; g = 0..2, h = 2..4, i = 4..6, k = 0..4, l = 4..7.
#[test]
fn rfc6962_example_audit_paths() {
    let cases: [(u64, &[(usize, usize)]); 4] = [
        (0, &[(1, 2), (2, 4), (4, 7)]), // d0: b h l
        (3, &[(2, 3), (0, 2), (4, 7)]), // d3: c g l
        (4, &[(5, 6), (6, 7), (0, 4)]), // d4: f j k
        (6, &[(4, 6), (0, 4)]),         // d6: i k
    ];
    for alg in ALGS {
        let d = leaves(alg, 7);
        let tree_root = root(alg, &d);
        for (index, ranges) in cases {
            let want = hashes_of(alg, &d, ranges);
            assert_eq!(inclusion_proof(alg, &d, index).unwrap(), want);
            let from = inclusion_proof_from(alg, 7, index, from_leaves(alg, &d));
            assert_eq!(from, Ok(Ok(want.clone())));
            verify_inclusion(alg, &d[index as usize], index, 7, &want, &tree_root).unwrap();
        }
    }
}

/// The consistency examples of RFC 6962 §2.1.3 against the seven-leaf tree.
#[test]
fn rfc6962_example_consistency_proofs() {
    let cases: [(u64, &[(usize, usize)]); 3] = [
        (3, &[(2, 3), (3, 4), (0, 2), (4, 7)]), // hash1: c d g l
        (4, &[(4, 7)]),                         // hash0: l
        (6, &[(4, 6), (6, 7), (0, 4)]),         // hash2: i j k
    ];
    for alg in ALGS {
        let d = leaves(alg, 7);
        for (old, ranges) in cases {
            let want = hashes_of(alg, &d, ranges);
            assert_eq!(consistency_proof(alg, &d, old).unwrap(), want);
            let old_root = root(alg, &d[..old as usize]);
            verify_consistency(alg, old, 7, &old_root, &root(alg, &d), &want).unwrap();
        }
    }
}

#[test]
fn proof_lengths_match_the_generated_proofs() {
    let alg = HashAlgorithm::Sha256;
    for n in 1..=70u64 {
        let d = leaves(alg, n);
        for m in 0..n {
            let path = inclusion_proof(alg, &d, m).unwrap();
            assert_eq!(inclusion_path_len(m, n), path.len(), "PATH({m}, {n})");
        }
        for m in 1..n {
            let proof = consistency_proof(alg, &d, m).unwrap();
            assert_eq!(consistency_proof_len(m, n), proof.len(), "PROOF({m}, {n})");
        }
    }
}

#[test]
fn bad_arguments_are_refused() {
    let alg = HashAlgorithm::Sha256;
    let d = leaves(alg, 5);
    let r = root(alg, &d);
    let bad: [(&str, Result<(), TypesError>); 8] = [
        ("index past the end", inclusion_proof(alg, &d, 5).map(drop)),
        ("empty tree", inclusion_proof(alg, &[], 0).map(drop)),
        ("old size 0", consistency_proof(alg, &d, 0).map(drop)),
        ("old size too big", consistency_proof(alg, &d, 6).map(drop)),
        (
            "verify index past the end",
            verify_inclusion(alg, &d[0], 5, 5, &[], &r),
        ),
        (
            "verify empty tree",
            verify_inclusion(alg, &d[0], 0, 0, &[], &r),
        ),
        ("shrinking tree", verify_consistency(alg, 6, 5, &r, &r, &[])),
        (
            "from index past the end",
            inclusion_proof_from(alg, 5, 7, from_leaves(alg, &d))
                .unwrap()
                .map(drop),
        ),
    ];
    for (what, result) in bad {
        assert!(matches!(result, Err(TypesError::Proof(_))), "{what}");
    }
}

#[test]
fn verify_errors_say_what_is_wrong() {
    let alg = HashAlgorithm::Sha256;
    let d = leaves(alg, 6);
    let r = root(alg, &d);
    let path = inclusion_proof(alg, &d, 2).unwrap();
    let consistency = consistency_proof(alg, &d, 3).unwrap();
    let cases: [(Result<(), TypesError>, &str); 6] = [
        (verify_inclusion(alg, &d[2], 6, 6, &path, &r), "outside"),
        (verify_inclusion(alg, &d[2], 2, 6, &path[1..], &r), "has 3"),
        (
            verify_inclusion(alg, &d[3], 2, 6, &path, &r),
            "leads to root",
        ),
        (verify_consistency(alg, 2, 2, &d[0], &d[1], &[]), "has root"),
        (verify_consistency(alg, 3, 6, &r, &r, &path), "has 4"),
        (
            verify_consistency(alg, 3, 6, &r, &r, &consistency),
            "leads to old root",
        ),
    ];
    for (result, needle) in cases {
        let message = result.unwrap_err().to_string();
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn trivial_consistency() {
    for alg in ALGS {
        let d = leaves(alg, 3);
        let r = root(alg, &d);
        let empty = empty_root(alg);
        let cases: [(u64, u64, Hash, Hash, Vec<Hash>, bool); 9] = [
            (3, 3, r, r, vec![], true),
            (3, 3, r, d[0], vec![], false),
            (3, 3, r, r, vec![r], false),
            (0, 3, empty, r, vec![], true),
            (0, 0, empty, empty, vec![], true),
            (0, 0, empty, r, vec![], false),
            (0, 0, r, r, vec![], false),
            (0, 3, r, r, vec![], false),
            (0, 3, empty, r, vec![r], false),
        ];
        for (old, new, old_root, new_root, proof, ok) in cases {
            let result = verify_consistency(alg, old, new, &old_root, &new_root, &proof);
            assert_eq!(result.is_ok(), ok, "{old}->{new}: {result:?}");
        }
        assert_eq!(consistency_proof(alg, &d, 3).unwrap(), vec![]);
    }
}

#[test]
fn frontier_push_completes_the_expected_nodes() {
    let alg = HashAlgorithm::Sha256;
    let d = leaves(alg, 8);
    // (leaf index, completed (level, index, leaf range)) for the first eight appends.
    let cases: [&[(u32, u64, Range<usize>)]; 8] = [
        &[(0, 0, 0..1)],
        &[(0, 1, 1..2), (1, 0, 0..2)],
        &[(0, 2, 2..3)],
        &[(0, 3, 3..4), (1, 1, 2..4), (2, 0, 0..4)],
        &[(0, 4, 4..5)],
        &[(0, 5, 5..6), (1, 2, 4..6)],
        &[(0, 6, 6..7)],
        &[(0, 7, 7..8), (1, 3, 6..8), (2, 1, 4..8), (3, 0, 0..8)],
    ];
    let mut frontier = Frontier::new();
    assert_eq!(frontier.root(alg), empty_root(alg));
    for (i, expected) in cases.into_iter().enumerate() {
        let completed = frontier.push(alg, d[i]);
        let want: Vec<_> = expected
            .iter()
            .map(|(level, index, range)| (*level, *index, root(alg, &d[range.clone()])))
            .collect();
        assert_eq!(completed, want, "push #{i}");
        assert_eq!(frontier.root(alg), root(alg, &d[..=i]));
        frontier.check().unwrap();
    }
}

#[test]
fn frontier_check_refuses_wrong_peak_counts() {
    let alg = HashAlgorithm::Sha256;
    let d = leaves(alg, 3);
    for (size, peaks, ok) in [
        (0, vec![], true),
        (0, vec![d[0]], false),
        (3, vec![d[0], d[1]], true),
        (3, vec![d[0]], false),
        (4, vec![d[0], d[1]], false),
    ] {
        let frontier = Frontier { size, peaks };
        assert_eq!(frontier.check().is_ok(), ok, "{frontier:?}");
    }
}

#[test]
fn from_matches_in_memory_for_small_trees() {
    for alg in ALGS {
        let d = leaves(alg, 40);
        for size in 0..=40 {
            let prefix = &d[..size as usize];
            assert_eq!(
                root_from(alg, size, from_leaves(alg, prefix)),
                Ok(root(alg, prefix))
            );
            for index in 0..size {
                let from = inclusion_proof_from(alg, size, index, from_leaves(alg, prefix));
                assert_eq!(from, Ok(inclusion_proof(alg, prefix, index)));
            }
        }
    }
}

#[test]
fn from_passes_storage_errors_through() {
    let alg = HashAlgorithm::Sha256;
    let failing = |_: u32, _: u64| Err::<Hash, _>("disk on fire");
    assert_eq!(
        inclusion_proof_from(alg, 5, 1, failing),
        Err("disk on fire")
    );
    assert_eq!(root_from(alg, 5, failing), Err("disk on fire"));
    // Nothing to fetch: no error.
    assert_eq!(root_from(alg, 0, failing), Ok(empty_root(alg)));
    assert_eq!(inclusion_proof_from(alg, 1, 0, failing), Ok(Ok(vec![])));
}

/// A log of 2^64 - 1 identical leaves: every perfect subtree of a level has the same hash,
/// so proofs in it can be built and checked without storing anything.
#[test]
fn huge_logs_take_few_fetches_and_verify() {
    let alg = HashAlgorithm::Sha256;
    let mut levels = vec![leaf_hash(alg, b"same")];
    for level in 0..64 {
        let below = levels[level];
        levels.push(node_hash(alg, &below, &below));
    }
    let size = u64::MAX;
    let tree_root = root_from(alg, size, |level, _| {
        Ok::<_, Infallible>(levels[level as usize])
    })
    .unwrap();
    for index in [0, 1, 12_345, 1 << 40, size / 2, size - 2, size - 1] {
        let mut fetches = 0;
        let path = inclusion_proof_from(alg, size, index, |level, at| {
            fetches += 1;
            let end = (u128::from(at) + 1) << level;
            assert!(
                end <= u128::from(size),
                "node ({level}, {at}) leaves the tree"
            );
            Ok::<_, Infallible>(levels[level as usize])
        })
        .unwrap()
        .unwrap();
        assert_eq!(path.len(), inclusion_path_len(index, size));
        assert!(fetches <= 2 * 64, "{fetches} fetches for leaf {index}");
        verify_inclusion(alg, &levels[0], index, size, &path, &tree_root).unwrap();
    }
}
