//! Taking transactions out: batches for blocks (peeked or taken), removal of committed ones, and
//! the local transactions to gossip.

use crate::{transaction_size, Mempool};
use zl_types::{CheckedTransaction, Hash, Transaction};

impl Mempool {
    /// The oldest pending transactions, in arrival order, cloned out: they STAY pending until
    /// [`Mempool::remove`] (the block carrying them may fail to commit). At most `count_max` of
    /// them and at most `bytes_max` bytes in all (sizes as [`transaction_size`]). Transactions
    /// expired at `now_ms` (pass the time of the block being built) are dropped on the way and
    /// counted in [`Mempool::expired_total`]. The batch stops before the first transaction that
    /// does not fit, so arrival order is kept; one larger than `bytes_max` is never returned
    /// (pass at least [`crate::TRANSACTION_SIZE_MAX`] so none blocks the queue).
    ///
    /// O(returned + stale slots skipped): a skipped slot is dropped, so it is paid for once.
    pub fn peek_batch(
        &mut self,
        now_ms: u64,
        count_max: usize,
        bytes_max: usize,
    ) -> Vec<CheckedTransaction> {
        self.batch(now_ms, count_max, bytes_max, true)
    }

    /// [`Mempool::peek_batch`] then [`Mempool::remove`] of the batch: the returned transactions
    /// leave the pool (moved out, not cloned).
    pub fn take_batch(
        &mut self,
        now_ms: u64,
        count_max: usize,
        bytes_max: usize,
    ) -> Vec<CheckedTransaction> {
        self.batch(now_ms, count_max, bytes_max, false)
    }

    /// Removes the pending transactions with these ids (committed in a block), giving back their
    /// quota and bytes; ids not pending are ignored. Returns how many were removed.
    /// O(ids) amortised.
    pub fn remove(&mut self, ids: &[Hash]) -> usize {
        let removed = ids.iter().filter(|id| self.release(id).is_some()).count();
        self.compact();
        removed
    }

    /// The locally inserted transactions not yet handed out for gossip, oldest first: at most
    /// `count_max` of them and at most `bytes_max` bytes in all (sizes as [`transaction_size`]),
    /// stopping before the first that does not fit (pass at least
    /// [`crate::TRANSACTION_SIZE_MAX`] so none blocks the queue). Each is handed out once;
    /// transactions no longer pending (removed, taken or dropped as expired) are skipped. One
    /// expired but not yet dropped may be handed out: the pool drops expired ones only when told
    /// the time, and peers refuse it on arrival. O(returned + stale slots skipped).
    pub fn take_fresh(&mut self, count_max: usize, bytes_max: usize) -> Vec<Transaction> {
        let mut fresh = Vec::new();
        let mut fresh_bytes = 0usize;
        while fresh.len() < count_max {
            let Some(&(seq, id)) = self.gossip.front() else {
                break;
            };
            let Some(entry) = self.pending.get_mut(&id).filter(|entry| entry.seq == seq) else {
                self.gossip.pop_front();
                continue;
            };
            assert!(
                entry.fresh,
                "a live gossip slot stands for a fresh transaction"
            );
            let size = transaction_size(&entry.tx);
            if fresh_bytes + size > bytes_max {
                break;
            }
            entry.fresh = false;
            fresh.push(entry.tx.transaction.clone());
            fresh_bytes += size;
            self.gossip_live -= 1;
            self.gossip.pop_front();
        }
        // Handing out lowers the live count under the stale slots left behind.
        self.compact();
        fresh
    }

    /// The batch of [`Mempool::peek_batch`]; `keep` says whether the batch stays pending.
    fn batch(
        &mut self,
        now_ms: u64,
        count_max: usize,
        bytes_max: usize,
        keep: bool,
    ) -> Vec<CheckedTransaction> {
        let mut batch = Vec::new();
        // Slots of the peeked transactions, popped so the stale slots between them are dropped,
        // and pushed back once done.
        let mut kept = Vec::new();
        let mut batch_bytes = 0usize;
        while batch.len() < count_max {
            let Some(&slot) = self.order.front() else {
                break;
            };
            let Some(entry) = self.live(slot) else {
                self.order.pop_front();
                continue;
            };
            let size = transaction_size(&entry.tx);
            let expired = entry.tx.transaction.body.expires_at <= now_ms;
            if !expired && batch_bytes + size > bytes_max {
                break;
            }
            if expired {
                self.release(&slot.1);
                self.expired_total += 1;
            } else if keep {
                batch.push(entry.tx.clone());
                kept.push(slot);
                batch_bytes += size;
            } else {
                batch.push(self.release(&slot.1).expect("a live slot's id is pending"));
                batch_bytes += size;
            }
            self.order.pop_front();
        }
        for slot in kept.into_iter().rev() {
            self.order.push_front(slot);
        }
        self.compact();
        batch
    }
}
