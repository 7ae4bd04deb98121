//! `zl bench load`: the load generator. Pre-signs single-document notarize transactions, follows
//! the commit stream, submits at a paced rate over several connections and reports committed
//! transactions per second and commit latency as JSON.

use super::presign;
use super::sender::{self, ItemResult};
use super::stats::{self, Latency};
use super::stream::CommitRecorder;
use crate::client::Client;
use crate::sign::SignedTransaction;
use crate::status::NodeStatus;
use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The pacing tick: every tick each connection sends what the schedule has made due.
pub(crate) const TICK: Duration = Duration::from_millis(20);
/// Transactions one load run may pre-sign, at most (~600 bytes each in memory).
pub(crate) const LOAD_TRANSACTIONS_MAX: u64 = 3_000_000;
/// Connections (sending threads, each with its own HTTP agent), at most.
pub(crate) const CONNECTIONS_MAX: usize = 16;
/// Longest pause honoured from one `Retry-After`.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(5);
/// Pause after a batch that could not be sent at all.
const TRANSPORT_PAUSE: Duration = Duration::from_millis(200);

/// What `zl bench load` is asked to do.
#[derive(Clone, Debug)]
pub(crate) struct LoadOptions {
    /// The node's API URL (local only).
    pub(crate) node: String,
    /// The member key file to sign with.
    pub(crate) key: PathBuf,
    /// Seconds of offered load.
    pub(crate) duration_s: u64,
    /// Offered transactions per second.
    pub(crate) rate: u64,
    /// Transactions per batch request, at most.
    pub(crate) batch: usize,
    /// Sending connections.
    pub(crate) connections: usize,
    /// Where the JSON report goes.
    pub(crate) out: PathBuf,
}

/// The load generator's report (`--out`), read back by `zl bench evidence`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LoadReport {
    /// How the figures are defined.
    pub(crate) definitions: String,
    /// Target offered rate, transactions per second.
    pub(crate) rate_target: u64,
    /// Length of the measured window (the offering), seconds.
    pub(crate) window_s: u64,
    /// Sending connections and batch size.
    pub(crate) connections: usize,
    /// Transactions per batch request, at most.
    pub(crate) batch: usize,
    /// Seconds spent pre-signing (before the clock started).
    pub(crate) presign_s: f64,
    /// Transactions pre-signed (`rate × window`).
    pub(crate) signed: u64,
    /// Transactions sent at least once within the window.
    pub(crate) offered: u64,
    /// Transactions the node accepted into its mempool.
    pub(crate) accepted: u64,
    /// Busy refusals (429/503, mempool full or quota), each followed by its `Retry-After` pause
    /// and a resend.
    pub(crate) refusals_busy: u64,
    /// Transactions refused for good, by error code.
    pub(crate) rejected: BTreeMap<String, u64>,
    /// Batch requests that could not be sent (connection errors).
    pub(crate) transport_errors: u64,
    /// Accepted transactions whose commit notice arrived within the window.
    pub(crate) committed_in_window: u64,
    /// Accepted transactions committed by the end of the wait after the window.
    pub(crate) committed_total: u64,
    /// Committed transactions that failed in execution.
    pub(crate) committed_failed: u64,
    /// `committed_in_window / window_s`.
    pub(crate) committed_tps: f64,
    /// Commits per whole second of the window, from the second second on (the first ramps up).
    pub(crate) committed_per_second_min: u64,
    /// The same, median.
    pub(crate) committed_per_second_median: u64,
    /// Commits per whole second of the window (by arrival), to show stalls.
    pub(crate) committed_per_second: Vec<u64>,
    /// The largest commit latency per whole second of the window (by send), milliseconds.
    pub(crate) latency_ms_max_per_second: Vec<u64>,
    /// Seconds from the end of the window until the last commit arrived (or the wait ended).
    pub(crate) drain_s: f64,
    /// Commit latency of the accepted transactions.
    pub(crate) latency: Latency,
    /// Commit notices the node skipped for this reader (`event: lagged`); should be 0.
    pub(crate) lagged_notices: u64,
    /// CPU seconds the load generator used from the start of the window to the end.
    pub(crate) load_cpu_s: f64,
}

/// What one connection did with its share of the transactions.
#[derive(Default)]
struct ConnectionLog {
    /// Per transaction of its range: when the accepted submission was sent.
    sent_at: Vec<Option<Instant>>,
    offered: u64,
    refusals_busy: u64,
    rejected: BTreeMap<String, u64>,
    transport_errors: u64,
}

