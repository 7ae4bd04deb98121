//! What every handler shares: the ledger, the mempool, the commit stream, metrics and limits.

use crate::metrics::Metrics;
use serde::Serialize;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use zl_ledger::Ledger;
use zl_mempool::{Mempool, MempoolLimits};
use zl_types::Hash;

/// Default of [`ApiLimits::transaction_body_bytes_max`]: 9 MiB (a transaction is at most 8 MiB of
/// signing bytes; the rest is room for its JSON envelope).
pub const TRANSACTION_BODY_BYTES_MAX: usize = 9 * 1024 * 1024;
/// Default of [`ApiLimits::batch_body_bytes_max`]: 32 MiB.
pub const BATCH_BODY_BYTES_MAX: usize = 32 * 1024 * 1024;
/// Default of [`ApiLimits::batch_transactions_max`].
pub const BATCH_TRANSACTIONS_MAX: usize = 2_000;
/// Default of [`ApiLimits::evidence_records_max`].
pub const EVIDENCE_RECORDS_MAX: usize = 1_000;
/// Default of [`ApiLimits::retry_after_seconds`].
pub const RETRY_AFTER_SECONDS: u64 = 1;
/// Commit notices buffered for slow `/v1/commits` subscribers before they are told they lagged.
pub const COMMIT_CHANNEL_CAPACITY: usize = 1_024;

const _: () = assert!(zl_types::transaction::TRANSACTION_BYTES_MAX < TRANSACTION_BODY_BYTES_MAX);
const _: () = assert!(TRANSACTION_BODY_BYTES_MAX <= BATCH_BODY_BYTES_MAX);

/// The API's bounds on requests and answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiLimits {
    /// Body of `POST /v1/transactions`, in bytes, at most (larger: 413).
    pub transaction_body_bytes_max: usize,
    /// Body of `POST /v1/transactions/batch`, in bytes, at most (larger: 413).
    pub batch_body_bytes_max: usize,
    /// Transactions in one batch, at most.
    pub batch_transactions_max: usize,
    /// Evidence records returned for one digest, at most.
    pub evidence_records_max: usize,
    /// The least `Retry-After` the API sends with 429 and 503, in seconds.
    pub retry_after_seconds: u64,
}

impl Default for ApiLimits {
    fn default() -> ApiLimits {
        ApiLimits {
            transaction_body_bytes_max: TRANSACTION_BODY_BYTES_MAX,
            batch_body_bytes_max: BATCH_BODY_BYTES_MAX,
            batch_transactions_max: BATCH_TRANSACTIONS_MAX,
            evidence_records_max: EVIDENCE_RECORDS_MAX,
            retry_after_seconds: RETRY_AFTER_SECONDS,
        }
    }
}

/// One committed transaction in a [`CommitNotice`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommittedTx {
    /// The transaction id.
    pub id: Hash,
    /// Whether its calls succeeded (a failed transaction is still committed, and changed nothing).
    pub ok: bool,
}

/// What `/v1/commits` subscribers receive once per committed block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommitNotice {
    /// The block's height.
    pub height: u64,
    /// The block's header hash.
    pub hash: Hash,
    /// The block time, Unix milliseconds.
    pub time: u64,
    /// The block's transactions, in block order.
    pub transactions: Vec<CommittedTx>,
}

/// The state shared by the API's handlers and the node's block producer.
pub struct NodeState {
    /// The ledger (reads here; the producer writes).
    pub ledger: Arc<Ledger>,
    /// Pending transactions. Held only briefly, never across an `.await`.
    pub mempool: Mutex<Mempool>,
    /// Notified after transactions enter the mempool, so the block producer wakes.
    pub mempool_ready: tokio::sync::Notify,
    /// The producer sends one notice per committed block; `/v1/commits` streams them.
    pub commits: tokio::sync::broadcast::Sender<Arc<CommitNotice>>,
    /// The node's Prometheus metrics.
    pub metrics: Metrics,
    /// Request bounds.
    pub limits: ApiLimits,
    /// Whether the node serves traffic (`/readyz`); the daemon sets it once started.
    pub ready: AtomicBool,
    /// The clock, Unix milliseconds (a parameter so tests fix the time).
    pub now_ms: fn() -> u64,
    /// Set to `true` on shutdown: open `/v1/commits` streams end so the server can stop.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Presentation nonces, login challenges and sessions (JR/T 0325 §9.3, §9.6).
    pub verifier: crate::identity::Verifier,
    /// The object store and the snapshots staged in it; `None` on a node without one.
    pub staging: Option<Arc<crate::staging::Staging>>,
    /// The market's bridge; `None` on a node that runs none.
    pub bridge: Option<Arc<crate::bridge::Bridge>>,
}

impl NodeState {
    /// A state over `ledger` with an empty mempool of default bounds, not yet ready.
    pub fn new(ledger: Arc<Ledger>, limits: ApiLimits, now_ms: fn() -> u64) -> NodeState {
        NodeState {
            ledger,
            mempool: Mutex::new(Mempool::new(MempoolLimits::default())),
            mempool_ready: tokio::sync::Notify::new(),
            commits: tokio::sync::broadcast::Sender::new(COMMIT_CHANNEL_CAPACITY),
            metrics: Metrics::new(),
            limits,
            ready: AtomicBool::new(false),
            now_ms,
            shutdown: tokio::sync::watch::Sender::new(false),
            verifier: crate::identity::Verifier::default(),
            staging: None,
            bridge: None,
        }
    }

    /// The same state with a mempool of these bounds (call before serving).
    pub fn with_mempool_limits(mut self, limits: MempoolLimits) -> NodeState {
        self.mempool = Mutex::new(Mempool::new(limits));
        self
    }

    /// The same state with this object store (call before serving).
    pub fn with_store(mut self, store: Arc<zl_store::SnapshotStore>) -> NodeState {
        self.staging = Some(Arc::new(crate::staging::Staging::new(store)));
        self
    }

    /// The same state with this bridge (call before serving).
    pub fn with_bridge(mut self, bridge: crate::bridge::Bridge) -> NodeState {
        self.bridge = Some(Arc::new(bridge));
        self
    }

    /// Locks the mempool. Poisoning is ignored: the mempool panics only on a broken invariant,
    /// which that panic already reports, and refusing every later request would not repair it.
    pub fn mempool(&self) -> std::sync::MutexGuard<'_, Mempool> {
        self.mempool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Ends every open `/v1/commits` stream; call when the node shuts down.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}
