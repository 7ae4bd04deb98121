//! The mempool: pending transactions, FIFO, deduplicated by id, with per-member quotas, expiry,
//! hard bounds and a queue of local transactions to gossip. Pure: the time is a parameter of
//! every call that needs it.
#![forbid(unsafe_code)]

pub mod error;
pub mod limits;
mod take;

pub use error::MempoolError;
pub use limits::{
    MempoolLimits, BYTES_MAX_DEFAULT, FULL_RETRY_AFTER_MS, PER_MEMBER_MAX_DEFAULT,
    TRANSACTIONS_MAX_DEFAULT, TRANSACTION_OVERHEAD_BYTES, TRANSACTION_SIZE_MAX,
};

use std::collections::{HashMap, VecDeque};
use zl_types::{CheckedTransaction, Hash, PublicKey};

/// The bytes a transaction counts for against [`MempoolLimits::bytes_max`]:
/// its signing bytes plus [`TRANSACTION_OVERHEAD_BYTES`].
pub fn transaction_size(tx: &CheckedTransaction) -> usize {
    tx.signing_bytes.len() + TRANSACTION_OVERHEAD_BYTES
}

/// Checked, signature-verified transactions waiting for a block, oldest first.
///
/// A transaction stays pending until [`Mempool::remove`] (its block committed),
/// [`Mempool::take_batch`] or its expiry: a proposer [peeks](Mempool::peek_batch) at the
/// transactions of a block that may still fail to commit. Transactions come from the local API
/// ([`Mempool::insert`]) or from peers ([`Mempool::insert_from_peer`]); only local ones wait in
/// the gossip queue ([`Mempool::take_fresh`]), so each body crosses the network to each node once.
///
/// It knows only what is pending: whether an id was already committed is the ledger's
/// question, asked before insertion.
#[derive(Debug)]
pub struct Mempool {
    limits: MempoolLimits,
    pending: HashMap<Hash, Entry>,
    /// Arrival order, oldest first. A transaction leaving the pool leaves its slot behind
    /// (removing from the middle of a queue is O(n)); stale slots are skipped when met and
    /// compacted away once they outnumber the live ones, so the queue stays under
    /// `2 × len + 1` slots and every operation stays O(1) amortised.
    order: VecDeque<Slot>,
    /// Local transactions not yet handed out for gossip, oldest first; lazy like `order`.
    gossip: VecDeque<Slot>,
    /// Live slots in `gossip`: pending transactions with [`Entry::fresh`] set.
    gossip_live: usize,
    /// The number of the next insertion.
    next_seq: u64,
    per_member: HashMap<PublicKey, usize>,
    bytes: usize,
    /// No pending transaction expires before this (a lower bound, exact after a purge),
    /// so a full pool scans for expired ones only when one may have expired.
    earliest_expiry_ms: u64,
    expired_total: u64,
}

/// A pending transaction and its bookkeeping.
#[derive(Debug)]
struct Entry {
    tx: CheckedTransaction,
    /// The insertion's number. A slot stands for this entry only if its number matches, so the
    /// slot of a removed transaction never stands for a later insertion of the same id.
    seq: u64,
    /// Inserted locally and not yet handed out by [`Mempool::take_fresh`].
    fresh: bool,
}

/// A place in a lazy queue: the insertion number and the transaction id.
type Slot = (u64, Hash);

