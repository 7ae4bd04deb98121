//! Ledger tests of the chain itself: opening, reopening, execution rules, commits and refusals.

mod common;

use common::{digest, notarize, revoke, Chain, Keys, GENESIS_TIME};
use std::sync::atomic::{AtomicBool, Ordering};
use zl_ledger::{Ledger, LedgerError, FORMAT_VERSION};
use zl_types::transaction::outcome_leaf;
use zl_types::{merkle, CryptoSuite};

#[test]
fn a_new_ledger_starts_at_the_genesis_and_reopens_where_it_stopped() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    assert_eq!(chain.ledger.height(), 0);
    assert!(chain.ledger.tip().is_none());
    assert_eq!(chain.ledger.evidence_log_size(), 0);
    let submitter = chain
        .ledger
        .member(&chain.keys.submitter.public_key())
        .unwrap()
        .expect("a genesis member");
    assert_eq!(submitter.name, "submitter");
    assert!(chain
        .ledger
        .member(&chain.keys.outsider.public_key())
        .unwrap()
        .is_none());

    let alg = chain.alg();
    let (_, first) = chain.produce(vec![chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 1)])],
    )]);
    assert_eq!(first.header.previous_hash, chain.ledger.genesis_hash());
    let (_, second) = chain.produce(vec![]);
    assert_eq!(second.header.previous_hash, first.hash);
    assert_eq!(second.header.evidence_log_size, 1);

    let chain = chain.reopen();
    assert_eq!(chain.ledger.height(), 2);
    let tip = chain.ledger.tip().expect("a tip after two blocks");
    assert_eq!(tip.hash, second.hash);
    assert_eq!(tip.header, second.header);
    assert_eq!(chain.ledger.evidence_log_size(), 1);
    assert_eq!(chain.ledger.block(1).unwrap().unwrap().hash, first.hash);
    assert!(chain.ledger.block(3).unwrap().is_none());
    // The chain continues on the reopened ledger.
    let (_, third) = chain.produce(vec![]);
    assert_eq!((third.height, third.header.previous_hash), (3, second.hash));
    assert!(chain.ledger.disk_bytes() > 0);
}

#[test]
fn block_time_must_increase() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let proposer = chain.keys.validator.public_key();
    let err = chain
        .ledger
        .execute(vec![], GENESIS_TIME, proposer.clone())
        .unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::TimeNotIncreasing {
                time: GENESIS_TIME,
                previous: GENESIS_TIME
            }
        ),
        "{err}"
    );
    chain.produce(vec![]);
    let tip_time = chain.ledger.tip().unwrap().header.time;
    let err = chain
        .ledger
        .execute(vec![], tip_time - 1, proposer)
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::TimeNotIncreasing { previous, .. } if previous == tip_time),
        "{err}"
    );
}

#[test]
fn a_failed_call_is_included_and_changes_nothing() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    let failing = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 7)]), revoke(99, "no such")],
    );
    let outsider = chain.tx(
        &chain.keys.outsider,
        vec![notarize(alg, vec![digest(alg, 8)])],
    );
    let (executed, block) = chain.produce(vec![failing.clone(), outsider.clone()]);

    assert_eq!(block.transaction_ids, vec![failing.id, outsider.id]);
    let outcome = &executed[0].outcome;
    assert!(!outcome.ok);
    let error = outcome.error.as_ref().unwrap();
    assert_eq!(error.code, "not_found");
    assert!(error.message.contains("call 1"), "{}", error.message);
    assert!(outcome.events.is_empty());
    assert_eq!(
        executed[1].outcome.error.as_ref().unwrap().code,
        "unauthorized"
    );
    // The first call's record was discarded with the failed transaction.
    assert_eq!(block.header.evidence_log_size, 0);
    assert_eq!(block.header.evidence_log_root, merkle::empty_root(alg));
    assert_eq!(chain.ledger.evidence_log_size(), 0);
    assert!(chain
        .ledger
        .evidence_by_digest(&digest(alg, 7), 10)
        .unwrap()
        .is_empty());
    assert!(chain.ledger.evidence_record(0).unwrap().is_none());
    assert_eq!(block.header.event_root, merkle::empty_root(alg));
    let info = chain.ledger.transaction(&failing.id).unwrap().unwrap();
    assert_eq!((info.height, info.index, info.outcome.ok), (1, 0, false));
}

