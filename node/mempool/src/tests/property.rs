//! Property test: random sequences of every operation against a plain model of the pool (a list
//! in arrival order), checking every answer and the pool's internal invariants after each step.

use super::*;
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Expiries of the universe's transactions: two that pass during a run, one that never does.
/// Their lengths differ, so sizes differ too.
const EXPIRIES: [u64; 3] = [900, 4_000, 1_000_000];

/// Every transaction a run may use: 3 signers × 4 salts × 3 expiries, signed once.
fn universe() -> &'static [CheckedTransaction] {
    static UNIVERSE: OnceLock<Vec<CheckedTransaction>> = OnceLock::new();
    UNIVERSE.get_or_init(|| {
        let mut txs = Vec::new();
        for signer in 0..3 {
            for salt in 0..4 {
                for expires_at in EXPIRIES {
                    txs.push(tx(signer, salt, expires_at));
                }
            }
        }
        txs
    })
}

#[derive(Clone, Debug)]
enum Op {
    Insert { tx: usize, local: bool },
    Peek { count_max: usize, bytes_max: usize },
    Take { count_max: usize, bytes_max: usize },
    Remove { txs: Vec<usize> },
    Fresh { count_max: usize, bytes_max: usize },
    Advance { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    let count = 0usize..5;
    // Up to four of the largest transactions, so byte limits bind often.
    let bytes = 0usize..4 * (size() + 4);
    let tx = 0..universe().len();
    prop_oneof![
        4 => (tx.clone(), any::<bool>()).prop_map(|(tx, local)| Op::Insert { tx, local }),
        1 => (count.clone(), bytes.clone())
            .prop_map(|(count_max, bytes_max)| Op::Peek { count_max, bytes_max }),
        1 => (count.clone(), bytes.clone())
            .prop_map(|(count_max, bytes_max)| Op::Take { count_max, bytes_max }),
        1 => proptest::collection::vec(tx, 0..4).prop_map(|txs| Op::Remove { txs }),
        1 => (count, bytes).prop_map(|(count_max, bytes_max)| Op::Fresh { count_max, bytes_max }),
        1 => (0u64..1_500).prop_map(|ms| Op::Advance { ms }),
    ]
}

fn limits() -> impl Strategy<Value = MempoolLimits> {
    (1usize..8, 1usize..8, 1usize..5).prop_map(|(transactions_max, in_txs, per_member_max)| {
        MempoolLimits {
            transactions_max,
            bytes_max: in_txs * size(),
            per_member_max,
        }
    })
}

/// A pending transaction of the model: its index in the universe and whether it waits for gossip.
#[derive(Clone, Copy, Debug)]
struct Pending {
    tx: usize,
    fresh: bool,
}

/// The pool as a plain list in arrival order: the specification, O(n) everywhere.
#[derive(Debug, Default)]
struct Model {
    pending: Vec<Pending>,
    expired_total: u64,
}

fn get(index: usize) -> &'static CheckedTransaction {
    &universe()[index]
}

impl Model {
    fn bytes(&self) -> usize {
        self.pending
            .iter()
            .map(|p| transaction_size(get(p.tx)))
            .sum()
    }

    fn per_member(&self, member: &PublicKey) -> usize {
        let signed = |p: &&Pending| get(p.tx).transaction.body.signer == *member;
        self.pending.iter().filter(signed).count()
    }

    fn insert(
        &mut self,
        index: usize,
        local: bool,
        now_ms: u64,
        limits: MempoolLimits,
    ) -> Result<(), MempoolError> {
        let t = get(index);
        let expires_at = t.transaction.body.expires_at;
        if expires_at <= now_ms {
            return Err(MempoolError::Expired { expires_at, now_ms });
        }
        if self.pending.iter().any(|p| p.tx == index) {
            return Err(MempoolError::Duplicate(t.id));
        }
        let member = &t.transaction.body.signer;
        let size = transaction_size(t);
        let full = |model: &Model| {
            model.pending.len() >= limits.transactions_max
                || model.bytes() + size > limits.bytes_max
        };
        // Observably, the pool drops every expired transaction whenever a limit binds.
        if self.per_member(member) >= limits.per_member_max || full(self) {
            let before = self.pending.len();
            self.pending
                .retain(|p| get(p.tx).transaction.body.expires_at > now_ms);
            self.expired_total += (before - self.pending.len()) as u64;
        }
        if self.per_member(member) >= limits.per_member_max {
            return Err(MempoolError::QuotaExceeded {
                member: Box::new(member.clone()),
                limit: limits.per_member_max,
            });
        }
        if full(self) {
            return Err(MempoolError::Full {
                retry_after_ms: FULL_RETRY_AFTER_MS,
            });
        }
        self.pending.push(Pending {
            tx: index,
            fresh: local,
        });
        Ok(())
    }

    fn batch(&mut self, now_ms: u64, count_max: usize, bytes_max: usize, keep: bool) -> Vec<usize> {
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        let mut position = 0;
        while batch.len() < count_max && position < self.pending.len() {
            let t = get(self.pending[position].tx);
            let size = transaction_size(t);
            if t.transaction.body.expires_at <= now_ms {
                self.pending.remove(position);
                self.expired_total += 1;
                continue;
            }
            if batch_bytes + size > bytes_max {
                break;
            }
            batch_bytes += size;
            batch.push(self.pending[position].tx);
            if keep {
                position += 1;
            } else {
                self.pending.remove(position);
            }
        }
        batch
    }

