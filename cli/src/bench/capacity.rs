//! How many of the chain's signatures this machine's cores verify per second, verified as the
//! node verifies them: ZIP 215 batch equations (`zl_types::crypto::verify_all`), a batch
//! request's worth at a time spread over the cores. Also the whole admission check per transaction
//! (parse, stateless checks, signing bytes and id, signature), which is what a node does for
//! each submitted transaction.

use super::presign;
use crate::sign::ChainBinding;
use anyhow::Context as _;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use zl_types::transaction::ChainBinding as Binding;
use zl_types::{CryptoSuite, Hash, PublicKey, SecretKey, Signature, Transaction};

/// Signatures verified per round.
pub(crate) const SIGNATURES: usize = 20_000;
/// Signatures per `verify_all` call: one batch request's worth (the load's default batch).
pub(crate) const CHUNK: usize = 500;
/// Verifying threads: the machine's two cores, as the node's two runtime workers.
pub(crate) const THREADS: usize = 2;
/// Rounds measured; the median is reported.
pub(crate) const ROUNDS: usize = 3;

/// The measured capacity.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Capacity {
    /// The chain suite measured.
    pub(crate) suite: String,
    /// Signatures per round, threads, signatures per `verify_all` call.
    pub(crate) signatures: usize,
    /// Verifying threads.
    pub(crate) threads: usize,
    /// Strict signature verifications per second (median of the rounds).
    pub(crate) signatures_per_s: f64,
    /// Whole admission checks (parse + check + verify) per second (median of the rounds).
    pub(crate) admissions_per_s: f64,
}

/// Signs [`SIGNATURES`] single-document notarize transactions of `suite` and measures.
pub(crate) fn measure(suite: CryptoSuite) -> anyhow::Result<Capacity> {
    let key = SecretKey::generate(suite, &mut OsRng);
    let chain = ChainBinding {
        chain_id: "bench".into(),
        genesis_hash: Hash([7; 32]),
        suite,
    };
    let now = crate::time::now_ms();
    let signed =
        presign::notarize_transactions(&key, &chain, SIGNATURES, 1, now + presign::EXPIRY_MS)?;
    let jsons: Vec<&[u8]> = signed.iter().map(|s| s.json.as_slice()).collect();
    let mut parsed = Vec::with_capacity(SIGNATURES);
    for json in &jsons {
        let tx: Transaction = serde_json::from_slice(json)?;
        let bytes = tx.body.signing_bytes()?;
        parsed.push((tx.body.signer, bytes, tx.signature));
    }
    let triples: Vec<(&PublicKey, &[u8], &Signature)> = parsed
        .iter()
        .map(|(k, m, s)| (k, m.as_slice(), s))
        .collect();
    let binding = Binding {
        chain_id: &chain.chain_id,
        genesis_hash: &chain.genesis_hash,
        hash_algorithm: suite.hash_algorithm(),
    };
    let mut signatures = Vec::with_capacity(ROUNDS);
    let mut admissions = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        signatures.push(rate(SIGNATURES, || {
            spread(triples.len(), |range| {
                zl_types::crypto::verify_all(&triples[range], rand_core::OsRng)
                    .map_err(|i| anyhow::anyhow!("signature {i} of a chunk does not verify"))
            })
        })?);
        admissions.push(rate(SIGNATURES, || {
            spread(jsons.len(), |range| {
                for json in &jsons[range] {
                    let tx: Transaction = serde_json::from_slice(json)?;
                    tx.check(&binding, now)?.verify_signature()?;
                }
                Ok(())
            })
        })?);
    }
    Ok(Capacity {
        suite: suite.name().into(),
        signatures: SIGNATURES,
        threads: THREADS,
        signatures_per_s: median(&mut signatures),
        admissions_per_s: median(&mut admissions),
    })
}

/// `count / seconds` that `work` took.
fn rate(count: usize, work: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let started = Instant::now();
    work()?;
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Runs `task` on chunks of [`CHUNK`] items of `0..count`, claimed by [`THREADS`] threads.
fn spread(
    count: usize,
    task: impl Fn(std::ops::Range<usize>) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<()> {
    let next = AtomicUsize::new(0);
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= count {
                        return Ok(());
                    }
                    task(start..(start + CHUNK).min(count))?;
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a verifying thread panicked"))
            .collect()
    });
    for result in results {
        result.context("the capacity measurement's own signatures must verify")?;
    }
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n => values[n / 2],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::bail;

    #[test]
    fn spreads_every_item_once_and_reports_failures() {
        let seen: Vec<AtomicUsize> = (0..1234).map(|_| AtomicUsize::new(0)).collect();
        spread(seen.len(), |range| {
            for i in range {
                seen[i].fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
        assert!(seen.iter().all(|n| n.load(Ordering::Relaxed) == 1));
        assert!(spread(10, |_| bail!("no")).is_err());
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
    }
}