/// Runs the load and writes the report.
pub(crate) fn run(options: &LoadOptions) -> anyhow::Result<LoadReport> {
    super::require_local(&options.node)?;
    let count = options.rate.saturating_mul(options.duration_s);
    if count == 0 || count > LOAD_TRANSACTIONS_MAX {
        bail!("--rate × --duration is {count} transactions; keep it between 1 and {LOAD_TRANSACTIONS_MAX}");
    }
    let client = Client::new(&options.node)?;
    let key = crate::keys::load(&options.key)?;
    let status = NodeStatus::fetch(&client)?;
    if key.suite() != status.crypto_suite {
        bail!(
            "the key's suite is {} but the chain's is {}; use the chain's member key",
            key.suite().name(),
            status.crypto_suite.name()
        );
    }
    let chain = presign::binding(&status);
    let signing = Instant::now();
    let expires_at = crate::time::now_ms() + presign::EXPIRY_MS;
    let transactions = presign::notarize_transactions(&key, &chain, count as usize, 1, expires_at)?;
    let presign_s = signing.elapsed().as_secs_f64();
    let needed_ms = (options.duration_s + super::COMMIT_WAIT_S) * 1000;
    if crate::time::now_ms() + needed_ms >= expires_at {
        bail!("pre-signing took {presign_s:.0} s, so the transactions would expire during the run; lower --rate or --duration");
    }
    eprintln!("zl bench load: pre-signed {count} transactions in {presign_s:.1} s");
    let ids: HashMap<_, _> = transactions
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let recorder =
        CommitRecorder::open(&client, ids).context("cannot follow the node's commits")?;

    let cpu_before = super::proc::cpu_seconds("self").unwrap_or(0.0);
    let window = Duration::from_secs(options.duration_s);
    let start = Instant::now();
    let logs = send_all(options, &transactions, start, window)?;
    let window_end = start + window;
    let sent_at: Vec<Option<Instant>> = logs
        .iter()
        .flat_map(|l| l.sent_at.iter().copied())
        .collect();
    let accepted = sent_at.iter().flatten().count();
    recorder.wait_for(
        accepted,
        window_end + Duration::from_secs(super::COMMIT_WAIT_S),
    );
    let recorded = recorder.snapshot();
    let load_cpu_s = super::proc::cpu_seconds("self").unwrap_or(0.0) - cpu_before;

    let mut rejected = BTreeMap::new();
    for log in &logs {
        for (code, n) in &log.rejected {
            *rejected.entry(code.clone()).or_insert(0) += n;
        }
    }
    let arrivals_of_accepted = || {
        sent_at
            .iter()
            .zip(&recorded.arrivals)
            .filter(|(sent, _)| sent.is_some())
            .map(|(_, arrived)| *arrived)
    };
    let latencies: Vec<Option<Duration>> = sent_at
        .iter()
        .zip(&recorded.arrivals)
        .filter_map(|(sent, arrived)| sent.map(|s| arrived.map(|a| a.saturating_duration_since(s))))
        .collect();
    let committed_in_window = arrivals_of_accepted()
        .flatten()
        .filter(|a| *a <= window_end)
        .count() as u64;
    let last_arrival = arrivals_of_accepted().flatten().max();
    let seconds = stats::per_second(
        arrivals_of_accepted()
            .flatten()
            .map(|a| a.saturating_duration_since(start)),
        options.duration_s,
    );
    let mut steady: Vec<u64> = seconds.iter().skip(1).copied().collect();
    steady.sort_unstable();
    let report = LoadReport {
        definitions: "window = the offering period, from the first send for --duration s; committed_tps = accepted transactions whose commit notice arrived on GET /v1/commits within the window, divided by the window; latency = commit-notice arrival minus the send instant of the batch request that was accepted, over all accepted transactions (one never committed counts as later than all)".into(),
        rate_target: options.rate,
        window_s: options.duration_s,
        connections: options.connections,
        batch: options.batch,
        presign_s,
        signed: count,
        offered: logs.iter().map(|l| l.offered).sum(),
        accepted: accepted as u64,
        refusals_busy: logs.iter().map(|l| l.refusals_busy).sum(),
        rejected,
        transport_errors: logs.iter().map(|l| l.transport_errors).sum(),
        committed_in_window,
        committed_total: arrivals_of_accepted().flatten().count() as u64,
        committed_failed: recorded.failed as u64,
        committed_tps: committed_in_window as f64 / window.as_secs_f64(),
        committed_per_second_min: steady.first().copied().unwrap_or(0),
        committed_per_second_median: steady.get(steady.len() / 2).copied().unwrap_or(0),
        committed_per_second: seconds.clone(),
        latency_ms_max_per_second: latency_max_per_second(&sent_at, &recorded.arrivals, start, options.duration_s),
        drain_s: last_arrival.map_or(0.0, |a| a.saturating_duration_since(window_end).as_secs_f64()),
        latency: stats::latency(&latencies),
        lagged_notices: recorded.lagged,
        load_cpu_s,
    };
    std::fs::write(&options.out, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("cannot write the report to {}", options.out.display()))?;
    Ok(report)
}

