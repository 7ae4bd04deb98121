//! Table cases of the multi-validator rules: peeked batches stay pending until removed,
//! peers' transactions are admitted alike, and only local ones are handed out for gossip.

use super::*;

fn ins_peer(tx: Tx, now_ms: u64, expect: Expect) -> Step {
    Insert {
        tx,
        now_ms,
        local: false,
        expect,
    }
}

fn peek(now_ms: u64, count_max: usize, bytes_max: usize, expect: Vec<Tx>) -> Step {
    Take {
        now_ms,
        count_max,
        bytes_max,
        keep: true,
        expect,
    }
}

fn remove(txs: Vec<Tx>, expect: usize) -> Step {
    Remove { txs, expect }
}

fn fresh(count_max: usize, bytes_max: usize, expect: Vec<Tx>) -> Step {
    Fresh {
        count_max,
        bytes_max,
        expect,
    }
}

fn holds(len: usize, per_member: Vec<(u8, usize)>) -> Step {
    Holds { len, per_member }
}

fn contains(tx: Tx, expect: bool) -> Step {
    Contains { tx, expect }
}

pub(super) fn cases() -> Vec<Case> {
    // Every expiry has five digits, so every transaction has the same size.
    let a1 = (0, 1, 90_000);
    let a2 = (0, 2, 90_000);
    let a3 = (0, 3, 90_000);
    let b1 = (1, 1, 90_000);
    let c1 = (2, 1, 90_000);
    let soon = (1, 9, SOON);
    let all = usize::MAX;
    vec![
        Case {
            desc: "peek: the batch stays pending, so the next peek returns it again",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                peek(0, all, all, vec![a1, b1, a2]),
                holds(3, vec![(0, 2), (1, 1)]),
                peek(0, 2, all, vec![a1, b1]),
                contains(a1, true),
                take(0, all, all, vec![a1, b1, a2]),
                holds(0, vec![(0, 0), (1, 0)]),
            ],
        },
        Case {
            desc: "peek: count_max and bytes_max bound it; it stops before the first that does not fit",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                peek(0, 0, all, vec![]),
                peek(0, all, size() - 1, vec![]),
                peek(0, all, 2 * size() - 1, vec![a1]),
                peek(0, 2, all, vec![a1, a2]),
                holds(3, vec![(0, 3)]),
            ],
        },
        Case {
            desc: "peek: expired ones are dropped on the way and counted",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(soon, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                peek(SOON - 1, all, all, vec![a1, soon, b1]),
                ExpiredTotal(0),
                peek(SOON, all, all, vec![a1, b1]),
                ExpiredTotal(1),
                contains(soon, false),
                holds(2, vec![(0, 1), (1, 1)]),
            ],
        },
        Case {
            desc: "remove: committed ids leave with their quota and bytes, ids not pending are ignored",
            limits: limits(100, 100, 2),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                remove(vec![a1, b1, a1], 1),
                contains(a1, false),
                holds(1, vec![(0, 1)]),
                ins(a3, 0, Expect::Ok),
                peek(0, all, all, vec![a2, a3]),
                remove(vec![], 0),
            ],
        },
        Case {
            desc: "remove after peek: the committed batch leaves, the rest comes next",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                peek(0, 2, all, vec![a1, a2]),
                remove(vec![a2, a1], 2),
                peek(0, all, all, vec![a3]),
                holds(1, vec![(0, 1)]),
            ],
        },
        Case {
            desc: "remove from the middle keeps the order of the rest",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                remove(vec![a2, b1], 2),
                peek(0, all, all, vec![a1, a3]),
                take(0, 1, all, vec![a1]),
                peek(0, all, all, vec![a3]),
            ],
        },
        Case {
            desc: "remove: an id inserted again after removal goes to the back, once",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                remove(vec![a1], 1),
                ins(a1, 0, Expect::Ok),
                peek(0, all, all, vec![a2, a1]),
                fresh(all, all, vec![a2, a1]),
                take(0, all, all, vec![a2, a1]),
                holds(0, vec![(0, 0)]),
            ],
        },
        Case {
            desc: "insert_from_peer: the checks and bounds of insert",
            limits: limits(2, 100, 1),
            steps: vec![
                ins_peer(a1, 0, Expect::Ok),
                ins_peer(a1, 0, Expect::Duplicate),
                ins(a1, 0, Expect::Duplicate),
                ins_peer(
                    a2,
                    0,
                    Expect::Quota {
                        signer: 0,
                        limit: 1,
                    },
                ),
                ins_peer(soon, SOON, Expect::Expired),
                ins_peer(b1, 0, Expect::Ok),
                ins_peer(c1, 0, Expect::Full),
                holds(2, vec![(0, 1), (1, 1), (2, 0)]),
                peek(0, all, all, vec![a1, b1]),
            ],
        },
        Case {
            desc: "take_fresh: only local transactions, oldest first, each once; they stay pending",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins_peer(b1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                fresh(all, all, vec![a1, a2]),
                fresh(all, all, vec![]),
                holds(3, vec![(0, 2), (1, 1)]),
                peek(0, all, all, vec![a1, b1, a2]),
            ],
        },
        Case {
            desc: "take_fresh: count_max and bytes_max bound it; the rest comes next time",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                fresh(0, all, vec![]),
                fresh(all, size() - 1, vec![]),
                fresh(1, all, vec![a1]),
                fresh(all, 2 * size() - 1, vec![a2]),
                fresh(all, all, vec![a3]),
                fresh(all, all, vec![]),
            ],
        },
        Case {
            desc: "take_fresh: removed, taken and expired-and-dropped transactions are skipped",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(soon, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                remove(vec![a2], 1),
                take(0, 1, all, vec![a1]),
                peek(SOON, all, all, vec![a3]),
                ExpiredTotal(1),
                fresh(all, all, vec![a3]),
            ],
        },
        Case {
            desc: "take_fresh: a peer's copy of a transaction already gossiped is not gossiped back",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                fresh(all, all, vec![a1]),
                remove(vec![a1], 1),
                ins_peer(a1, 0, Expect::Ok),
                fresh(all, all, vec![]),
                contains(a1, true),
            ],
        },
        Case {
            desc: "take_fresh: a full pool's expiry purge leaves the gossip queue right",
            limits: limits(2, 100, 100),
            steps: vec![
                ins(soon, 0, Expect::Ok),
                ins(a1, 0, Expect::Ok),
                ins(a2, SOON, Expect::Ok),
                ExpiredTotal(1),
                fresh(all, all, vec![a1, a2]),
                holds(2, vec![(0, 2), (1, 0)]),
            ],
        },
    ]
}

