//! Phase 2 of `zl bench did`: `--connections` threads, each a keep-alive HTTP client of its own,
//! resolve random created DIDs (`GET /1.0/identifiers/<did>`) back to back for the window; every
//! answer must be 200 and name the DID asked for.

use crate::bench::node::{self, BenchNode};
use crate::bench::{proc, stats};
use crate::client::Client;
use anyhow::bail;
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Resolving connections (threads), at most.
pub(crate) const CONNECTIONS_MAX: usize = 256;
/// Seconds of resolving, at most: every latency is kept (24 bytes each), so this bounds the
/// memory at ~60 MB per 10,000 resolutions/s.
pub(crate) const DURATION_S_MAX: u64 = 120;
/// Failed answers one connection tolerates before it stops (a dead node fails fast).
const FAILURES_PER_CONNECTION_MAX: u64 = 100;

/// What the resolution phase measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ResolveFigures {
    /// How the figures are defined.
    pub(crate) definitions: String,
    /// Seconds during which resolutions were started.
    pub(crate) window_s: u64,
    /// Resolving connections.
    pub(crate) connections: usize,
    /// Answers that were 200 and named the DID asked for.
    pub(crate) resolutions: u64,
    /// Answers that were not (must be 0; the run fails otherwise).
    pub(crate) failures: u64,
    /// Seconds from the start until the last connection's last answer.
    pub(crate) elapsed_s: f64,
    /// `resolutions / elapsed_s`.
    pub(crate) resolutions_per_s: f64,
    /// Resolutions answered per whole second of the window, from the second second on: fewest.
    pub(crate) per_second_min: u64,
    /// The same, median.
    pub(crate) per_second_median: u64,
    /// Latency percentiles (request sent to answer read and checked), milliseconds.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile, milliseconds.
    pub(crate) p99_ms: Option<f64>,
    /// Largest, milliseconds.
    pub(crate) max_ms: Option<f64>,
    /// CPU seconds zld used during the phase.
    pub(crate) node_cpu_s: Option<f64>,
    /// CPU seconds this process (the resolving clients) used during the phase.
    pub(crate) client_cpu_s: Option<f64>,
}

/// One connection's record.
#[derive(Default)]
struct ConnectionLog {
    latencies: Vec<Option<Duration>>,
    answered_at: Vec<Duration>,
    failures: u64,
    first_failure: Option<String>,
}

/// The part of a resolution result that is checked.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "didDocument", borrow)]
    document: Option<Named<'a>>,
}

#[derive(Deserialize)]
struct Named<'a> {
    id: &'a str,
}

/// Resolves random DIDs of `dids` for `window_s` seconds over `connections` connections.
pub(crate) fn run(
    node: &BenchNode,
    dids: &[String],
    window_s: u64,
    connections: usize,
) -> anyhow::Result<ResolveFigures> {
    if dids.is_empty() {
        bail!("there are no DIDs to resolve; give --dids 1 or more");
    }
    let pid = node.pid().to_string();
    let node_cpu_before = proc::cpu_seconds(&pid).ok();
    let client_cpu_before = proc::cpu_seconds("self").ok();
    let window = Duration::from_secs(window_s);
    let start = Instant::now();
    let logs: Vec<anyhow::Result<ConnectionLog>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|_| scope.spawn(|| resolve_loop(node.url(), dids, start, window)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a resolving thread panicked"))
            .collect()
    });
    let elapsed_s = start.elapsed().as_secs_f64();
    let node_cpu_s = node_cpu_before
        .zip(node::process_figures(node.pid()).1)
        .map(|(b, a)| a - b);
    let client_cpu_s = client_cpu_before
        .zip(proc::cpu_seconds("self").ok())
        .map(|(b, a)| a - b);
    let logs = logs.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let failures: u64 = logs.iter().map(|l| l.failures).sum();
    let latencies: Vec<Option<Duration>> = logs
        .iter()
        .flat_map(|l| l.latencies.iter().copied())
        .collect();
    if failures > 0 {
        let first = logs.iter().find_map(|l| l.first_failure.clone());
        bail!(
            "{failures} of {} resolutions failed; the first: {}",
            failures + latencies.len() as u64,
            first.unwrap_or_default()
        );
    }
    let seconds = stats::per_second(
        logs.iter().flat_map(|l| l.answered_at.iter().copied()),
        window_s,
    );
    let mut steady: Vec<u64> = seconds.iter().skip(1).copied().collect();
    steady.sort_unstable();
    let latency = stats::latency(&latencies);
    Ok(ResolveFigures {
        definitions: "resolutions started for the window over keep-alive connections, each sending its next GET /1.0/identifiers/<random created DID> when the last answer is read (closed loop); resolutions_per_s = answers that were 200 and named the DID ÷ the time from the start to the last answer; latency = request sent to answer read and checked".into(),
        window_s,
        connections,
        resolutions: latencies.len() as u64,
        failures,
        elapsed_s,
        resolutions_per_s: latencies.len() as f64 / elapsed_s,
        per_second_min: steady.first().copied().unwrap_or(0),
        per_second_median: steady.get(steady.len() / 2).copied().unwrap_or(0),
        p50_ms: latency.p50_ms,
        p99_ms: latency.p99_ms,
        max_ms: latency.max_ms,
        node_cpu_s,
        client_cpu_s,
    })
}

