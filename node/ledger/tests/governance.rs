//! Governed membership through the ledger: a validator-set change decided at H signs from H + 2,
//! headers name the current and next sets, certificates are checked against the set of their
//! height, receipts carry the changes and verify offline, and member changes apply at once.

mod common;

use common::{digest, notarize, GENESIS_TIME, NOW};
use serde_json::json;
use zl_ledger::{Ledger, LedgerError, StoredBlock};
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, ChainRole, CheckedTransaction, CommitCertificate, CryptoSuite, Genesis, HashAlgorithm,
    Member, ReceiptError, Role, SecretKey, TransactionBody, Validator, ValidatorSet,
};

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

/// A chain whose one governor `a` also validates; `b` may become a validator; `s` submits.
struct Chain {
    dir: tempfile::TempDir,
    genesis: Genesis,
    ledger: Ledger,
    a: SecretKey,
    b: SecretKey,
    s: SecretKey,
    salt: std::cell::Cell<u64>,
}

impl Chain {
    fn new() -> Chain {
        let (a, b, s) = (key(1), key(2), key(3));
        let member =
            |name: &str, key: &SecretKey, roles: Vec<Role>, transport: Option<u8>| Member {
                name: name.into(),
                public_key: key.public_key(),
                roles,
                transport_key: transport.map(|seed| self::key(seed).public_key()),
            };
        let genesis = Genesis {
            chain_id: "govchain".into(),
            role: ChainRole::LocalBusiness,
            crypto_suite: CryptoSuite::Ed25519,
            genesis_time: GENESIS_TIME,
            validators: ValidatorSet {
                validators: vec![validator(&a)],
            },
            members: vec![
                member("a", &a, vec![Role::Validator, Role::Governor], Some(11)),
                member("b", &b, vec![Role::Validator], None),
                member("s", &s, vec![Role::Submitter], None),
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), genesis.clone()).unwrap();
        Chain {
            dir,
            genesis,
            ledger,
            a,
            b,
            s,
            salt: std::cell::Cell::new(0),
        }
    }

    fn alg(&self) -> HashAlgorithm {
        HashAlgorithm::Sha256
    }

    fn tx(&self, signer: &SecretKey, calls: Vec<Call>) -> CheckedTransaction {
        self.salt.set(self.salt.get() + 1);
        let genesis_hash = self.ledger.genesis_hash();
        let body = TransactionBody {
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash,
            signer: signer.public_key(),
            expires_at: NOW + 60_000,
            salt: format!("{:08x}", self.salt.get()),
            calls,
        };
        let binding = ChainBinding {
            chain_id: &self.genesis.chain_id,
            genesis_hash: &genesis_hash,
            hash_algorithm: self.alg(),
        };
        body.sign(signer).unwrap().check(&binding, NOW).unwrap()
    }

    fn certificate(
        &self,
        height: u64,
        hash: zl_types::Hash,
        signers: &[&SecretKey],
    ) -> CommitCertificate {
        let sign = |signer: &SecretKey| {
            CommitCertificate::sign(
                height,
                0,
                hash,
                signer,
                &self.genesis.chain_id,
                &self.ledger.genesis_hash(),
            )
        };
        let mut cert = sign(signers[0]);
        for signer in &signers[1..] {
            cert.signatures.extend(sign(signer).signatures);
        }
        cert
    }

    /// Executes `txs` and commits them with the signatures of `signers`.
    fn produce(
        &self,
        txs: Vec<CheckedTransaction>,
        signers: &[&SecretKey],
    ) -> Result<StoredBlock, LedgerError> {
        let time = GENESIS_TIME + 1_000 * (self.ledger.height() + 1);
        let block = self.ledger.execute(txs, time, self.a.public_key()).unwrap();
        for tx in &block.transactions {
            assert!(tx.outcome.ok, "{:?}", tx.outcome.error);
        }
        let cert = self.certificate(block.header.height, block.hash, signers);
        self.ledger.commit(block, cert)
    }

    fn set_hash(&self, set: &ValidatorSet) -> zl_types::Hash {
        set.hash(
            self.alg(),
            &self.genesis.chain_id,
            &self.ledger.genesis_hash(),
        )
    }
}

fn validator(key: &SecretKey) -> Validator {
    Validator {
        name: "node".into(),
        public_key: key.public_key(),
        power: 1,
    }
}

fn propose(action: serde_json::Value) -> Call {
    Call {
        contract: "governance".into(),
        method: "propose".into(),
        args: json!({"action": action, "reason": "test"}),
    }
}