#[test]
fn get_returns_the_pending_transaction() {
    let mut pool = Mempool::new(MempoolLimits::default());
    let local = tx(0, 1, 90_000);
    let peer = tx(1, 1, 90_000);
    pool.insert(local.clone(), 0).unwrap();
    pool.insert_from_peer(peer.clone(), 0).unwrap();
    for sent in [&local, &peer] {
        let got = pool.get(&sent.id).expect("pending");
        assert_eq!(got.id, sent.id);
        assert_eq!(got.transaction, sent.transaction);
        assert_eq!(got.signing_bytes, sent.signing_bytes);
    }
    assert!(pool.get(&tx(2, 1, 90_000).id).is_none());
    pool.remove(&[local.id]);
    assert!(pool.get(&local.id).is_none());
}

/// Committing in an order other than arrival leaves stale slots behind; the lazy queues
/// must not grow past twice the live transactions however long the pool runs.
#[test]
fn lazy_queues_stay_bounded() {
    let mut pool = Mempool::new(MempoolLimits::default());
    let txs: Vec<CheckedTransaction> = (0..64).map(|salt| tx(0, salt, 90_000)).collect();
    for round in 0..20 {
        for t in &txs {
            pool.insert(t.clone(), 0).unwrap();
        }
        // Commit every second one, newest first, as another proposer's block might.
        let ids: Vec<Hash> = txs.iter().rev().step_by(2).map(|t| t.id).collect();
        assert_eq!(pool.remove(&ids), 32, "round {round}");
        assert!(pool.order.len() <= 2 * pool.len(), "round {round}");
        assert!(pool.gossip.len() <= 2 * pool.gossip_live, "round {round}");
        let rest: Vec<Hash> = txs.iter().map(|t| t.id).collect();
        assert_eq!(pool.remove(&rest), 32, "round {round}");
        assert_eq!(
            (pool.order.len(), pool.gossip.len()),
            (0, 0),
            "round {round}"
        );
    }
    assert_eq!(pool.bytes(), 0);
}
