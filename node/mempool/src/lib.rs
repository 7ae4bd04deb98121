//! The mempool: pending transactions, FIFO, deduplicated by id, with per-member quotas, expiry
//! and hard bounds. Pure: the time is a parameter of every call that needs it.
#![forbid(unsafe_code)]

pub mod error;
pub mod limits;

pub use error::MempoolError;
pub use limits::{
    MempoolLimits, BYTES_MAX_DEFAULT, FULL_RETRY_AFTER_MS, PER_MEMBER_MAX_DEFAULT,
    TRANSACTIONS_MAX_DEFAULT, TRANSACTION_OVERHEAD_BYTES,
};

use std::collections::{HashMap, HashSet, VecDeque};
use zl_types::{CheckedTransaction, Hash, PublicKey};

/// The bytes a transaction counts for against [`MempoolLimits::bytes_max`]:
/// its signing bytes plus [`TRANSACTION_OVERHEAD_BYTES`].
pub fn transaction_size(tx: &CheckedTransaction) -> usize {
    tx.signing_bytes.len() + TRANSACTION_OVERHEAD_BYTES
}

/// Checked, signature-verified transactions waiting for a block, oldest first.
///
/// It knows only what is pending: whether an id was already committed is the ledger's
/// question, asked by the API before [`Mempool::insert`].
#[derive(Debug)]
pub struct Mempool {
    limits: MempoolLimits,
    queue: VecDeque<CheckedTransaction>,
    pending: HashSet<Hash>,
    per_member: HashMap<PublicKey, usize>,
    bytes: usize,
    /// No pending transaction expires before this (a lower bound, exact after a purge),
    /// so a full pool scans for expired ones only when one may have expired.
    earliest_expiry_ms: u64,
    expired_total: u64,
}

impl Mempool {
    /// An empty mempool with these bounds.
    pub fn new(limits: MempoolLimits) -> Mempool {
        Mempool {
            limits,
            queue: VecDeque::new(),
            pending: HashSet::new(),
            per_member: HashMap::new(),
            bytes: 0,
            earliest_expiry_ms: u64::MAX,
            expired_total: 0,
        }
    }

    /// The bounds in force.
    pub fn limits(&self) -> MempoolLimits {
        self.limits
    }

    /// Adds a transaction whose stateless checks and signature passed. Refuses, changing
    /// nothing, a pending duplicate, an expired transaction, a signer over its quota, and any
    /// transaction once the pool is full (after dropping the expired ones).
    pub fn insert(&mut self, tx: CheckedTransaction, now_ms: u64) -> Result<(), MempoolError> {
        let expires_at = tx.transaction.body.expires_at;
        if expires_at <= now_ms {
            return Err(MempoolError::Expired { expires_at, now_ms });
        }
        if self.pending.contains(&tx.id) {
            return Err(MempoolError::Duplicate(tx.id));
        }
        let size = transaction_size(&tx);
        if self.over_limits(&tx.transaction.body.signer, size) && now_ms >= self.earliest_expiry_ms
        {
            self.purge_expired(now_ms);
        }
        let member = &tx.transaction.body.signer;
        let limit = self.limits.per_member_max;
        if self.per_member(member) >= limit {
            return Err(MempoolError::QuotaExceeded {
                member: Box::new(member.clone()),
                limit,
            });
        }
        if self.queue.len() >= self.limits.transactions_max
            || self.bytes + size > self.limits.bytes_max
        {
            return Err(MempoolError::Full {
                retry_after_ms: FULL_RETRY_AFTER_MS,
            });
        }
        self.pending.insert(tx.id);
        *self.per_member.entry(member.clone()).or_insert(0) += 1;
        self.bytes += size;
        self.earliest_expiry_ms = self.earliest_expiry_ms.min(expires_at);
        self.queue.push_back(tx);
        Ok(())
    }

    /// Whether a transaction with this id is pending.
    pub fn contains(&self, id: &Hash) -> bool {
        self.pending.contains(id)
    }

    /// Removes and returns the oldest pending transactions, in arrival order: at most
    /// `count_max` of them and at most `bytes_max` bytes in all (sizes as
    /// [`transaction_size`]). Transactions expired at `now_ms` (pass the time of the block
    /// being built) are dropped on the way. The batch stops before the first transaction that
    /// does not fit, so arrival order is kept; one larger than `bytes_max` is never taken.
    pub fn take_batch(
        &mut self,
        now_ms: u64,
        count_max: usize,
        bytes_max: usize,
    ) -> Vec<CheckedTransaction> {
        let mut batch = Vec::new();
        let mut batch_bytes = 0usize;
        while batch.len() < count_max {
            let Some(front) = self.queue.front() else {
                break;
            };
            let size = transaction_size(front);
            let expired = front.transaction.body.expires_at <= now_ms;
            if !expired && batch_bytes + size > bytes_max {
                break;
            }
            let tx = self.queue.pop_front().expect("front exists");
            self.release(&tx);
            if expired {
                self.expired_total += 1;
            } else {
                batch_bytes += size;
                batch.push(tx);
            }
        }
        if self.queue.is_empty() {
            self.earliest_expiry_ms = u64::MAX;
        }
        batch
    }

    /// Pending transactions.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Sum of the pending transactions' sizes, in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Pending transactions signed by `member`.
    pub fn per_member(&self, member: &PublicKey) -> usize {
        self.per_member.get(member).copied().unwrap_or(0)
    }

    /// Transactions dropped because they expired while pending, since the pool was made.
    pub fn expired_total(&self) -> u64 {
        self.expired_total
    }

    fn over_limits(&self, member: &PublicKey, size: usize) -> bool {
        self.per_member(member) >= self.limits.per_member_max
            || self.queue.len() >= self.limits.transactions_max
            || self.bytes + size > self.limits.bytes_max
    }

    /// Drops every transaction expired at `now_ms`, keeping the others in order.
    fn purge_expired(&mut self, now_ms: u64) {
        let queue = std::mem::take(&mut self.queue);
        let mut earliest = u64::MAX;
        for tx in queue {
            let expires_at = tx.transaction.body.expires_at;
            if expires_at <= now_ms {
                self.release(&tx);
                self.expired_total += 1;
            } else {
                earliest = earliest.min(expires_at);
                self.queue.push_back(tx);
            }
        }
        self.earliest_expiry_ms = earliest;
    }

    /// Gives back the id, quota and bytes of a transaction leaving the pool.
    fn release(&mut self, tx: &CheckedTransaction) {
        let removed = self.pending.remove(&tx.id);
        assert!(removed, "a queued transaction is always in the pending set");
        let member = &tx.transaction.body.signer;
        let count = self
            .per_member
            .get_mut(member)
            .expect("a queued transaction's signer is counted");
        *count -= 1;
        if *count == 0 {
            self.per_member.remove(member);
        }
        self.bytes -= transaction_size(tx);
    }
}

#[cfg(test)]
mod tests;
