//! Proof helpers: every audit path of a tree at once, and log proofs from the stored tree nodes.

use zl_types::receipt::LogProof;
use zl_types::{merkle, Hash, HashAlgorithm};

use crate::ledger::Ledger;
use crate::tables::{evidence_tree_key, EvidenceTree};
use crate::LedgerError;

/// The audit path of every leaf (each as [`merkle::inclusion_proof`] gives it) and the root,
/// in O(n log n) hashes rather than O(n²) for n separate proofs.
pub(crate) fn all_inclusion_proofs(alg: HashAlgorithm, leaves: &[Hash]) -> (Vec<Vec<Hash>>, Hash) {
    let depth = (usize::BITS - leaves.len().leading_zeros()) as usize;
    let mut paths = vec![Vec::with_capacity(depth); leaves.len()];
    let root = fill_paths(alg, leaves, &mut paths);
    (paths, root)
}

/// Appends each leaf's siblings, nearest first, and returns the subtree's root.
fn fill_paths(alg: HashAlgorithm, leaves: &[Hash], paths: &mut [Vec<Hash>]) -> Hash {
    match leaves.len() {
        0 => merkle::empty_root(alg),
        1 => leaves[0],
        n => {
            // RFC 6962: the left subtree holds the largest power of two below n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            let (left, right) = leaves.split_at(k);
            let (left_paths, right_paths) = paths.split_at_mut(k);
            let left_root = fill_paths(alg, left, left_paths);
            let right_root = fill_paths(alg, right, right_paths);
            left_paths.iter_mut().for_each(|path| path.push(right_root));
            right_paths.iter_mut().for_each(|path| path.push(left_root));
            merkle::node_hash(alg, &left_root, &right_root)
        }
    }
}

impl Ledger {
    /// The proof of record `seq` in the evidence log of `size` records, from the stored nodes.
    pub(crate) fn log_proof(&self, seq: u64, size: u64) -> Result<LogProof, LedgerError> {
        let path = merkle::inclusion_proof_from(self.alg, size, seq, |level, index| {
            let bytes = self
                .store
                .get::<EvidenceTree>(&evidence_tree_key(level, index))?;
            let hash = bytes
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| {
                    LedgerError::Corrupt(format!(
                        "evidence log node (level {level}, index {index}) is missing or damaged"
                    ))
                })?;
            Ok::<_, LedgerError>(Hash(hash))
        })?
        .map_err(|e| {
            LedgerError::Corrupt(format!(
                "record {seq} is not in a log of {size} records: {e}"
            ))
        })?;
        Ok(LogProof {
            index: seq,
            size,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_paths_match_single_proofs() {
        for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sm3] {
            for n in 0..40u64 {
                let leaves: Vec<Hash> = (0..n)
                    .map(|i| merkle::leaf_hash(alg, &i.to_be_bytes()))
                    .collect();
                let (paths, root) = all_inclusion_proofs(alg, &leaves);
                assert_eq!(root, merkle::root(alg, &leaves));
                for (i, path) in paths.iter().enumerate() {
                    assert_eq!(
                        path,
                        &merkle::inclusion_proof(alg, &leaves, i as u64).unwrap(),
                        "n={n} i={i}"
                    );
                }
            }
        }
    }
}
