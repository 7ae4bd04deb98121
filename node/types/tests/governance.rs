//! Governance formats and receipts across validator-set changes: a receipt verifies by following
//! the recorded changes from the genesis set; a forged, missing or misordered change is refused.

use serde_json::json;
use zl_types::block::Validator;
use zl_types::evidence::document_leaves;
use zl_types::governance::{proposal_id, GovernanceAction, ProposeArgs};
use zl_types::receipt::{DocumentProof, LogProof, RECEIPT_FORMAT};
use zl_types::validator_change::{follow_changes, ChainContext};
use zl_types::*;

const CHAIN_ID: &str = "shanghai";
const GENESIS_TIME: u64 = 1_767_225_600_000;
/// Heights of the test chain: 1 to 7.
const TIP: u64 = 7;

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

fn set(keys: &[&SecretKey]) -> ValidatorSet {
    ValidatorSet {
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}"),
                public_key: k.public_key(),
                power: 1,
            })
            .collect(),
    }
}

/// A chain of 7 blocks, one evidence record each, whose validators change at heights 4 and 6.
struct Chain {
    genesis: Genesis,
    genesis_hash: Hash,
    alg: HashAlgorithm,
    /// (set, its signing keys) of heights 1-3, 4-5 and 6-.
    sets: Vec<(ValidatorSet, Vec<SecretKey>)>,
    headers: Vec<BlockHeader>,
    certificates: Vec<CommitCertificate>,
    records: Vec<EvidenceRecord>,
    documents: Vec<Hash>,
}

impl Chain {
    fn new() -> Chain {
        let (a, b, c) = (key(1), key(2), key(3));
        let sets = vec![
            (set(&[&a]), vec![a.clone()]),
            (set(&[&b]), vec![b.clone()]),
            (set(&[&b, &c]), vec![b.clone(), c.clone()]),
        ];
        let genesis = Genesis {
            chain_id: CHAIN_ID.into(),
            role: ChainRole::LocalBusiness,
            crypto_suite: CryptoSuite::Ed25519,
            genesis_time: GENESIS_TIME,
            validators: sets[0].0.clone(),
            members: vec![],
        };
        let genesis_hash = genesis.hash();
        let alg = HashAlgorithm::Sha256;
        let mut chain = Chain {
            genesis,
            genesis_hash,
            alg,
            sets,
            headers: Vec::new(),
            certificates: Vec::new(),
            records: Vec::new(),
            documents: Vec::new(),
        };
        chain.build();
        chain
    }

    fn set_index(height: u64) -> usize {
        match height {
            0..=3 => 0,
            4..=5 => 1,
            _ => 2,
        }
    }

    fn set_hash(&self, height: u64) -> Hash {
        let set = &self.sets[Chain::set_index(height)].0;
        set.hash(self.alg, CHAIN_ID, &self.genesis_hash)
    }

    fn build(&mut self) {
        let alg = self.alg;
        let mut previous = self.genesis_hash;
        for height in 1..=TIP {
            let document = alg.digest(format!("document {height}").as_bytes());
            let record = EvidenceRecord {
                seq: height - 1,
                kind: EvidenceKind::Notarize,
                refers_to: None,
                tx_id: alg.digest(format!("tx {height}").as_bytes()),
                submitter: key(9).public_key(),
                height,
                time: GENESIS_TIME + height * 1000,
                category: "contract".into(),
                title: "t".into(),
                reference: String::new(),
                location: None,
                security_level: 1,
                digest_algorithm: alg,
                document_count: 1,
                documents_root: merkle::root(alg, &document_leaves(alg, &[document])),
                reason: None,
            };
            self.records.push(record);
            self.documents.push(document);
            let leaves: Vec<Hash> = self.records.iter().map(|r| r.leaf_hash(alg)).collect();
            let header = BlockHeader {
                chain_id: CHAIN_ID.into(),
                height,
                time: GENESIS_TIME + height * 1000,
                previous_hash: previous,
                transaction_root: merkle::empty_root(alg),
                event_root: merkle::empty_root(alg),
                object_root: merkle::empty_root(alg),
                state_root: Hash([height as u8; 32]),
                evidence_log_root: merkle::root(alg, &leaves),
                evidence_log_size: height,
                validator_set_hash: self.set_hash(height),
                next_validator_set_hash: self.set_hash(height + 1),
                proposer: key(1).public_key(),
                transaction_count: 1,
            };
            let hash = header.hash(alg, &self.genesis_hash);
            let signers = &self.sets[Chain::set_index(height)].1;
            self.certificates
                .push(certificate(height, hash, signers, &self.genesis_hash));
            self.headers.push(header);
            previous = hash;
        }
    }

