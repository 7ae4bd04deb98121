//! Measures the ledger alone: execute + commit of single-document and batch transactions.
//!
//! `cargo run --release -p zl-ledger --example commit_throughput [single|batch]` (signing
//! happens before the clock starts; the figures are the ledger's share of the node's budget).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{digest, notarize, Chain};
use std::time::{Duration, Instant};
use zl_types::CheckedTransaction;
use zl_types::CryptoSuite;

/// Single-document transactions per block.
const SINGLE_PER_BLOCK: usize = 5_000;
/// Blocks of single-document transactions.
const SINGLE_BLOCKS: usize = 6;
/// Digests per batch transaction (the per-record maximum).
const DIGESTS_PER_BATCH: u64 = 50_000;
/// Batch transactions per block, and blocks of them.
const BATCHES_PER_BLOCK: usize = 4;
const BATCH_BLOCKS: usize = 3;

/// Executes and commits each block; returns the time spent executing and committing.
fn run(chain: &Chain, blocks: Vec<Vec<CheckedTransaction>>) -> (Duration, Duration) {
    let (mut executing, mut committing) = (Duration::ZERO, Duration::ZERO);
    for txs in blocks {
        let start = Instant::now();
        let block = chain
            .ledger
            .execute(txs, chain.next_time(), chain.keys.validator.public_key())
            .unwrap();
        let executed = Instant::now();
        let certificate = chain.certificate(block.header.height, block.hash);
        chain.ledger.commit(block, certificate).unwrap();
        executing += executed - start;
        committing += executed.elapsed();
    }
    (executing, committing)
}

fn report(what: &str, count: usize, (executing, committing): (Duration, Duration)) {
    let seconds = (executing + committing).as_secs_f64();
    println!(
        "{what}: {count} in {seconds:.2} s = {:.0}/s (execute {:.2} s, commit {:.2} s)",
        count as f64 / seconds,
        executing.as_secs_f64(),
        committing.as_secs_f64()
    );
}

fn main() {
    let part = std::env::args().nth(1).unwrap_or_default();
    let chain = Chain::new(CryptoSuite::Ed25519);
    if part != "batch" {
        single(&chain);
    }
    if part != "single" {
        batch(&chain);
    }
    println!("disk: {} bytes", chain.ledger.disk_bytes());
}

fn single(chain: &Chain) {
    let alg = chain.alg();
    let key = &chain.keys.submitter;
    let blocks: Vec<Vec<_>> = (0..SINGLE_BLOCKS)
        .map(|b| {
            (0..SINGLE_PER_BLOCK)
                .map(|i| {
                    let document = digest(alg, (b * SINGLE_PER_BLOCK + i) as u64);
                    chain.tx(key, vec![notarize(alg, vec![document])])
                })
                .collect()
        })
        .collect();
    report(
        "single-document transactions",
        SINGLE_PER_BLOCK * SINGLE_BLOCKS,
        run(chain, blocks),
    );
}

fn batch(chain: &Chain) {
    let alg = chain.alg();
    let key = &chain.keys.submitter;
    let mut next = 1u64 << 40;
    let blocks: Vec<Vec<_>> = (0..BATCH_BLOCKS)
        .map(|_| {
            (0..BATCHES_PER_BLOCK)
                .map(|_| {
                    let documents = (next..next + DIGESTS_PER_BATCH)
                        .map(|n| digest(alg, n))
                        .collect();
                    next += DIGESTS_PER_BATCH;
                    chain.tx(key, vec![notarize(alg, documents)])
                })
                .collect()
        })
        .collect();
    let digests = DIGESTS_PER_BATCH as usize * BATCHES_PER_BLOCK * BATCH_BLOCKS;
    report("batched digests", digests, run(chain, blocks));

    let start = Instant::now();
    let proofs = chain
        .ledger
        .record_proofs(chain.ledger.evidence_log_size() - 1)
        .unwrap()
        .unwrap();
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "record_proofs of {} documents: {elapsed_ms:.0} ms",
        proofs.documents.len()
    );
    let start = Instant::now();
    let receipts = chain
        .ledger
        .evidence_by_digest(&digest(alg, next - 1), 10)
        .unwrap();
    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "evidence_by_digest in a batch record: {} receipt(s) in {elapsed_ms:.1} ms",
        receipts.len()
    );
}
