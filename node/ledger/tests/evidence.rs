//! Ledger tests of evidence: receipts by digest, record proofs, corrections and revocations.

mod common;

use common::{correct, digest, notarize, revoke, Chain};
use zl_types::{CryptoSuite, EvidenceKind, HashAlgorithm, ReceiptError};

fn notarize_single_and_batch(suite: CryptoSuite) {
    let chain = Chain::new(suite);
    let alg = chain.alg();
    let single = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 0)])],
    );
    chain.produce(vec![single.clone()]);
    let batch_documents: Vec<_> = (1..=100).map(|n| digest(alg, n)).collect();
    let batch = chain.tx(
        &chain.keys.other_submitter,
        vec![notarize(alg, batch_documents.clone())],
    );
    // The same digest notarised again later gets a second receipt.
    let again = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 0)])],
    );
    let (_, block) = chain.produce(vec![batch, again]);
    assert_eq!(block.header.evidence_log_size, 3);
    assert_eq!(chain.ledger.evidence_log_size(), 3);

    let receipts = chain
        .ledger
        .evidence_by_digest(&digest(alg, 0), 10)
        .unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!((receipts[0].record.seq, receipts[1].record.seq), (0, 2));
    for receipt in &receipts {
        let proven = receipt
            .verify(&digest(alg, 0), &chain.genesis)
            .expect("the receipt verifies");
        assert_eq!(proven.submitter, chain.keys.submitter.public_key());
        assert_eq!(proven.kind, EvidenceKind::Notarize);
    }
    assert_eq!(receipts[0].header.height, 1);
    assert_eq!(
        receipts[0].log.size, 1,
        "proven against the header of the block that holds it"
    );
    assert_eq!(
        chain
            .ledger
            .evidence_by_digest(&digest(alg, 0), 1)
            .unwrap()
            .len(),
        1
    );

    for (index, document) in batch_documents.iter().enumerate() {
        let receipts = chain.ledger.evidence_by_digest(document, 10).unwrap();
        assert_eq!(receipts.len(), 1);
        assert_eq!(receipts[0].document.index, index as u64);
        let proven = receipts[0]
            .verify(document, &chain.genesis)
            .expect("every batch document verifies");
        assert_eq!((proven.seq, proven.height), (1, 2));
        assert_eq!(proven.submitter, chain.keys.other_submitter.public_key());
    }
    let changed = digest(alg, 1_000);
    assert!(chain
        .ledger
        .evidence_by_digest(&changed, 10)
        .unwrap()
        .is_empty());
    assert!(matches!(
        receipts[0].verify(&changed, &chain.genesis),
        Err(ReceiptError::FileChanged { .. })
    ));

    // Receipts of old blocks still verify after more blocks and a restart.
    chain.produce(vec![chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 500)])],
    )]);
    let chain = chain.reopen();
    let receipts = chain
        .ledger
        .evidence_by_digest(&digest(alg, 50), 10)
        .unwrap();
    receipts[0]
        .verify(&digest(alg, 50), &chain.genesis)
        .expect("verifies after a restart");
    assert_eq!(receipts[0].log.size, 3);
}

#[test]
fn notarised_documents_have_receipts_that_verify_ed25519() {
    notarize_single_and_batch(CryptoSuite::Ed25519);
}

#[test]
fn notarised_documents_have_receipts_that_verify_sm() {
    notarize_single_and_batch(CryptoSuite::Sm);
}

#[test]
fn record_proofs_give_a_valid_receipt_for_every_document() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg = chain.alg();
    // Several records in several blocks, so log proofs are against logs of different sizes.
    for round in 0..3u64 {
        let txs = (0..3u64)
            .map(|n| {
                let documents = (0..=(round * 3 + n) * 7)
                    .map(|d| digest(alg, round * 10_000 + n * 1_000 + d))
                    .collect();
                chain.tx(&chain.keys.submitter, vec![notarize(alg, documents)])
            })
            .collect();
        chain.produce(txs);
    }
    for seq in 0..9 {
        let proofs = chain
            .ledger
            .record_proofs(seq)
            .unwrap()
            .expect("a stored record");
        assert_eq!(proofs.record.seq, seq);
        assert_eq!(proofs.documents.len() as u64, proofs.record.document_count);
        assert_eq!(proofs.log.size, proofs.header.evidence_log_size);
        for (index, document) in proofs.documents.iter().enumerate() {
            let receipt = proofs.receipt(index).expect("a receipt per document");
            receipt
                .verify(&document.digest, &chain.genesis)
                .expect("every document's receipt verifies");
            assert!(receipt.validator_set_changes.is_empty());
        }
        assert!(proofs.receipt(proofs.documents.len()).is_none());
    }
    assert!(chain.ledger.record_proofs(9).unwrap().is_none());
}