    /// The change taking effect at `height`, as the ledger records it.
    fn change(&self, height: u64) -> ValidatorSetChange {
        ValidatorSetChange {
            height,
            validators: self.sets[Chain::set_index(height)].0.clone(),
            header: self.headers[height as usize - 2].clone(),
            certificate: self.certificates[height as usize - 2].clone(),
        }
    }

    /// The receipt of the record of `height`, with `changes`.
    fn receipt(&self, height: u64, changes: Vec<ValidatorSetChange>) -> EvidenceReceipt {
        let index = height as usize - 1;
        let leaves: Vec<Hash> = self.records[..=index]
            .iter()
            .map(|r| r.leaf_hash(self.alg))
            .collect();
        EvidenceReceipt {
            format: RECEIPT_FORMAT.into(),
            chain_id: CHAIN_ID.into(),
            genesis_hash: self.genesis_hash,
            record: self.records[index].clone(),
            document: DocumentProof {
                index: 0,
                digest: self.documents[index],
                path: vec![],
            },
            log: LogProof {
                index: height - 1,
                size: height,
                path: merkle::inclusion_proof(self.alg, &leaves, height - 1).unwrap(),
            },
            header: self.headers[index].clone(),
            certificate: self.certificates[index].clone(),
            validator_set_changes: changes,
        }
    }

    fn verify(&self, receipt: &EvidenceReceipt) -> Result<u64, ReceiptError> {
        let digest = self.documents[receipt.record.height as usize - 1];
        receipt
            .verify(&digest, &self.genesis)
            .map(|p| p.validator_set_changes as u64)
    }
}

fn certificate(
    height: u64,
    hash: Hash,
    signers: &[SecretKey],
    genesis_hash: &Hash,
) -> CommitCertificate {
    let mut cert = CommitCertificate::sign(height, 0, hash, &signers[0], CHAIN_ID, genesis_hash);
    for signer in &signers[1..] {
        let more = CommitCertificate::sign(height, 0, hash, signer, CHAIN_ID, genesis_hash);
        cert.signatures.extend(more.signatures);
    }
    cert
}

#[test]
fn receipts_before_between_and_after_changes_verify_with_exactly_the_changes_up_to_them() {
    let chain = Chain::new();
    assert_eq!(chain.verify(&chain.receipt(3, vec![])), Ok(0));
    assert_eq!(
        chain.verify(&chain.receipt(4, vec![chain.change(4)])),
        Ok(1)
    );
    assert_eq!(
        chain.verify(&chain.receipt(5, vec![chain.change(4)])),
        Ok(1)
    );
    let both = vec![chain.change(4), chain.change(6)];
    assert_eq!(chain.verify(&chain.receipt(7, both.clone())), Ok(2));
    // The header of height 5 is the proof of the change at 6; a receipt at 5 cannot use it.
    assert!(matches!(
        chain.verify(&chain.receipt(5, both)),
        Err(ReceiptError::BadValidatorSetChange {
            index: 1,
            height: 6,
            ..
        })
    ));
}

#[test]
fn a_receipt_missing_a_change_names_other_validators() {
    let chain = Chain::new();
    for changes in [vec![], vec![chain.change(4)]] {
        let error = chain.verify(&chain.receipt(7, changes)).unwrap_err();
        assert!(matches!(error, ReceiptError::OtherValidators(_)), "{error}");
    }
    // Skipping the first change: the header of 5 names signers the genesis set is not.
    let error = chain
        .verify(&chain.receipt(7, vec![chain.change(6)]))
        .unwrap_err();
    assert!(
        matches!(error, ReceiptError::BadValidatorSetChange { index: 0, .. })
            && error.to_string().contains("a change is missing"),
        "{error}"
    );
}

#[test]
fn forged_changes_are_refused() {
    let chain = Chain::new();
    let stranger = key(7);
    let genuine = chain.change(4);
    let alg = chain.alg;

    let mut wrong_set = genuine.clone();
    wrong_set.validators = set(&[&stranger]);

    // A certificate by someone outside the set that signs height 3.
    let mut wrong_signer = genuine.clone();
    wrong_signer.certificate = certificate(
        3,
        genuine.header.hash(alg, &chain.genesis_hash),
        std::slice::from_ref(&stranger),
        &chain.genesis_hash,
    );

    // A header naming the stranger as next, signed by nobody who could.
    let mut forged_header = genuine.clone();
    let stranger_set = set(&[&stranger]);
    forged_header.validators = stranger_set.clone();
    forged_header.header.next_validator_set_hash =
        stranger_set.hash(alg, CHAIN_ID, &chain.genesis_hash);

    // The certificate of another block.
    let mut other_block = genuine.clone();
    other_block.certificate = chain.certificates[0].clone();

    let mut wrong_height = genuine.clone();
    wrong_height.height = 5;

    let table = [
        ("a set the header does not name", wrong_set),
        ("a certificate by a non-validator", wrong_signer),
        ("a header the old set never signed", forged_header),
        ("a certificate of another block", other_block),
        ("a header of the wrong height", wrong_height),
    ];
    for (what, change) in table {
        let receipt = chain.receipt(5, vec![change]);
        let error = chain.verify(&receipt).unwrap_err();
        assert!(
            matches!(error, ReceiptError::BadValidatorSetChange { index: 0, .. }),
            "{what}: {error}"
        );
    }
}