#[test]
fn duplicate_transactions_are_dropped() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    let a = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 1)])],
    );
    let b = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 2)])],
    );
    let (_, first) = chain.produce(vec![a.clone(), b.clone(), a.clone()]);
    assert_eq!(first.transaction_ids, vec![a.id, b.id]);
    assert_eq!(first.header.transaction_count, 2);
    assert!(chain.ledger.contains_transaction(&a.id).unwrap());

    let c = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 3)])],
    );
    let (_, second) = chain.produce(vec![b.clone(), c.clone(), a]);
    assert_eq!(second.transaction_ids, vec![c.id]);
    assert_eq!(chain.ledger.evidence_log_size(), 3);
    assert_eq!(chain.ledger.transaction(&b.id).unwrap().unwrap().height, 1);
}

#[test]
fn a_transaction_expired_at_the_block_time_is_dropped() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    let tx = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 1)])],
    );
    let expires_at = tx.transaction.body.expires_at;
    let block = chain
        .ledger
        .execute(
            vec![tx.clone()],
            expires_at,
            chain.keys.validator.public_key(),
        )
        .expect("an empty block executes");
    assert!(
        block.transactions.is_empty(),
        "expires_at == block time is expired"
    );
    let block = chain
        .ledger
        .execute(
            vec![tx.clone()],
            expires_at - 1,
            chain.keys.validator.public_key(),
        )
        .expect("the block executes");
    assert_eq!(block.transactions.len(), 1);
    assert_eq!(block.transactions[0].id, tx.id);
}

#[test]
fn transaction_receipts_prove_the_outcome_against_the_header() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    let txs: Vec<_> = (0..5)
        .map(|n| {
            let mut calls = vec![notarize(alg, vec![digest(alg, n)])];
            if n == 3 {
                calls.push(revoke(1_000, "fails"));
            }
            chain.tx(&chain.keys.submitter, calls)
        })
        .collect();
    chain.produce(txs.clone());
    let genesis_hash = chain.ledger.genesis_hash();
    for (index, tx) in txs.iter().enumerate() {
        let receipt = chain
            .ledger
            .transaction_receipt(&tx.id)
            .unwrap()
            .expect("a committed transaction");
        assert_eq!(receipt.format, "zhenglian-transaction-receipt/v1");
        assert_eq!((receipt.index, receipt.ok), (index as u64, index != 3));
        let leaf = merkle::leaf_hash(alg, &outcome_leaf(&tx.id, receipt.ok));
        merkle::verify_inclusion(
            alg,
            &leaf,
            receipt.index,
            5,
            &receipt.proof,
            &receipt.header.transaction_root,
        )
        .expect("the proof leads to the transaction root");
        let wrong = merkle::leaf_hash(alg, &outcome_leaf(&tx.id, !receipt.ok));
        assert!(merkle::verify_inclusion(
            alg,
            &wrong,
            receipt.index,
            5,
            &receipt.proof,
            &receipt.header.transaction_root
        )
        .is_err());
        assert_eq!(
            receipt.certificate.block_hash,
            receipt.header.hash(alg, &genesis_hash)
        );
        receipt
            .certificate
            .verify(
                &chain.genesis.validators,
                &chain.genesis.chain_id,
                &genesis_hash,
            )
            .unwrap();
    }
    assert!(chain
        .ledger
        .transaction_receipt(&digest(alg, 99))
        .unwrap()
        .is_none());
}

#[test]
fn commit_refuses_a_stale_block_and_a_foreign_certificate() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let proposer = chain.keys.validator.public_key();
    let block = chain
        .ledger
        .execute(vec![], chain.next_time(), proposer.clone())
        .unwrap();

    let wrong_hash = chain.certificate(1, digest(chain.alg(), 0));
    let err = chain.ledger.commit(block.clone(), wrong_hash).unwrap_err();
    assert!(matches!(err, LedgerError::BadCertificate(_)), "{err}");
    let mut forged = chain.certificate(1, block.hash);
    let other = zl_types::CommitCertificate::sign(
        1,
        0,
        block.hash,
        &chain.keys.submitter,
        "testchain",
        &chain.ledger.genesis_hash(),
    );
    forged.signatures = other.signatures;
    let err = chain.ledger.commit(block.clone(), forged).unwrap_err();
    assert!(
        err.to_string().contains("not in the validator set"),
        "{err}"
    );
    assert_eq!(chain.ledger.height(), 0);

    let rival = chain
        .ledger
        .execute(vec![], chain.next_time() + 5, proposer)
        .unwrap();
    chain
        .ledger
        .commit(block.clone(), chain.certificate(1, block.hash))
        .unwrap();
    let err = chain
        .ledger
        .commit(rival.clone(), chain.certificate(1, rival.hash))
        .unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NotOnTip {
                height: 1,
                tip_height: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(chain.ledger.tip().unwrap().hash, block.hash);
}

