//! Grouping documents into notarisation transactions (pure: no I/O).

use std::collections::HashMap;
use zl_types::Hash;

/// Default documents per transaction: a 660 KB transaction, well inside the 8 MB limit.
pub(crate) const DOCUMENTS_PER_TRANSACTION_DEFAULT: usize = 10_000;
/// Documents per transaction, at most: what one evidence record may hold.
pub(crate) const DOCUMENTS_PER_TRANSACTION_MAX: usize =
    zl_types::evidence::DOCUMENTS_PER_RECORD_MAX;

/// One planned `evidence.notarize` transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PlannedTransaction {
    /// The distinct document digests, in the order they are notarised.
    pub(crate) documents: Vec<Hash>,
    /// The files whose receipts this transaction yields: (file index, document index).
    pub(crate) files: Vec<(usize, usize)>,
}

/// Groups files (given by their digests, in order) into transactions of at most
/// `documents_per_transaction` distinct documents. A digest seen again (the same content twice)
/// shares the first one's document entry, so each distinct content is notarised once.
pub(crate) fn group(digests: &[Hash], documents_per_transaction: usize) -> Vec<PlannedTransaction> {
    assert!(
        documents_per_transaction > 0,
        "documents per transaction is checked at the command line"
    );
    let mut transactions: Vec<PlannedTransaction> = Vec::new();
    let mut placed: HashMap<Hash, (usize, usize)> = HashMap::with_capacity(digests.len());
    for (file, digest) in digests.iter().enumerate() {
        let (transaction, document) = *placed.entry(*digest).or_insert_with(|| {
            let full = !matches!(transactions.last(), Some(t) if t.documents.len() < documents_per_transaction);
            if full {
                transactions.push(PlannedTransaction::default());
            }
            let last = transactions.len() - 1;
            transactions[last].documents.push(*digest);
            (last, transactions[last].documents.len() - 1)
        });
        transactions[transaction].files.push((file, document));
    }
    transactions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(n: u8) -> Hash {
        Hash([n; 32])
    }

    #[test]
    fn splits_into_full_transactions_then_the_rest() {
        let digests: Vec<Hash> = (0..7).map(digest).collect();
        let plan = group(&digests, 3);
        let sizes: Vec<usize> = plan.iter().map(|t| t.documents.len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(plan[1].documents, [digest(3), digest(4), digest(5)]);
        assert_eq!(plan[1].files, [(3, 0), (4, 1), (5, 2)]);
        assert_eq!(plan[2].files, [(6, 0)]);
    }

    #[test]
    fn identical_contents_share_one_document() {
        let digests = [digest(1), digest(2), digest(1), digest(3), digest(2)];
        let plan = group(&digests, 2);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].documents, [digest(1), digest(2)]);
        assert_eq!(plan[0].files, [(0, 0), (1, 1), (2, 0), (4, 1)]);
        assert_eq!(plan[1].documents, [digest(3)]);
        assert_eq!(plan[1].files, [(3, 0)]);
        assert!(group(&[], 5).is_empty());
    }

    #[test]
    fn every_file_lands_exactly_once() {
        // 1000 files over 210 distinct contents (i mod 210), so most contents repeat.
        let digests: Vec<Hash> = (0..1000u32).map(|i| digest((i % 210) as u8)).collect();
        let plan = group(&digests, 64);
        let mut seen = vec![0; digests.len()];
        for transaction in &plan {
            assert!(transaction.documents.len() <= 64);
            for &(file, document) in &transaction.files {
                seen[file] += 1;
                assert_eq!(transaction.documents[document], digests[file]);
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
        assert_eq!(plan.iter().map(|t| t.documents.len()).sum::<usize>(), 210);
    }
}