/// One connection: resolve, check, record, until the window ends.
fn resolve_loop(
    url: &str,
    dids: &[String],
    start: Instant,
    window: Duration,
) -> anyhow::Result<ConnectionLog> {
    let client = Client::new(url)?;
    let mut pick = Pick::new();
    let mut log = ConnectionLog::default();
    while start.elapsed() < window && log.failures < FAILURES_PER_CONNECTION_MAX {
        let did = &dids[pick.below(dids.len())];
        let path = format!("/1.0/identifiers/{did}");
        let sent = Instant::now();
        let outcome = client
            .send("GET", &path, None)
            .map_err(|e| format!("{e:#}"))
            .and_then(|raw| check(did, raw.status, &raw.body));
        let answered = Instant::now();
        match outcome {
            Ok(()) => {
                log.latencies.push(Some(answered - sent));
                log.answered_at.push(answered - start);
            }
            Err(why) => {
                log.failures += 1;
                log.first_failure.get_or_insert(why);
            }
        }
    }
    Ok(log)
}

/// Whether an answer is a 200 resolution result whose document is `did`'s.
fn check(did: &str, status: u16, body: &[u8]) -> Result<(), String> {
    let shown = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    if status != 200 {
        return Err(format!("{did}: HTTP {status}: {}", shown()));
    }
    match serde_json::from_slice::<Answer<'_>>(body) {
        Ok(Answer {
            document: Some(Named { id }),
        }) if id == did => Ok(()),
        _ => Err(format!("{did}: the answer does not name it: {}", shown())),
    }
}

/// A fast pseudo-random index (xorshift64), seeded from the OS: which DID to resolve next
/// needs no cryptographic randomness, and a system call per request would cost more than the
/// parse of the answer.
struct Pick(u64);

impl Pick {
    fn new() -> Pick {
        Pick(OsRng.next_u64() | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_status_and_the_document_id() {
        let did = "did:rem:shanghai:SH000001";
        let good = br#"{"didDocument":{"id":"did:rem:shanghai:SH000001","controller":"x"},"didDocumentMetadata":{}}"#;
        assert_eq!(check(did, 200, good), Ok(()));
        assert!(check("did:rem:shanghai:SH000002", 200, good).is_err());
        assert!(check(did, 404, good).unwrap_err().contains("HTTP 404"));
        assert!(check(did, 200, br#"{"didDocument":null}"#).is_err());
        assert!(check(did, 200, b"not json").is_err());
    }

    #[test]
    fn picks_every_index_in_range() {
        let mut pick = Pick(12345);
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            seen[pick.below(7)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