    fn remove(&mut self, indexes: &[usize]) -> usize {
        let mut removed = 0;
        for index in indexes {
            if let Some(position) = self.pending.iter().position(|p| p.tx == *index) {
                self.pending.remove(position);
                removed += 1;
            }
        }
        removed
    }

    fn fresh(&mut self, count_max: usize, bytes_max: usize) -> Vec<usize> {
        let mut fresh = Vec::new();
        let mut fresh_bytes = 0;
        for p in self.pending.iter_mut().filter(|p| p.fresh) {
            let size = transaction_size(get(p.tx));
            if fresh.len() >= count_max || fresh_bytes + size > bytes_max {
                break;
            }
            fresh_bytes += size;
            p.fresh = false;
            fresh.push(p.tx);
        }
        fresh
    }
}

/// The pool's public counters and its internals agree with the model.
fn check(pool: &Mempool, model: &Model) {
    assert_eq!(pool.len(), model.pending.len(), "len");
    assert_eq!(pool.is_empty(), model.pending.is_empty(), "is_empty");
    assert_eq!(pool.bytes(), model.bytes(), "bytes");
    assert_eq!(pool.expired_total(), model.expired_total, "expired_total");
    for signer in 0..3 {
        let member = key(signer).public_key();
        assert_eq!(
            pool.per_member(&member),
            model.per_member(&member),
            "signer {signer}"
        );
    }
    let counted: usize = pool.per_member.values().sum();
    assert_eq!(counted, pool.len(), "no member counted beyond the live set");
    assert!(
        pool.per_member.values().all(|&count| count > 0),
        "no zero counts kept"
    );
    // Each queue's live slots are exactly the model's transactions, in the model's order.
    let ids = |slots: &VecDeque<Slot>| -> Vec<Hash> {
        let live = slots.iter().filter(|&&slot| pool.live(slot).is_some());
        live.map(|slot| slot.1).collect()
    };
    let order: Vec<Hash> = model.pending.iter().map(|p| get(p.tx).id).collect();
    assert_eq!(ids(&pool.order), order, "arrival order");
    let fresh: Vec<Hash> = model
        .pending
        .iter()
        .filter(|p| p.fresh)
        .map(|p| get(p.tx).id)
        .collect();
    assert_eq!(ids(&pool.gossip), fresh, "gossip queue");
    assert_eq!(pool.gossip_live, fresh.len(), "gossip_live");
    for p in &model.pending {
        assert_eq!(pool.pending[&get(p.tx).id].fresh, p.fresh, "fresh flag");
    }
    assert!(pool.order.len() <= 2 * pool.len(), "order bounded");
    assert!(pool.gossip.len() <= 2 * pool.gossip_live, "gossip bounded");
    let earliest = model
        .pending
        .iter()
        .map(|p| get(p.tx).transaction.body.expires_at);
    assert!(pool.earliest_expiry_ms <= earliest.min().unwrap_or(u64::MAX));
}

fn run(limits: MempoolLimits, ops: Vec<Op>) {
    let mut pool = Mempool::new(limits);
    let mut model = Model::default();
    let mut now_ms = 0u64;
    // Ids removed (committed) and not inserted again: never in a batch.
    let mut removed: HashSet<usize> = HashSet::new();
    // Ids handed out for gossip since their last local insertion: never handed out again.
    let mut handed: HashSet<usize> = HashSet::new();
    let mut local: HashSet<usize> = HashSet::new();
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Insert {
                tx: index,
                local: is_local,
            } => {
                let want = model.insert(index, is_local, now_ms, limits);
                let got = if is_local {
                    pool.insert(get(index).clone(), now_ms)
                } else {
                    pool.insert_from_peer(get(index).clone(), now_ms)
                };
                assert_eq!(got, want, "step {step}");
                if got.is_ok() {
                    removed.remove(&index);
                    handed.remove(&index);
                    if is_local {
                        local.insert(index);
                    } else {
                        local.remove(&index);
                    }
                }
            }
            Op::Peek {
                count_max,
                bytes_max,
            }
            | Op::Take {
                count_max,
                bytes_max,
            } => {
                let keep = matches!(op, Op::Peek { .. });
                let want = model.batch(now_ms, count_max, bytes_max, keep);
                let got = if keep {
                    pool.peek_batch(now_ms, count_max, bytes_max)
                } else {
                    pool.take_batch(now_ms, count_max, bytes_max)
                };
                let got: Vec<Hash> = got.iter().map(|t| t.id).collect();
                let ids: Vec<Hash> = want.iter().map(|&index| get(index).id).collect();
                assert_eq!(got, ids, "step {step}");
                assert!(
                    want.iter().all(|index| !removed.contains(index)),
                    "step {step}"
                );
            }
            Op::Remove { txs } => {
                let ids: Vec<Hash> = txs.iter().map(|&index| get(index).id).collect();
                assert_eq!(pool.remove(&ids), model.remove(&txs), "step {step}");
                removed.extend(txs);
            }
            Op::Fresh {
                count_max,
                bytes_max,
            } => {
                let want = model.fresh(count_max, bytes_max);
                let got = pool.take_fresh(count_max, bytes_max);
                let transactions: Vec<Transaction> = want
                    .iter()
                    .map(|&index| get(index).transaction.clone())
                    .collect();
                assert_eq!(got, transactions, "step {step}");
                for index in want {
                    assert!(local.contains(&index), "step {step}: a peer's transaction");
                    assert!(handed.insert(index), "step {step}: handed out twice");
                }
            }
            Op::Advance { ms } => now_ms += ms,
        }
        check(&pool, &model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_operations_keep_the_invariants(
        limits in limits(),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        run(limits, ops);
    }
}
