//! Latency percentiles and per-second commit counts (pure: no I/O, no clock).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Commit latency percentiles over a set of transactions (nearest-rank method). A transaction
/// that never committed counts as later than every one that did; a percentile that falls on
/// one is `None` ("beyond the wait").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Latency {
    /// Transactions measured (committed or not).
    pub(crate) transactions: usize,
    /// Of those, committed (the rest count as infinitely late).
    pub(crate) committed: usize,
    /// Median, milliseconds.
    pub(crate) p50_ms: Option<f64>,
    /// 99th percentile, milliseconds.
    pub(crate) p99_ms: Option<f64>,
    /// Largest latency of a committed transaction, milliseconds.
    pub(crate) max_ms: Option<f64>,
}

/// The latency summary of `samples` (`None`: never committed).
pub(crate) fn latency(samples: &[Option<Duration>]) -> Latency {
    let mut committed: Vec<Duration> = samples.iter().flatten().copied().collect();
    committed.sort_unstable();
    let rank = |p: f64| -> Option<f64> {
        if samples.is_empty() {
            return None;
        }
        // Nearest rank: the smallest value with at least p of the samples at or below it.
        let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        committed.get(rank - 1).map(|d| d.as_secs_f64() * 1000.0)
    };
    Latency {
        transactions: samples.len(),
        committed: committed.len(),
        p50_ms: rank(0.50),
        p99_ms: rank(0.99),
        max_ms: committed.last().map(|d| d.as_secs_f64() * 1000.0),
    }
}

/// How many of `offsets` (times since the start) fall in each whole second of `0..seconds`.
pub(crate) fn per_second(offsets: impl Iterator<Item = Duration>, seconds: u64) -> Vec<u64> {
    let mut buckets = vec![0u64; usize::try_from(seconds).unwrap_or(0)];
    for offset in offsets {
        if let Some(bucket) = usize::try_from(offset.as_secs())
            .ok()
            .and_then(|s| buckets.get_mut(s))
        {
            *bucket += 1;
        }
    }
    buckets
}

/// Milliseconds as text for tables: `12.3` or `-` when absent.
pub(crate) fn ms_text(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".into(), |ms| format!("{ms:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Option<Duration>> = (1..=100).map(ms).collect();
        let l = latency(&samples);
        assert_eq!(
            (l.p50_ms, l.p99_ms, l.max_ms),
            (Some(50.0), Some(99.0), Some(100.0))
        );
        assert_eq!((l.transactions, l.committed), (100, 100));
    }

    #[test]
    fn uncommitted_transactions_count_as_latest() {
        let mut samples: Vec<Option<Duration>> = (1..=98).map(ms).collect();
        samples.extend([None, None]);
        let l = latency(&samples);
        assert_eq!(l.p50_ms, Some(50.0));
        assert_eq!(l.p99_ms, None);
        assert_eq!(l.max_ms, Some(98.0));
        assert_eq!(latency(&[]), Latency::default());
    }

    #[test]
    fn buckets_by_whole_second() {
        let offsets = [0, 999, 1000, 2500, 9000].map(Duration::from_millis);
        assert_eq!(per_second(offsets.into_iter(), 3), [2, 1, 1]);
    }
}
