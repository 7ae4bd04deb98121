//! Table-driven tests of every mempool rule: each case is a list of steps and their expected outcomes.

mod pending;
mod property;

use super::*;
use zl_types::transaction::ChainBinding;
use zl_types::{Call, CryptoSuite, HashAlgorithm, SecretKey, Transaction, TransactionBody};

const GENESIS: Hash = Hash([7u8; 32]);

/// A checked transaction of signer `signer`, told apart by `salt`, expiring at `expires_at`.
fn tx(signer: u8, salt: u8, expires_at: u64) -> CheckedTransaction {
    let key = key(signer);
    let body = TransactionBody {
        chain_id: "test".into(),
        genesis_hash: GENESIS,
        signer: key.public_key(),
        expires_at,
        salt: format!("{salt:02x}"),
        calls: vec![Call {
            contract: "evidence".into(),
            method: "notarize".into(),
            args: serde_json::json!({}),
        }],
    };
    let chain = ChainBinding {
        chain_id: "test",
        genesis_hash: &GENESIS,
        hash_algorithm: HashAlgorithm::Sha256,
    };
    body.sign(&key)
        .unwrap()
        .check(&chain, expires_at - 1)
        .unwrap()
}

fn key(signer: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[signer + 1; 32]).unwrap()
}

/// When the short-lived test transaction expires.
const SOON: u64 = 10_100;

/// Size of every test transaction (they differ only in same-length fields).
fn size() -> usize {
    transaction_size(&tx(0, 0, 10_000))
}

/// A transaction named by (signer, salt, expires_at).
type Tx = (u8, u8, u64);

#[derive(Debug)]
enum Expect {
    Ok,
    Duplicate,
    Expired,
    Quota { signer: u8, limit: usize },
    Full,
}

enum Step {
    /// `insert` if `local`, else `insert_from_peer`.
    Insert {
        tx: Tx,
        now_ms: u64,
        local: bool,
        expect: Expect,
    },
    /// `peek_batch` if `keep`, else `take_batch`.
    Take {
        now_ms: u64,
        count_max: usize,
        bytes_max: usize,
        keep: bool,
        expect: Vec<Tx>,
    },
    /// `remove` of these transactions' ids, and how many it says it removed.
    Remove { txs: Vec<Tx>, expect: usize },
    /// `take_fresh`, and the transactions it hands out.
    Fresh {
        count_max: usize,
        bytes_max: usize,
        expect: Vec<Tx>,
    },
    /// Pending count (pending bytes must be count × size) and (signer, pending count) pairs.
    Holds {
        len: usize,
        per_member: Vec<(u8, usize)>,
    },
    /// Transactions dropped as expired so far.
    ExpiredTotal(u64),
    /// `contains` and `get` agree with `expect`.
    Contains { tx: Tx, expect: bool },
}

struct Case {
    desc: &'static str,
    limits: MempoolLimits,
    steps: Vec<Step>,
}

fn limits(
    transactions_max: usize,
    bytes_in_txs_max: usize,
    per_member_max: usize,
) -> MempoolLimits {
    MempoolLimits {
        transactions_max,
        bytes_max: bytes_in_txs_max * size(),
        per_member_max,
    }
}

use Step::*;

fn ins(tx: Tx, now_ms: u64, expect: Expect) -> Step {
    Insert {
        tx,
        now_ms,
        local: true,
        expect,
    }
}

fn take(now_ms: u64, count_max: usize, bytes_max: usize, expect: Vec<Tx>) -> Step {
    Take {
        now_ms,
        count_max,
        bytes_max,
        keep: false,
        expect,
    }
}