#[test]
fn another_genesis_is_refused() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    chain.produce(vec![]);
    let dir = chain.dir;
    drop(chain.ledger);
    let mut other = chain.genesis.clone();
    other.genesis_time += 1;
    let err = Ledger::open(dir.path(), other.clone())
        .err()
        .expect("another genesis is refused");
    assert!(
        matches!(err, LedgerError::GenesisMismatch { found, expected, .. }
        if found == chain.genesis.hash() && expected == other.hash())
    );
    assert!(
        err.to_string()
            .contains("point --home at this chain's own directory"),
        "{err}"
    );
    let staging = common::genesis(
        CryptoSuite::Ed25519,
        "staging",
        &Keys::new(CryptoSuite::Ed25519),
    );
    assert!(matches!(
        Ledger::open(dir.path(), staging),
        Err(LedgerError::GenesisMismatch { .. })
    ));
    // The right genesis still opens it.
    assert_eq!(Ledger::open(dir.path(), chain.genesis).unwrap().height(), 1);
}

/// Opens the raw database with every table and applies `change` to it.
fn tamper(dir: &std::path::Path, change: impl FnOnce(&rocksdb::DB)) {
    let opts = rocksdb::Options::default();
    let names = rocksdb::DB::list_cf(&opts, dir).unwrap();
    let db = rocksdb::DB::open_cf(&opts, dir, &names).unwrap();
    change(&db);
}

#[test]
fn a_newer_format_is_refused_without_being_changed() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let dir = chain.dir;
    drop(chain.ledger);
    tamper(dir.path(), |db| {
        db.put_cf(db.cf_handle("meta").unwrap(), b"format_version", b"2")
            .unwrap()
    });
    let err = Ledger::open(dir.path(), chain.genesis.clone())
        .err()
        .expect("a newer format is refused");
    assert!(
        matches!(
            err,
            LedgerError::NewerFormat {
                found: 2,
                supported: FORMAT_VERSION,
                ..
            }
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("written by a newer zld (format 2); this zld reads format 1"),
        "{message}"
    );
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    // Refused again: the first attempt did not rewrite the version.
    assert!(matches!(
        Ledger::open(dir.path(), chain.genesis),
        Err(LedgerError::NewerFormat { .. })
    ));
}

#[test]
fn an_inconsistent_database_is_refused_as_corrupt() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    chain.produce(vec![]);
    chain.produce(vec![]);
    let dir = chain.dir;
    drop(chain.ledger);

    tamper(dir.path(), |db| {
        db.put_cf(db.cf_handle("meta").unwrap(), b"tip_height", b"3")
            .unwrap()
    });
    let err = Ledger::open(dir.path(), chain.genesis.clone())
        .err()
        .expect("a wrong tip is refused");
    assert!(matches!(err, LedgerError::Corrupt(_)), "{err}");
    assert!(
        err.to_string()
            .contains("meta tip is height 3 but the highest stored block is 2"),
        "{err}"
    );
    assert!(err.to_string().contains("restore"), "{err}");

    tamper(dir.path(), |db| {
        db.put_cf(db.cf_handle("meta").unwrap(), b"tip_height", b"2")
            .unwrap();
        db.delete_cf(db.cf_handle("blocks").unwrap(), 1u64.to_be_bytes())
            .unwrap();
    });
    let err = Ledger::open(dir.path(), chain.genesis)
        .err()
        .expect("a missing block is refused");
    assert!(
        err.to_string()
            .contains("block 1 is missing below the tip 2"),
        "{err}"
    );
}

struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn reads_run_while_blocks_commit() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    const BLOCKS: u64 = 20;
    let blocks: Vec<_> = (0..BLOCKS)
        .map(|n| {
            vec![chain.tx(
                &chain.keys.submitter,
                vec![notarize(alg, vec![digest(alg, n)])],
            )]
        })
        .collect();
    let ledger = &chain.ledger;
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut seen = 0;
            while seen < BLOCKS && !done.load(Ordering::SeqCst) {
                let height = ledger.height();
                assert!(height >= seen, "the height never goes back");
                seen = height;
                if let Some(tip) = ledger.tip() {
                    assert!(tip.height >= height);
                    assert_eq!(ledger.block(tip.height).unwrap().unwrap().hash, tip.hash);
                    // Everything of a committed block is visible together.
                    let receipts = ledger
                        .evidence_by_digest(&digest(alg, tip.height - 1), 1)
                        .unwrap();
                    receipts[0]
                        .verify(&digest(alg, tip.height - 1), ledger.genesis())
                        .unwrap();
                }
            }
        });
        // Stops the reader even if a commit panics, so the test fails instead of hanging.
        let _done = SetOnDrop(&done);
        for txs in blocks {
            chain.produce(txs);
        }
        reader.join().expect("the reader saw a consistent ledger");
    });
    assert_eq!(chain.ledger.evidence_log_size(), BLOCKS);
}