#[test]
fn changes_out_of_order_or_repeated_are_refused() {
    let chain = Chain::new();
    let (four, six) = (chain.change(4), chain.change(6));
    let table = [
        (vec![six.clone(), four.clone()], 0),
        (vec![four.clone(), four.clone(), six.clone()], 1),
        (vec![four.clone(), six.clone(), six.clone()], 2),
    ];
    for (changes, bad_index) in table {
        let error = chain.verify(&chain.receipt(7, changes)).unwrap_err();
        assert!(
            matches!(error, ReceiptError::BadValidatorSetChange { index, .. } if index == bad_index),
            "{error}"
        );
    }
    // A change at height 1 would replace the genesis set itself.
    let mut first = four;
    first.height = 1;
    let context = ChainContext {
        chain_id: CHAIN_ID,
        genesis_hash: &chain.genesis_hash,
        hash_algorithm: chain.alg,
    };
    let (index, error) =
        follow_changes(&chain.genesis.validators, &[first], 7, &context).unwrap_err();
    assert_eq!(index, 0);
    assert!(
        error.to_string().contains("height 2 at the earliest"),
        "{error}"
    );
}

#[test]
fn actions_have_a_stable_json_form_and_stateless_rules() {
    let member_key = key(4).public_key();
    let transport = key(5).public_key();
    let action: GovernanceAction = serde_json::from_value(json!({
        "type": "add_member",
        "member": {"name": "Bank of Pudong", "public_key": member_key, "roles": ["submitter"],
                   "transport_key": transport}
    }))
    .unwrap();
    assert_eq!(action.kind(), "add_member");
    assert_eq!(action.subject_key(), Some(&member_key));
    assert_eq!(action.subject(), member_key.to_text());
    action.check().unwrap();
    let clear: GovernanceAction =
        serde_json::from_value(json!({"type": "set_transport_key", "public_key": member_key}))
            .unwrap();
    assert_eq!(
        clear,
        GovernanceAction::SetTransportKey {
            public_key: member_key.clone(),
            transport_key: None
        }
    );
    assert!(serde_json::from_value::<GovernanceAction>(
        json!({"type": "remove_member", "public_key": member_key, "extra": 1})
    )
    .is_err());
    assert!(serde_json::from_value::<GovernanceAction>(
        json!({"type": "make_king", "public_key": member_key})
    )
    .is_err());

    let sm_transport = SecretKey::from_seed(CryptoSuite::Sm, &[5; 32])
        .unwrap()
        .public_key();
    let bad = [
        json!({"type": "set_roles", "public_key": member_key, "roles": ["governor", "governor"]}),
        json!({"type": "set_transport_key", "public_key": member_key, "transport_key": sm_transport}),
        json!({"type": "set_validator", "validator": {"name": "v", "public_key": member_key, "power": 0}}),
        json!({"type": "set_validator", "validator": {"name": "v", "public_key": member_key, "power": 10_001}}),
        json!({"type": "set_validator", "validator": {"name": "", "public_key": member_key, "power": 1}}),
    ];
    for value in bad {
        let action: GovernanceAction = serde_json::from_value(value.clone()).unwrap();
        assert!(action.check().is_err(), "{value} should be refused");
    }
    let long_reason = ProposeArgs {
        action,
        reason: "x".repeat(1025),
    };
    assert!(long_reason.check().is_err());

    let alg = HashAlgorithm::Sha256;
    let tx = alg.digest(b"tx");
    let expected = alg.digest(
        &[
            b"zhenglian/governance/proposal/v1\n".as_slice(),
            &tx.0,
            &[0, 0, 0, 1],
        ]
        .concat(),
    );
    assert_eq!(proposal_id(alg, &tx, 1), expected);
    assert_ne!(proposal_id(alg, &tx, 0), expected);
}