/// The largest latency of the transactions sent in each whole second of the window; a
/// transaction never committed counts as `u64::MAX`.
fn latency_max_per_second(
    sent_at: &[Option<Instant>],
    arrivals: &[Option<Instant>],
    start: Instant,
    seconds: u64,
) -> Vec<u64> {
    let mut max = vec![0u64; usize::try_from(seconds).unwrap_or(0)];
    for (sent, arrived) in sent_at.iter().zip(arrivals) {
        let Some(sent) = sent else { continue };
        let second = usize::try_from((*sent - start).as_secs()).unwrap_or(usize::MAX);
        let Some(slot) = max.get_mut(second) else {
            continue;
        };
        let ms = arrived.map_or(u64::MAX, |a| {
            u64::try_from(a.saturating_duration_since(*sent).as_millis()).unwrap_or(u64::MAX)
        });
        *slot = (*slot).max(ms);
    }
    max
}

/// Sends every connection's share on its own thread; returns the logs in range order.
fn send_all(
    options: &LoadOptions,
    transactions: &[SignedTransaction],
    start: Instant,
    window: Duration,
) -> anyhow::Result<Vec<ConnectionLog>> {
    let per_connection = transactions.len().div_ceil(options.connections);
    std::thread::scope(|scope| {
        let workers: Vec<_> = transactions
            .chunks(per_connection)
            .map(|share| {
                scope.spawn(move || {
                    let client = Client::new(&options.node)?;
                    Ok(send_share(&client, share, options.batch, start, window))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a sending thread panicked"))
            .collect()
    })
}

/// One connection's loop: each tick, send what the schedule made due (and any resends), in
/// batches; stop when everything is sent or the window ends.
fn send_share(
    client: &Client,
    share: &[SignedTransaction],
    batch: usize,
    start: Instant,
    window: Duration,
) -> ConnectionLog {
    let mut log = ConnectionLog {
        sent_at: vec![None; share.len()],
        ..ConnectionLog::default()
    };
    let ticks = (window.as_nanos() / TICK.as_nanos()).max(1) as usize;
    let mut next = 0;
    let mut resend: VecDeque<usize> = VecDeque::new();
    loop {
        let elapsed = start.elapsed();
        if elapsed >= window || (next == share.len() && resend.is_empty()) {
            return log;
        }
        let tick = (elapsed.as_nanos() / TICK.as_nanos()) as usize;
        let due = (share.len() * (tick + 1)).div_ceil(ticks).min(share.len());
        if resend.is_empty() && next >= due {
            std::thread::sleep(
                (start + TICK * (tick as u32 + 1)).saturating_duration_since(Instant::now()),
            );
            continue;
        }
        let mut chunk: Vec<usize> = Vec::with_capacity(batch);
        while chunk.len() < batch {
            match resend.pop_front() {
                Some(index) => chunk.push(index),
                None if next < due => {
                    chunk.push(next);
                    next += 1;
                    log.offered += 1;
                }
                None => break,
            }
        }
        let bodies: Vec<&[u8]> = chunk.iter().map(|&i| share[i].json.as_slice()).collect();
        let sent = Instant::now();
        let answer = match sender::post_batch(client, &bodies) {
            Ok(answer) => answer,
            Err(error) => {
                if log.transport_errors == 0 {
                    eprintln!("warning: {error:#}; resending");
                }
                log.transport_errors += 1;
                resend.extend(chunk);
                std::thread::sleep(TRANSPORT_PAUSE);
                continue;
            }
        };
        let mut busy = false;
        for (&index, item) in chunk.iter().zip(answer.items) {
            match item {
                ItemResult::Accepted => log.sent_at[index] = Some(sent),
                ItemResult::Busy => {
                    busy = true;
                    log.refusals_busy += 1;
                    resend.push_back(index);
                }
                ItemResult::Rejected(code) => *log.rejected.entry(code).or_insert(0) += 1,
            }
        }
        if busy {
            let wait = answer.retry_after.unwrap_or(TICK).min(RETRY_AFTER_MAX);
            let left = window.saturating_sub(start.elapsed());
            std::thread::sleep(wait.min(left));
        }
    }
}

/// The report as a few lines for people.
pub(crate) fn summary(report: &LoadReport) -> String {
    let l = &report.latency;
    format!(
        "offered {} of {} at {} tx/s target over {} s ({} connections, batches of {}); accepted {}; busy refusals {}; rejected {:?}\n\
         committed {} in the window = {:.0} tx/s (per second: min {}, median {}); {} in total, last {:.2} s after the window\n\
         commit latency p50 {} ms, p99 {} ms, max {} ms; load generator CPU {:.1} s",
        report.offered,
        report.signed,
        report.rate_target,
        report.window_s,
        report.connections,
        report.batch,
        report.accepted,
        report.refusals_busy,
        report.rejected,
        report.committed_in_window,
        report.committed_tps,
        report.committed_per_second_min,
        report.committed_per_second_median,
        report.committed_total,
        report.drain_s,
        stats::ms_text(l.p50_ms),
        stats::ms_text(l.p99_ms),
        stats::ms_text(l.max_ms),
        report.load_cpu_s,
    )
}