impl Mempool {
    /// An empty mempool with these bounds.
    pub fn new(limits: MempoolLimits) -> Mempool {
        Mempool {
            limits,
            pending: HashMap::new(),
            order: VecDeque::new(),
            gossip: VecDeque::new(),
            gossip_live: 0,
            next_seq: 0,
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

    /// Adds a transaction submitted to this node, whose stateless checks and signature passed;
    /// it also waits to be gossiped ([`Mempool::take_fresh`]). Refuses, changing nothing, a
    /// pending duplicate, an expired transaction, a signer over its quota, and any transaction
    /// once the pool is full (after dropping the expired ones).
    pub fn insert(&mut self, tx: CheckedTransaction, now_ms: u64) -> Result<(), MempoolError> {
        self.admit(tx, now_ms, true)
    }

    /// Adds a transaction received from a peer: the checks and bounds of [`Mempool::insert`],
    /// but it is not gossiped again (its sender gossips it).
    pub fn insert_from_peer(
        &mut self,
        tx: CheckedTransaction,
        now_ms: u64,
    ) -> Result<(), MempoolError> {
        self.admit(tx, now_ms, false)
    }

    /// Whether a transaction with this id is pending.
    pub fn contains(&self, id: &Hash) -> bool {
        self.pending.contains_key(id)
    }

    /// The pending transaction with this id.
    pub fn get(&self, id: &Hash) -> Option<&CheckedTransaction> {
        self.pending.get(id).map(|entry| &entry.tx)
    }

    /// Pending transactions.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
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

    fn admit(
        &mut self,
        tx: CheckedTransaction,
        now_ms: u64,
        local: bool,
    ) -> Result<(), MempoolError> {
        let expires_at = tx.transaction.body.expires_at;
        if expires_at <= now_ms {
            return Err(MempoolError::Expired { expires_at, now_ms });
        }
        if self.pending.contains_key(&tx.id) {
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
        if self.pending.len() >= self.limits.transactions_max
            || self.bytes + size > self.limits.bytes_max
        {
            return Err(MempoolError::Full {
                retry_after_ms: FULL_RETRY_AFTER_MS,
            });
        }
        *self.per_member.entry(member.clone()).or_insert(0) += 1;
        self.bytes += size;
        self.earliest_expiry_ms = self.earliest_expiry_ms.min(expires_at);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((seq, tx.id));
        if local {
            self.gossip.push_back((seq, tx.id));
            self.gossip_live += 1;
        }
        let previous = self.pending.insert(
            tx.id,
            Entry {
                tx,
                seq,
                fresh: local,
            },
        );
        assert!(previous.is_none(), "a pending id is refused as a duplicate");
        Ok(())
    }

    fn over_limits(&self, member: &PublicKey, size: usize) -> bool {
        self.per_member(member) >= self.limits.per_member_max
            || self.pending.len() >= self.limits.transactions_max
            || self.bytes + size > self.limits.bytes_max
    }

    /// The entry a slot stands for, if that insertion is still pending.
    fn live(&self, (seq, id): Slot) -> Option<&Entry> {
        self.pending.get(&id).filter(|entry| entry.seq == seq)
    }

    /// Drops every transaction expired at `now_ms`, keeping the others in order. O(n): run
    /// only when the pool is over a limit and a transaction may have expired.
    fn purge_expired(&mut self, now_ms: u64) {
        let order = std::mem::replace(&mut self.order, VecDeque::with_capacity(self.pending.len()));
        let mut earliest = u64::MAX;
        for slot in order {
            let Some(entry) = self.live(slot) else {
                continue;
            };
            let expires_at = entry.tx.transaction.body.expires_at;
            if expires_at <= now_ms {
                self.release(&slot.1);
                self.expired_total += 1;
            } else {
                earliest = earliest.min(expires_at);
                self.order.push_back(slot);
            }
        }
        self.earliest_expiry_ms = earliest;
        self.compact();
    }

    /// Takes a transaction out of the pool, giving back its quota and bytes; `None` if the id is
    /// not pending. Its slots go stale: call [`Mempool::compact`] once done.
    fn release(&mut self, id: &Hash) -> Option<CheckedTransaction> {
        let entry = self.pending.remove(id)?;
        let member = &entry.tx.transaction.body.signer;
        let count = self
            .per_member
            .get_mut(member)
            .expect("a pending transaction's signer is counted");
        *count -= 1;
        if *count == 0 {
            self.per_member.remove(member);
        }
        self.bytes -= transaction_size(&entry.tx);
        if entry.fresh {
            self.gossip_live -= 1;
        }
        Some(entry.tx)
    }

    /// Drops the stale slots of a queue once they outnumber the live ones: each compaction
    /// costs at most twice the stale slots it drops, each left by one O(1) removal.
    fn compact(&mut self) {
        if self.pending.is_empty() {
            self.earliest_expiry_ms = u64::MAX;
        }
        let pending = &self.pending;
        let is_live = |&(seq, id): &Slot| pending.get(&id).is_some_and(|entry| entry.seq == seq);
        let live = pending.len();
        if self.order.len() - live > live {
            self.order.retain(is_live);
        }
        // A live gossip slot's entry is fresh: handing one out pops its slot.
        if self.gossip.len() - self.gossip_live > self.gossip_live {
            self.gossip.retain(is_live);
        }
    }
}

#[cfg(test)]
mod tests;
