//! The network's counters: plain atomics the daemon exports as Prometheus metrics.

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters since start. Rates are left to Prometheus.
#[derive(Debug, Default)]
pub struct NetworkCounters {
    /// One-way messages a peer acknowledged.
    pub messages_sent: AtomicU64,
    /// One-way messages a peer sent but did not acknowledge (timeout, disconnect, refusal).
    pub messages_failed: AtomicU64,
    /// One-way messages received from peers and within their size limit.
    pub messages_received: AtomicU64,
    /// Messages lost here: a peer's outbound queue was full, the event queue was full, or an
    /// inbound message was over its size limit.
    pub messages_dropped: AtomicU64,
    /// Inbound messages and requests refused for being over their size limit (also in
    /// `messages_dropped` or `requests_refused`).
    pub messages_oversized: AtomicU64,
    /// Payload bytes of acknowledged outbound messages.
    pub message_bytes_sent: AtomicU64,
    /// Payload bytes of received inbound messages.
    pub message_bytes_received: AtomicU64,
    /// Requests we sent that were answered.
    pub requests_sent: AtomicU64,
    /// Requests we sent that failed (timeout, disconnect, refusal).
    pub requests_failed: AtomicU64,
    /// Requests peers sent us that were handed to the daemon.
    pub requests_received: AtomicU64,
    /// Requests peers sent us that were refused: too many in flight from that peer, the event
    /// queue was full, or over the size limit.
    pub requests_refused: AtomicU64,
    /// Connections refused after the handshake because the peer's key is not allowed.
    pub connections_denied: AtomicU64,
}

/// A plain copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountersSnapshot {
    /// See [`NetworkCounters::messages_sent`].
    pub messages_sent: u64,
    /// See [`NetworkCounters::messages_failed`].
    pub messages_failed: u64,
    /// See [`NetworkCounters::messages_received`].
    pub messages_received: u64,
    /// See [`NetworkCounters::messages_dropped`].
    pub messages_dropped: u64,
    /// See [`NetworkCounters::messages_oversized`].
    pub messages_oversized: u64,
    /// See [`NetworkCounters::message_bytes_sent`].
    pub message_bytes_sent: u64,
    /// See [`NetworkCounters::message_bytes_received`].
    pub message_bytes_received: u64,
    /// See [`NetworkCounters::requests_sent`].
    pub requests_sent: u64,
    /// See [`NetworkCounters::requests_failed`].
    pub requests_failed: u64,
    /// See [`NetworkCounters::requests_received`].
    pub requests_received: u64,
    /// See [`NetworkCounters::requests_refused`].
    pub requests_refused: u64,
    /// See [`NetworkCounters::connections_denied`].
    pub connections_denied: u64,
}

impl NetworkCounters {
    /// Reads every counter.
    pub fn snapshot(&self) -> CountersSnapshot {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CountersSnapshot {
            messages_sent: read(&self.messages_sent),
            messages_failed: read(&self.messages_failed),
            messages_received: read(&self.messages_received),
            messages_dropped: read(&self.messages_dropped),
            messages_oversized: read(&self.messages_oversized),
            message_bytes_sent: read(&self.message_bytes_sent),
            message_bytes_received: read(&self.message_bytes_received),
            requests_sent: read(&self.requests_sent),
            requests_failed: read(&self.requests_failed),
            requests_received: read(&self.requests_received),
            requests_refused: read(&self.requests_refused),
            connections_denied: read(&self.connections_denied),
        }
    }
}

/// Adds `amount` to a counter.
pub(crate) fn add(counter: &AtomicU64, amount: u64) {
    counter.fetch_add(amount, Ordering::Relaxed);
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    add(counter, 1);
}