#[test]
fn a_validator_set_change_decided_at_h_signs_from_h_plus_2() {
    let chain = Chain::new();
    let alg = chain.alg();
    let (a, b) = (&chain.a, &chain.b);
    let old = chain.genesis.validators.clone();
    let new = ValidatorSet {
        validators: vec![validator(a), validator(b)],
    };

    let first = chain
        .produce(
            vec![chain.tx(&chain.s, vec![notarize(alg, vec![digest(alg, 1)])])],
            &[a],
        )
        .unwrap();
    let add_b = propose(json!({"type": "set_validator", "validator": validator(b)}));
    let decided = chain.produce(vec![chain.tx(a, vec![add_b])], &[a]).unwrap();
    assert_eq!(decided.height, 2);
    assert_eq!(chain.ledger.validator_set_at(3).unwrap(), old);
    assert_eq!(chain.ledger.validator_set_at(4).unwrap(), new);
    assert!(matches!(
        chain.ledger.validator_set_at(5),
        Err(LedgerError::ValidatorSetUnknown {
            height: 5,
            known_up_to: 4
        })
    ));
    assert!(chain.ledger.validator_set_at(0).is_err());

    // Block 3 is still the old set's; its header announces the new one.
    let third = chain.produce(vec![], &[a]).unwrap();
    for (block, signs, next) in [
        (&first, &old, &old),
        (&decided, &old, &old),
        (&third, &old, &new),
    ] {
        assert_eq!(
            block.header.validator_set_hash,
            chain.set_hash(signs),
            "block {}",
            block.height
        );
        assert_eq!(
            block.header.next_validator_set_hash,
            chain.set_hash(next),
            "block {}",
            block.height
        );
    }

    // From block 4 the old set alone no longer makes a certificate; the new one does.
    let tx = chain.tx(&chain.s, vec![notarize(alg, vec![digest(alg, 4)])]);
    let refused = chain.produce(vec![tx.clone()], &[a]).unwrap_err();
    assert!(
        matches!(refused, LedgerError::BadCertificate(_)),
        "{refused}"
    );
    let fourth = chain.produce(vec![tx.clone()], &[a, b]).unwrap();
    assert_eq!(fourth.header.validator_set_hash, chain.set_hash(&new));
    assert_eq!(fourth.header.next_validator_set_hash, chain.set_hash(&new));

    // Receipts carry the changes up to their block and verify from the genesis alone.
    assert!(chain.ledger.validator_set_changes(3).unwrap().is_empty());
    let changes = chain.ledger.validator_set_changes(4).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (
            changes[0].height,
            &changes[0].validators,
            &changes[0].header
        ),
        (4, &new, &third.header)
    );
    for (seq, document, count) in [(0, 1, 0), (1, 4, 1)] {
        let proofs = chain.ledger.record_proofs(seq).unwrap().unwrap();
        let receipt = proofs.receipt(0).unwrap();
        let proven = receipt
            .verify(&digest(alg, document), &chain.genesis)
            .unwrap();
        assert_eq!(proven.validator_set_changes, count, "record {seq}");
        let by_digest = chain
            .ledger
            .evidence_by_digest(&digest(alg, document), 10)
            .unwrap();
        assert_eq!(by_digest[0], receipt);
    }
    let transaction_receipt = chain.ledger.transaction_receipt(&tx.id).unwrap().unwrap();
    assert_eq!(transaction_receipt.validator_set_changes, changes);

    // Without the change, the receipt names validators the genesis does not.
    let mut stripped = chain
        .ledger
        .record_proofs(1)
        .unwrap()
        .unwrap()
        .receipt(0)
        .unwrap();
    stripped.validator_set_changes.clear();
    assert!(matches!(
        stripped.verify(&digest(alg, 4), &chain.genesis),
        Err(ReceiptError::OtherValidators(_))
    ));

    // A restart checks the tip against the new set and keeps following it.
    let Chain {
        dir,
        genesis,
        ledger,
        ..
    } = chain;
    drop(ledger);
    let ledger = Ledger::open(dir.path(), genesis).unwrap();
    assert_eq!(ledger.height(), 4);
    assert_eq!(ledger.validator_set_at(6).unwrap(), new);
}

#[test]
fn member_changes_apply_at_once_and_transport_keys_follow_the_registry() {
    let chain = Chain::new();
    let alg = chain.alg();
    let (a, s) = (&chain.a, &chain.s);
    let transport = key(12).public_key();
    let keys: Vec<_> = chain
        .ledger
        .transport_keys()
        .unwrap()
        .into_iter()
        .map(|(k, m)| (k, m.name))
        .collect();
    assert_eq!(keys, [(key(11).public_key(), "a".to_string())]);

    let set_key = propose(
        json!({"type": "set_transport_key", "public_key": s.public_key(), "transport_key": transport}),
    );
    chain
        .produce(vec![chain.tx(a, vec![set_key])], &[a])
        .unwrap();
    let keys: Vec<_> = chain
        .ledger
        .transport_keys()
        .unwrap()
        .into_iter()
        .map(|(k, m)| (k, m.name))
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&(transport, "s".to_string())));

    // Removing the submitter: its next transaction fails as a non-member's.
    let remove = propose(json!({"type": "remove_member", "public_key": s.public_key()}));
    chain
        .produce(vec![chain.tx(a, vec![remove])], &[a])
        .unwrap();
    assert!(chain.ledger.member(&s.public_key()).unwrap().is_none());
    assert_eq!(chain.ledger.transport_keys().unwrap().len(), 1);
    let block = chain
        .ledger
        .execute(
            vec![chain.tx(s, vec![notarize(alg, vec![digest(alg, 9)])])],
            GENESIS_TIME + 10_000,
            a.public_key(),
        )
        .unwrap();
    let error = block.transactions[0].outcome.error.as_ref().unwrap();
    assert_eq!(error.code, "unauthorized", "{}", error.message);

    // Added back, it may submit again.
    let again = propose(
        json!({"type": "add_member", "member": {"name": "s2", "public_key": s.public_key(), "roles": ["submitter"]}}),
    );
    let notarize_now = notarize(alg, vec![digest(alg, 10)]);
    chain.produce(vec![chain.tx(a, vec![again])], &[a]).unwrap();
    chain
        .produce(vec![chain.tx(s, vec![notarize_now])], &[a])
        .unwrap();
    assert_eq!(
        chain.ledger.member(&s.public_key()).unwrap().unwrap().name,
        "s2"
    );
}
