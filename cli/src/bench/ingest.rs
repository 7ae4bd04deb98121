//! `zl bench ingest`: node-side batched ingest. Pre-signed notarize transactions of many
//! digests each are submitted a few per request; digests committed per second is measured from
//! the first send to the last commit notice.

use super::evidence::{mib_text, opt_text};
use super::node::{self, BenchNode};
use super::sender::{self, ItemResult};
use super::stats::{self, ms_text, Latency};
use super::stream::CommitRecorder;
use super::{presign, proc};
use crate::sign::SignedTransaction;
use anyhow::{bail, Context as _};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zl_types::CryptoSuite;

/// Transactions of one ingest run, at most.
pub(crate) const TRANSACTIONS_MAX: u64 = 1_000;
/// Transactions per batch request (~660 KB each at 10,000 digests, so ~2.6 MB a request).
pub(crate) const TRANSACTIONS_PER_REQUEST: usize = 4;
/// Sending connections.
pub(crate) const CONNECTIONS: usize = 2;
/// Busy refusals one ingest run tolerates before it gives up.
const BUSY_REFUSALS_MAX: u64 = 10_000;
/// How long to wait for the last commits after the last send.
const COMMIT_WAIT: Duration = Duration::from_secs(120);

/// What `zl bench ingest` is asked to do.
#[derive(Clone, Debug)]
pub(crate) struct IngestOptions {
    /// Transactions to submit.
    pub(crate) transactions: u64,
    /// Distinct digests per transaction.
    pub(crate) digests_per_tx: usize,
    /// The chain's crypto suite.
    pub(crate) suite: CryptoSuite,
    /// The `zld` to run.
    pub(crate) zld: Option<PathBuf>,
}

/// What the ingest benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct IngestFigures {
    /// The chain suite.
    pub(crate) suite: String,
    /// Transactions and digests per transaction.
    pub(crate) transactions: u64,
    /// Distinct digests per transaction.
    pub(crate) digests_per_tx: usize,
    /// Seconds spent pre-signing (before the clock started).
    pub(crate) presign_s: f64,
    /// Transactions committed.
    pub(crate) committed: u64,
    /// Busy refusals (429/503) answered with a pause and a resend.
    pub(crate) refusals_busy: u64,
    /// Seconds from the first send to the last commit notice.
    pub(crate) elapsed_s: f64,
    /// Committed digests over `elapsed_s`.
    pub(crate) digests_per_s: f64,
    /// Commit latency per transaction (from its accepted send).
    pub(crate) latency: Latency,
    /// zld's peak resident memory, bytes.
    pub(crate) node_peak_rss_bytes: Option<u64>,
    /// Bytes of the node's data folder after a clean stop, per committed digest.
    pub(crate) bytes_per_digest: Option<f64>,
}

/// Runs the benchmark.
pub(crate) fn run(options: &IngestOptions) -> anyhow::Result<IngestFigures> {
    if options.transactions == 0 || options.transactions > TRANSACTIONS_MAX {
        bail!("--transactions must be 1 to {TRANSACTIONS_MAX}");
    }
    let zld = node::find_zld(options.zld.as_deref())?;
    let mut node = BenchNode::start(&zld, options.suite)?;
    let key = crate::keys::load(&node.client_key())?;
    let chain = presign::binding(&node.status()?);
    let signing = Instant::now();
    let expires_at = crate::time::now_ms() + presign::EXPIRY_MS;
    let transactions = presign::notarize_transactions(
        &key,
        &chain,
        options.transactions as usize,
        options.digests_per_tx,
        expires_at,
    )?;
    let presign_s = signing.elapsed().as_secs_f64();
    let delivery = deliver(&node, &transactions, COMMIT_WAIT)?;
    let (node_peak_rss_bytes, _) = node::process_figures(node.pid());
    node.stop()?;
    let data_bytes = proc::folder_bytes(&node.data_dir())?;
    let committed = delivery.committed as u64;
    let elapsed_s = delivery.elapsed_s;
    let digests = committed * options.digests_per_tx as u64;
    Ok(IngestFigures {
        suite: options.suite.name().into(),
        transactions: options.transactions,
        digests_per_tx: options.digests_per_tx,
        presign_s,
        committed,
        refusals_busy: delivery.refusals_busy,
        elapsed_s,
        digests_per_s: if elapsed_s > 0.0 {
            digests as f64 / elapsed_s
        } else {
            0.0
        },
        latency: delivery.latency,
        node_peak_rss_bytes,
        bytes_per_digest: (digests > 0).then(|| data_bytes.total as f64 / digests as f64),
    })
}

/// What [`deliver`] measured.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    /// Transactions whose commit notice arrived.
    pub(crate) committed: usize,
    /// Of those, how many failed in execution.
    pub(crate) failed: usize,
    /// Busy refusals answered with a pause and a resend.
    pub(crate) refusals_busy: u64,
    /// Seconds from the first send to the last commit notice.
    pub(crate) elapsed_s: f64,
    /// Commit latency per transaction (from its accepted send).
    pub(crate) latency: Latency,
}