#[test]
fn corrections_and_revocations_leave_notes_and_new_records() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let alg: HashAlgorithm = chain.alg();
    let first = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 1)])],
    );
    let second = chain.tx(
        &chain.keys.submitter,
        vec![notarize(alg, vec![digest(alg, 2)])],
    );
    chain.produce(vec![first, second]);

    // A correction by its submitter, and a revocation by a regulator, in one block.
    let fix = chain.tx(
        &chain.keys.submitter,
        vec![correct(alg, 0, vec![digest(alg, 11)])],
    );
    let pull = chain.tx(
        &chain.keys.regulator,
        vec![revoke(1, "withdrawn by the regulator")],
    );
    // Superseding the same record twice in one block: the second sees the first's note.
    let twice = chain.tx(&chain.keys.submitter, vec![revoke(0, "again")]);
    // Another submitter may not supersede someone else's record.
    let foreign = chain.tx(
        &chain.keys.other_submitter,
        vec![notarize(alg, vec![digest(alg, 3)]), revoke(2, "no")],
    );
    let (executed, _) = chain.produce(vec![fix, pull, twice, foreign]);
    let outcomes: Vec<_> = executed.iter().map(|tx| tx.outcome.ok).collect();
    assert_eq!(outcomes, vec![true, true, false, false]);
    assert_eq!(executed[2].outcome.error.as_ref().unwrap().code, "conflict");
    assert_eq!(
        executed[3].outcome.error.as_ref().unwrap().code,
        "unauthorized"
    );
    assert_eq!(executed[0].outcome.events[0].kind, "corrected");

    let note = chain
        .ledger
        .evidence_superseded(0)
        .unwrap()
        .expect("record 0 was corrected");
    assert_eq!(note, serde_json::json!({"by": 2, "kind": "correct"}));
    let note = chain
        .ledger
        .evidence_superseded(1)
        .unwrap()
        .expect("record 1 was revoked");
    assert_eq!(note, serde_json::json!({"by": 3, "kind": "revoke"}));
    assert!(chain.ledger.evidence_superseded(2).unwrap().is_none());

    let correction = chain.ledger.evidence_record(2).unwrap().unwrap();
    assert_eq!(
        (correction.kind, correction.refers_to),
        (EvidenceKind::Correct, Some(0))
    );
    let revocation = chain.ledger.evidence_record(3).unwrap().unwrap();
    assert_eq!(
        (revocation.kind, revocation.document_count),
        (EvidenceKind::Revoke, 0)
    );
    assert_eq!(
        revocation.reason.as_deref(),
        Some("withdrawn by the regulator")
    );
    assert_eq!(chain.ledger.evidence_log_size(), 4);
    // The corrected document is found, and the original stays provable.
    let receipts = chain
        .ledger
        .evidence_by_digest(&digest(alg, 11), 10)
        .unwrap();
    assert_eq!(
        receipts[0]
            .verify(&digest(alg, 11), &chain.genesis)
            .unwrap()
            .kind,
        EvidenceKind::Correct
    );
    let original = chain
        .ledger
        .evidence_by_digest(&digest(alg, 1), 10)
        .unwrap();
    original[0]
        .verify(&digest(alg, 1), &chain.genesis)
        .expect("the corrected record stays in the log");
    // A revocation has no documents, so its proofs carry none.
    assert!(chain
        .ledger
        .record_proofs(3)
        .unwrap()
        .unwrap()
        .documents
        .is_empty());
}
