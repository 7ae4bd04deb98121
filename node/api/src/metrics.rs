//! The node's Prometheus metrics, registered in one registry and served at `/metrics`.
//! Counters and gauges only; Prometheus computes rates.

use crate::state::CommitNotice;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// Bounds of the request-latency histogram, in seconds: sub-millisecond reads up to slow batches.
pub const REQUEST_DURATION_BUCKETS_SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every metric the node exports.
pub struct Metrics {
    registry: Registry,
    /// `zl_height`: height of the last committed block.
    pub height: IntGauge,
    /// `zl_blocks_committed_total`: blocks committed since the node started.
    pub blocks_committed_total: IntCounter,
    /// `zl_transactions_committed_total`: transactions committed (successful or failed) since start.
    pub transactions_committed_total: IntCounter,
    /// `zl_mempool_transactions`: transactions pending in the mempool.
    pub mempool_transactions: IntGauge,
    /// `zl_mempool_bytes`: bytes pending in the mempool (signing bytes plus 64 per transaction).
    pub mempool_bytes: IntGauge,
    /// `zl_api_request_duration_seconds{route, status}`: time to answer an API request, by
    /// route template (e.g. `/v1/blocks/:height`, or `unmatched`) and HTTP status.
    pub api_request_duration_seconds: HistogramVec,
    /// `zl_database_bytes`: bytes the ledger's database takes on disk (set when scraped).
    pub database_bytes: IntGauge,
    /// `zl_consensus_height`: the height consensus is working on.
    pub consensus_height: IntGauge,
    /// `zl_consensus_timeouts_total`: round timeouts that elapsed.
    pub consensus_timeouts_total: IntCounter,
    /// `zl_consensus_misbehaviour_total`: double votes detected and kept as evidence.
    pub consensus_misbehaviour_total: IntCounter,
    /// `zl_consensus_missed_precommits_total{validator}`: committed blocks whose certificate
    /// lacks this validator's precommit.
    pub consensus_missed_precommits_total: IntCounterVec,
    /// `zl_peers`: connected peers.
    pub peers: IntGauge,
}

impl Metrics {
    /// The metrics, registered in a fresh registry.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let metrics = Metrics {
            height: IntGauge::new("zl_height", "Height of the last committed block.")
                .expect("valid name"),
            blocks_committed_total: IntCounter::new(
                "zl_blocks_committed_total",
                "Blocks committed since start.",
            )
            .expect("valid name"),
            transactions_committed_total: IntCounter::new(
                "zl_transactions_committed_total",
                "Transactions committed since start, successful or failed.",
            )
            .expect("valid name"),
            mempool_transactions: IntGauge::new(
                "zl_mempool_transactions",
                "Transactions pending in the mempool.",
            )
            .expect("valid name"),
            mempool_bytes: IntGauge::new("zl_mempool_bytes", "Bytes pending in the mempool.")
                .expect("valid name"),
            api_request_duration_seconds: HistogramVec::new(
                HistogramOpts::from(Opts::new(
                    "zl_api_request_duration_seconds",
                    "Time to answer an API request, by route template and HTTP status.",
                ))
                .buckets(REQUEST_DURATION_BUCKETS_SECONDS.to_vec()),
                &["route", "status"],
            )
            .expect("valid name and labels"),
            database_bytes: IntGauge::new(
                "zl_database_bytes",
                "Bytes the ledger database takes on disk.",
            )
            .expect("valid name"),
            consensus_height: IntGauge::new(
                "zl_consensus_height",
                "The height consensus is working on.",
            )
            .expect("valid name"),
            consensus_timeouts_total: IntCounter::new(
                "zl_consensus_timeouts_total",
                "Round timeouts that elapsed.",
            )
            .expect("valid name"),
            consensus_misbehaviour_total: IntCounter::new(
                "zl_consensus_misbehaviour_total",
                "Double votes detected and kept as evidence.",
            )
            .expect("valid name"),
            consensus_missed_precommits_total: IntCounterVec::new(
                Opts::new(
                    "zl_consensus_missed_precommits_total",
                    "Committed blocks whose certificate lacks this validator's precommit.",
                ),
                &["validator"],
            )
            .expect("valid name and labels"),
            peers: IntGauge::new("zl_peers", "Connected peers.").expect("valid name"),
            registry,
        };
        let collectors: [Box<dyn prometheus::core::Collector>; 12] = [
            Box::new(metrics.consensus_height.clone()),
            Box::new(metrics.consensus_timeouts_total.clone()),
            Box::new(metrics.consensus_misbehaviour_total.clone()),
            Box::new(metrics.consensus_missed_precommits_total.clone()),
            Box::new(metrics.peers.clone()),
            Box::new(metrics.height.clone()),
            Box::new(metrics.blocks_committed_total.clone()),
            Box::new(metrics.transactions_committed_total.clone()),
            Box::new(metrics.mempool_transactions.clone()),
            Box::new(metrics.mempool_bytes.clone()),
            Box::new(metrics.api_request_duration_seconds.clone()),
            Box::new(metrics.database_bytes.clone()),
        ];
        for collector in collectors {
            metrics
                .registry
                .register(collector)
                .expect("each metric is registered once");
        }
        metrics
    }

    /// Records a committed block; the block producer calls it after broadcasting the notice.
    pub fn on_commit(&self, notice: &CommitNotice) {
        self.height.set(gauge_value(notice.height));
        self.blocks_committed_total.inc();
        self.transactions_committed_total
            .inc_by(notice.transactions.len() as u64);
    }

    /// Records the start of a height in consensus.
    pub fn on_height_started(&self, height: u64) {
        self.consensus_height.set(gauge_value(height));
    }

    /// Records an elapsed round timeout.
    pub fn on_timeout(&self) {
        self.consensus_timeouts_total.inc();
    }

    /// Records a newly detected double vote.
    pub fn on_misbehaviour(&self) {
        self.consensus_misbehaviour_total.inc();
    }

    /// Records a certificate without `validator`'s precommit.
    pub fn on_missed_precommit(&self, validator: &str) {
        self.consensus_missed_precommits_total
            .with_label_values(&[validator])
            .inc();
    }

    /// Records the number of connected peers.
    pub fn set_peers(&self, peers: usize) {
        self.peers.set(gauge_value(peers));
    }

    /// Records one answered request.
    pub fn observe_request(&self, route: &str, status: u16, duration: Duration) {
        self.api_request_duration_seconds
            .with_label_values(&[route, &status.to_string()])
            .observe(duration.as_secs_f64());
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("encoding to memory does not fail");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// A count as a gauge value (gauges are i64; counts beyond i64::MAX do not occur).
pub(crate) fn gauge_value(count: impl TryInto<i64>) -> i64 {
    count.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::CommittedTx;
    use zl_types::Hash;

    #[test]
    fn on_commit_moves_height_and_counters() {
        let metrics = Metrics::new();
        let tx = CommittedTx {
            id: Hash::ZERO,
            ok: true,
        };
        let notice = CommitNotice {
            height: 7,
            hash: Hash::ZERO,
            time: 1,
            transactions: vec![tx.clone(), tx],
        };
        metrics.on_commit(&notice);
        metrics.observe_request("/v1/status", 200, Duration::from_millis(3));
        let text = metrics.render();
        for line in [
            "zl_height 7",
            "zl_blocks_committed_total 1",
            "zl_transactions_committed_total 2",
            "zl_api_request_duration_seconds_count{route=\"/v1/status\",status=\"200\"} 1",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }
}