/// Follows the node's commit stream, [`send`]s every transaction and waits up to `wait` after
/// the last acceptance for their commit notices (`zl bench did` uses it too).
pub(crate) fn deliver(
    node: &BenchNode,
    transactions: &[SignedTransaction],
    wait: Duration,
) -> anyhow::Result<Delivery> {
    let ids: HashMap<_, _> = transactions
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let recorder =
        CommitRecorder::open(&node.client()?, ids).context("cannot follow the node's commits")?;
    let start = Instant::now();
    let (sent_at, refusals_busy) = send(node.url(), transactions)?;
    recorder.wait_for(transactions.len(), Instant::now() + wait);
    let recorded = recorder.snapshot();
    let last = recorded.arrivals.iter().flatten().max().copied();
    let latencies: Vec<Option<Duration>> = sent_at
        .iter()
        .zip(&recorded.arrivals)
        .map(|(s, a)| a.map(|a| a.saturating_duration_since(*s)))
        .collect();
    Ok(Delivery {
        committed: recorded.committed,
        failed: recorded.failed,
        refusals_busy,
        elapsed_s: last.map_or(0.0, |l| l.saturating_duration_since(start).as_secs_f64()),
        latency: stats::latency(&latencies),
    })
}

/// Sends every transaction, [`TRANSACTIONS_PER_REQUEST`] a request over [`CONNECTIONS`]
/// connections, as fast as the node takes them; returns each one's accepted send instant and
/// the busy refusals. A transaction refused for good fails the run.
fn send(url: &str, transactions: &[SignedTransaction]) -> anyhow::Result<(Vec<Instant>, u64)> {
    let per_connection = transactions.len().div_ceil(CONNECTIONS);
    let parts: Vec<anyhow::Result<(Vec<Instant>, u64)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = transactions
            .chunks(per_connection)
            .map(|share| scope.spawn(move || send_share(url, share)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a sending thread panicked"))
            .collect()
    });
    let mut sent_at = Vec::with_capacity(transactions.len());
    let mut busy = 0;
    for part in parts {
        let (instants, refusals) = part?;
        sent_at.extend(instants);
        busy += refusals;
    }
    Ok((sent_at, busy))
}

fn send_share(url: &str, share: &[SignedTransaction]) -> anyhow::Result<(Vec<Instant>, u64)> {
    let client = crate::client::Client::new(url)?;
    let mut sent_at = vec![None; share.len()];
    let mut pending: Vec<usize> = (0..share.len()).collect();
    let mut busy = 0u64;
    while !pending.is_empty() {
        let chunk: Vec<usize> = pending
            .drain(..TRANSACTIONS_PER_REQUEST.min(pending.len()))
            .collect();
        let bodies: Vec<&[u8]> = chunk.iter().map(|&i| share[i].json.as_slice()).collect();
        let sent = Instant::now();
        let answer = sender::post_batch(&client, &bodies)?;
        let mut retry = Vec::new();
        for (&index, item) in chunk.iter().zip(answer.items) {
            match item {
                ItemResult::Accepted => sent_at[index] = Some(sent),
                ItemResult::Busy => retry.push(index),
                ItemResult::Rejected(code) => {
                    bail!("the node refused a benchmark transaction ({code}); see its log")
                }
            }
        }
        if !retry.is_empty() {
            busy += retry.len() as u64;
            if busy > BUSY_REFUSALS_MAX {
                bail!("the node stayed busy through {BUSY_REFUSALS_MAX} refusals");
            }
            std::thread::sleep(
                answer
                    .retry_after
                    .unwrap_or(super::load::TICK)
                    .min(Duration::from_secs(5)),
            );
            pending.splice(0..0, retry);
        }
    }
    Ok((
        sent_at
            .into_iter()
            .map(|s| s.expect("every transaction is sent until accepted"))
            .collect(),
        busy,
    ))
}

/// A readable summary.
pub(crate) fn summary(f: &IngestFigures) -> String {
    format!(
        "ingest benchmark, {} suite: {} transactions × {} digests (pre-signed in {:.1} s); {} committed in {:.2} s = {:.0} digests/s; \
         busy refusals {}; transaction latency p50 {} ms, p99 {} ms, max {} ms; node peak RSS {}; {} bytes on disk per digest",
        f.suite,
        f.transactions,
        f.digests_per_tx,
        f.presign_s,
        f.committed,
        f.elapsed_s,
        f.digests_per_s,
        f.refusals_busy,
        ms_text(f.latency.p50_ms),
        ms_text(f.latency.p99_ms),
        ms_text(f.latency.max_ms),
        mib_text(f.node_peak_rss_bytes),
        opt_text(f.bytes_per_digest, 1),
    )
}
