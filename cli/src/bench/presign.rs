//! Pre-signing the benchmarks' `evidence.notarize` transactions, before any clock starts.

use crate::sign::{self, ChainBinding, SignedTransaction};
use crate::status::NodeStatus;
use rand_core::{OsRng, RngCore as _};
use zl_types::{Hash, NotarizeArgs, SecretKey};

/// Threads that sign (the benchmark machine has two cores).
pub(crate) const SIGNING_THREADS: usize = 2;
/// How long after signing a benchmark transaction expires: 9 minutes, inside the node's
/// 10-minute window, so none expires during a run of up to [`super::DURATION_S_MAX`].
pub(crate) const EXPIRY_MS: u64 = 9 * 60 * 1000;

const _: () = assert!(EXPIRY_MS <= zl_types::transaction::EXPIRY_WINDOW_MS_MAX);
const _: () = assert!(EXPIRY_MS >= sign::EXPIRY_MS);
// The longest run and the wait for its last commits fit before the expiry (the load generator
// also checks, after signing, that what is left is enough).
const _: () = assert!((super::DURATION_S_MAX + super::COMMIT_WAIT_S) * 1000 < EXPIRY_MS);

/// The chain binding a node's status describes.
pub(crate) fn binding(status: &NodeStatus) -> ChainBinding {
    ChainBinding {
        chain_id: status.chain_id.clone(),
        genesis_hash: status.genesis_hash,
        suite: status.crypto_suite,
    }
}

/// Signs `count` notarize transactions of `documents` random digests each, all expiring at
/// `expires_at` (Unix ms), on [`SIGNING_THREADS`] threads.
pub(crate) fn notarize_transactions(
    key: &SecretKey,
    chain: &ChainBinding,
    count: usize,
    documents: usize,
    expires_at: u64,
) -> anyhow::Result<Vec<SignedTransaction>> {
    in_parallel(count, |_| {
        notarize_transaction(key, chain, documents, expires_at)
    })
}

/// Makes `count` items on [`SIGNING_THREADS`] threads, item `i` by `make(i)`; returns them in
/// order, or the first failure.
pub(crate) fn in_parallel<T: Send>(
    count: usize,
    make: impl Fn(usize) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    let per_thread = count.div_ceil(SIGNING_THREADS);
    let make = &make;
    let parts: Vec<anyhow::Result<Vec<T>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..SIGNING_THREADS)
            .map(|thread| {
                let first = (thread * per_thread).min(count);
                let end = (first + per_thread).min(count);
                scope.spawn(move || (first..end).map(make).collect())
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a signing thread panicked"))
            .collect()
    });
    let mut all = Vec::with_capacity(count);
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

/// One notarize transaction of `documents` random (so distinct) digests.
fn notarize_transaction(
    key: &SecretKey,
    chain: &ChainBinding,
    documents: usize,
    expires_at: u64,
) -> anyhow::Result<SignedTransaction> {
    let mut bytes = vec![0u8; 32 * documents];
    OsRng.fill_bytes(&mut bytes);
    let documents = bytes
        .chunks_exact(32)
        .map(|c| Hash(c.try_into().expect("chunks of 32 bytes")))
        .collect();
    let args = NotarizeArgs {
        refers_to: None,
        category: "benchmark".into(),
        title: "zl bench".into(),
        reference: String::new(),
        location: None,
        security_level: 1,
        digest_algorithm: chain.suite.hash_algorithm(),
        documents,
    };
    // `sign_calls` sets the expiry `sign::EXPIRY_MS` after the time it is given.
    sign::sign_calls(
        key,
        chain,
        vec![sign::notarize_call(&args)?],
        expires_at - sign::EXPIRY_MS,
        sign::random_salt(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::{CryptoSuite, Transaction};

    #[test]
    fn signs_distinct_transactions_with_the_expiry_asked() {
        let key = SecretKey::from_seed(CryptoSuite::Ed25519, &[3; 32]).unwrap();
        let chain = ChainBinding {
            chain_id: "dev".into(),
            genesis_hash: Hash([1; 32]),
            suite: CryptoSuite::Ed25519,
        };
        let signed = notarize_transactions(&key, &chain, 5, 3, 1_000_000_000).unwrap();
        assert_eq!(signed.len(), 5);
        let mut ids: Vec<Hash> = signed.iter().map(|s| s.id).collect();
        ids.sort_by_key(|h| h.0);
        ids.dedup();
        assert_eq!(ids.len(), 5);
        for s in &signed {
            assert_eq!(s.expires_at, 1_000_000_000);
            let tx: Transaction = serde_json::from_slice(&s.json).unwrap();
            let args: NotarizeArgs = serde_json::from_value(tx.body.calls[0].args.clone()).unwrap();
            assert_eq!(args.documents.len(), 3);
        }
    }
}