fn cases() -> Vec<Case> {
    // Every expiry has five digits, so every transaction has the same size.
    let a1 = (0, 1, 90_000);
    let a2 = (0, 2, 90_000);
    let a3 = (0, 3, 90_000);
    let b1 = (1, 1, 90_000);
    let soon = (1, 9, SOON);
    let all = usize::MAX;
    vec![
        Case {
            desc: "dedup: the same id twice is refused while pending, and counted once",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a1, 5, Expect::Duplicate),
                Holds {
                    len: 1,
                    per_member: vec![(0, 1)],
                },
                Contains {
                    tx: a1,
                    expect: true,
                },
                Contains {
                    tx: a2,
                    expect: false,
                },
            ],
        },
        Case {
            desc: "dedup: an id taken for a block is no longer pending",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                take(1, all, all, vec![a1]),
                Contains {
                    tx: a1,
                    expect: false,
                },
            ],
        },
        Case {
            desc: "quota: a member may hold per_member_max pending, others are not affected",
            limits: limits(100, 100, 2),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(
                    a3,
                    0,
                    Expect::Quota {
                        signer: 0,
                        limit: 2,
                    },
                ),
                ins(b1, 0, Expect::Ok),
                Holds {
                    len: 3,
                    per_member: vec![(0, 2), (1, 1)],
                },
            ],
        },
        Case {
            desc: "quota: taking a member's transactions gives its quota back",
            limits: limits(100, 100, 2),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                take(0, 1, all, vec![a1]),
                ins(a3, 0, Expect::Ok),
                Holds {
                    len: 2,
                    per_member: vec![(0, 2)],
                },
            ],
        },
        Case {
            desc:
                "full by count: the transaction past transactions_max is refused with a retry hint",
            limits: limits(2, 100, 100),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                ins(a2, 0, Expect::Full),
                Holds {
                    len: 2,
                    per_member: vec![(0, 1), (1, 1)],
                },
            ],
        },
        Case {
            desc: "full by bytes: the transaction past bytes_max is refused",
            limits: limits(100, 2, 100),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(b1, 0, Expect::Full),
                take(0, 1, all, vec![a1]),
                ins(b1, 0, Expect::Ok),
                Holds {
                    len: 2,
                    per_member: vec![(0, 1), (1, 1)],
                },
            ],
        },
        Case {
            desc: "expiry: a transaction expiring at or before now is refused",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(soon, SOON, Expect::Expired),
                ins(soon, SOON + 1, Expect::Expired),
                Holds {
                    len: 0,
                    per_member: vec![(1, 0)],
                },
            ],
        },
        Case {
            desc: "expiry: a full pool drops expired transactions to make room",
            limits: limits(2, 100, 100),
            steps: vec![
                ins(soon, 0, Expect::Ok),
                ins(a1, 0, Expect::Ok),
                ins(a2, SOON - 50, Expect::Full),
                ins(a2, SOON, Expect::Ok),
                Holds {
                    len: 2,
                    per_member: vec![(0, 2), (1, 0)],
                },
                take(SOON, all, all, vec![a1, a2]),
            ],
        },
        Case {
            desc: "expiry: a member's expired transactions stop counting against its quota",
            limits: limits(100, 100, 1),
            steps: vec![
                ins(soon, 0, Expect::Ok),
                ins(
                    b1,
                    SOON - 1,
                    Expect::Quota {
                        signer: 1,
                        limit: 1,
                    },
                ),
                ins(b1, SOON, Expect::Ok),
                Holds {
                    len: 1,
                    per_member: vec![(1, 1)],
                },
            ],
        },
        Case {
            desc: "take: arrival order, expired ones dropped on the way",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(soon, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                take(SOON, all, all, vec![a1, b1, a2]),
                Holds {
                    len: 0,
                    per_member: vec![(0, 0), (1, 0)],
                },
            ],
        },
        Case {
            desc: "take: count_max and bytes_max bound the batch, order is kept",
            limits: MempoolLimits::default(),
            steps: vec![
                ins(a1, 0, Expect::Ok),
                ins(a2, 0, Expect::Ok),
                ins(a3, 0, Expect::Ok),
                ins(b1, 0, Expect::Ok),
                take(0, 0, all, vec![]),
                take(0, 2, all, vec![a1, a2]),
                take(0, all, size() - 1, vec![]),
                take(0, all, 2 * size() - 1, vec![a3]),
                Holds {
                    len: 1,
                    per_member: vec![(0, 0), (1, 1)],
                },
                take(0, all, all, vec![b1]),
                take(0, all, all, vec![]),
            ],
        },
    ]
}

fn id(tx_name: Tx) -> Hash {
    tx(tx_name.0, tx_name.1, tx_name.2).id
}

#[test]
fn every_rule() {
    for case in cases().into_iter().chain(pending::cases()) {
        let mut pool = Mempool::new(case.limits);
        for (number, step) in case.steps.into_iter().enumerate() {
            let at = format!("{} (step {number})", case.desc);
            match step {
                Insert {
                    tx: t,
                    now_ms,
                    local,
                    expect,
                } => {
                    let outcome = if local {
                        pool.insert(tx(t.0, t.1, t.2), now_ms)
                    } else {
                        pool.insert_from_peer(tx(t.0, t.1, t.2), now_ms)
                    };
                    let matches = match (&outcome, &expect) {
                        (Ok(()), Expect::Ok) => true,
                        (Err(MempoolError::Duplicate(dup)), Expect::Duplicate) => *dup == id(t),
                        (
                            Err(MempoolError::Expired {
                                expires_at,
                                now_ms: now,
                            }),
                            Expect::Expired,
                        ) => *expires_at == t.2 && *now == now_ms,
                        (
                            Err(MempoolError::QuotaExceeded { member, limit }),
                            Expect::Quota { signer, limit: l },
                        ) => **member == key(*signer).public_key() && limit == l,
                        (Err(MempoolError::Full { retry_after_ms }), Expect::Full) => {
                            *retry_after_ms == FULL_RETRY_AFTER_MS
                        }
                        _ => false,
                    };
                    assert!(matches, "{at}: got {outcome:?}, expected {expect:?}");
                }
                Take {
                    now_ms,
                    count_max,
                    bytes_max,
                    keep,
                    expect,
                } => {
                    let batch = if keep {
                        pool.peek_batch(now_ms, count_max, bytes_max)
                    } else {
                        pool.take_batch(now_ms, count_max, bytes_max)
                    };
                    let got: Vec<Hash> = batch.iter().map(|t| t.id).collect();
                    let want: Vec<Hash> = expect.into_iter().map(id).collect();
                    assert_eq!(got, want, "{at}");
                    for t in &batch {
                        assert_eq!(pool.contains(&t.id), keep, "{at}: stays pending iff peeked");
                    }
                }
                Remove { txs, expect } => {
                    let ids: Vec<Hash> = txs.into_iter().map(id).collect();
                    assert_eq!(pool.remove(&ids), expect, "{at}");
                    for removed in &ids {
                        assert!(!pool.contains(removed), "{at}: removed {removed}");
                    }
                }
                Fresh {
                    count_max,
                    bytes_max,
                    expect,
                } => {
                    let got = pool.take_fresh(count_max, bytes_max);
                    let want: Vec<Transaction> = expect
                        .into_iter()
                        .map(|t| tx(t.0, t.1, t.2).transaction)
                        .collect();
                    assert_eq!(got, want, "{at}");
                }
                Holds { len, per_member } => {
                    assert_eq!(pool.len(), len, "{at}: len");
                    assert_eq!(pool.is_empty(), len == 0, "{at}: is_empty");
                    assert_eq!(pool.bytes(), len * size(), "{at}: bytes");
                    for (signer, count) in per_member {
                        assert_eq!(
                            pool.per_member(&key(signer).public_key()),
                            count,
                            "{at}: signer {signer}"
                        );
                    }
                }
                ExpiredTotal(total) => assert_eq!(pool.expired_total(), total, "{at}"),
                Contains { tx: t, expect } => {
                    assert_eq!(pool.contains(&id(t)), expect, "{at}: contains");
                    let got = pool.get(&id(t)).map(|t| t.id);
                    assert_eq!(got, expect.then(|| id(t)), "{at}: get");
                }
            }
        }
    }
}

#[test]
fn expired_ones_are_counted() {
    let mut pool = Mempool::new(limits(1, 100, 100));
    pool.insert(tx(0, 1, 100), 0).unwrap();
    pool.insert(tx(0, 2, 200), 150).unwrap();
    assert_eq!(pool.expired_total(), 1);
    assert!(pool.take_batch(200, usize::MAX, usize::MAX).is_empty());
    assert_eq!(pool.expired_total(), 2);
    assert_eq!((pool.len(), pool.bytes()), (0, 0));
}

#[test]
fn refusals_change_nothing() {
    let mut pool = Mempool::new(limits(1, 100, 100));
    pool.insert(tx(0, 1, 90_000), 0).unwrap();
    let before = (
        pool.len(),
        pool.bytes(),
        pool.per_member(&key(1).public_key()),
    );
    assert!(pool.insert(tx(1, 1, 90_000), 0).is_err());
    assert!(pool.insert(tx(1, 2, 5), 10).is_err());
    assert_eq!(
        (
            pool.len(),
            pool.bytes(),
            pool.per_member(&key(1).public_key())
        ),
        before
    );
    assert!(!pool.contains(&tx(1, 1, 90_000).id));
}

#[test]
fn error_messages_say_what_to_do() {
    let full = MempoolError::Full {
        retry_after_ms: 1_000,
    }
    .to_string();
    assert!(full.contains("retry in 1000 ms"), "{full}");
    let quota = MempoolError::QuotaExceeded {
        member: Box::new(key(0).public_key()),
        limit: 3,
    }
    .to_string();
    assert!(quota.contains("ed25519:") && quota.contains("3"), "{quota}");
}
