//! Table-driven tests of the evidence contract over an in-memory state view.

use serde_json::json;
use std::collections::HashMap;
use zl_contracts::{check_call, execute_transaction, BlockContext, Effects, StateView};
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, CheckedTransaction, CryptoSuite, EvidenceKind, EvidenceRecord, Hash, HashAlgorithm,
    Member, PublicKey, Role, SecretKey, TransactionBody, Validator, ValidatorSet,
};

const NOW: u64 = 1_700_000_000_000;

/// A state with members and a log, as the ledger would present it.
#[derive(Default)]
struct World {
    members: Vec<Member>,
    records: Vec<EvidenceRecord>,
    state: HashMap<Vec<u8>, Vec<u8>>,
}

impl StateView for World {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state.get(key).cloned()
    }
    fn evidence_log_size(&self) -> u64 {
        self.records.len() as u64
    }
    fn evidence_record(&self, seq: u64) -> Option<EvidenceRecord> {
        self.records.get(seq as usize).cloned()
    }
    fn member(&self, key: &PublicKey) -> Option<Member> {
        self.members.iter().find(|m| &m.public_key == key).cloned()
    }
    fn members(&self) -> Vec<Member> {
        self.members.clone()
    }
}

impl World {
    fn apply(&mut self, effects: Effects) {
        self.state.extend(effects.writes);
        self.records
            .extend(effects.evidence.into_iter().map(|e| e.record));
    }
}

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

fn member(key: &SecretKey, roles: Vec<Role>) -> Member {
    Member {
        name: "m".into(),
        public_key: key.public_key(),
        roles,
        transport_key: None,
    }
}

fn tx(key: &SecretKey, calls: Vec<Call>) -> CheckedTransaction {
    let body = TransactionBody {
        chain_id: "dev".into(),
        genesis_hash: Hash::ZERO,
        signer: key.public_key(),
        expires_at: NOW + 1000,
        salt: "00".into(),
        calls,
    };
    let chain = ChainBinding {
        chain_id: "dev",
        genesis_hash: &Hash::ZERO,
        hash_algorithm: HashAlgorithm::Sha256,
    };
    body.sign(key).unwrap().check(&chain, NOW).unwrap()
}

fn call(method: &str, args: serde_json::Value) -> Call {
    Call {
        contract: "evidence".into(),
        method: method.into(),
        args,
    }
}

fn notarize_args(documents: usize) -> serde_json::Value {
    let docs: Vec<Hash> = (0..documents)
        .map(|i| HashAlgorithm::Sha256.digest(&i.to_be_bytes()))
        .collect();
    json!({"category": "contract", "title": "t", "security_level": 2, "digest_algorithm": "sha256", "documents": docs})
}

fn ctx() -> BlockContext {
    BlockContext {
        chain_id: "dev".into(),
        chain_role: zl_types::ChainRole::LocalBusiness,
        height: 7,
        time: NOW,
        hash_algorithm: HashAlgorithm::Sha256,
        next_validators: ValidatorSet {
            validators: vec![Validator {
                name: "v".into(),
                public_key: key(1).public_key(),
                power: 1,
            }],
        },
    }
}

#[test]
fn notarize_correct_revoke_table() {
    let alice = key(1);
    let bob = key(2);
    let regulator = key(3);
    let outsider = key(4);
    let mut world = World {
        members: vec![
            member(&alice, vec![Role::Submitter]),
            member(&bob, vec![Role::Submitter]),
            member(&regulator, vec![Role::Submitter, Role::Regulator]),
            member(&outsider, vec![Role::Governor]),
        ],
        ..World::default()
    };
    // (description, signer, call, expected error code or None, expected log size after)
    let mut correct = notarize_args(1);
    correct["refers_to"] = json!(0);
    let table: Vec<(&str, &SecretKey, Call, Option<&str>, u64)> = vec![
        (
            "alice notarises 3 documents",
            &alice,
            call("notarize", notarize_args(3)),
            None,
            1,
        ),
        (
            "a member without the submitter role",
            &outsider,
            call("notarize", notarize_args(1)),
            Some("unauthorized"),
            1,
        ),
        (
            "bob may not correct alice's record",
            &bob,
            call("correct", correct.clone()),
            Some("unauthorized"),
            1,
        ),
        (
            "alice corrects her record",
            &alice,
            call("correct", correct.clone()),
            None,
            2,
        ),
        (
            "a record is superseded once",
            &alice,
            call("correct", correct),
            Some("conflict"),
            2,
        ),
        (
            "revoking a missing record",
            &alice,
            call("revoke", json!({"refers_to": 99, "reason": "x"})),
            Some("not_found"),
            2,
        ),
        (
            "a regulator revokes alice's correction",
            &regulator,
            call("revoke", json!({"refers_to": 1, "reason": "court order"})),
            None,
            3,
        ),
        (
            "a revocation cannot be revoked",
            &alice,
            call("revoke", json!({"refers_to": 2, "reason": "x"})),
            Some("conflict"),
            3,
        ),
        (
            "zero documents",
            &alice,
            call("notarize", notarize_args(0)),
            Some("bad_arguments"),
            3,
        ),
        (
            "unknown method",
            &alice,
            call("erase", json!({})),
            Some("unknown_call"),
            3,
        ),
        (
            "notarize with refers_to",
            &alice,
            call(
                "notarize",
                json!({"refers_to": 0, "category": "c", "title": "t", "security_level": 1, "digest_algorithm": "sha256", "documents": [Hash::ZERO]}),
            ),
            Some("bad_arguments"),
            3,
        ),
    ];
    for (description, signer, call, expected, log_size) in table {
        let result = execute_transaction(&ctx(), &world, &tx(signer, vec![call]));
        match (result, expected) {
            (Ok(effects), None) => world.apply(effects),
            (Err(e), Some(code)) => assert_eq!(e.code(), code, "{description}: {e}"),
            (Ok(_), Some(code)) => panic!("{description}: expected {code}, it succeeded"),
            (Err(e), None) => panic!("{description}: unexpected {e}"),
        }
        assert_eq!(world.evidence_log_size(), log_size, "{description}");
    }
    let kinds: Vec<EvidenceKind> = world.records.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            EvidenceKind::Notarize,
            EvidenceKind::Correct,
            EvidenceKind::Revoke
        ]
    );
    assert_eq!(world.records[2].refers_to, Some(1));
    assert_eq!((world.records[0].height, world.records[0].time), (7, NOW));
}

#[test]
fn later_calls_see_earlier_ones_and_a_failing_call_undoes_the_transaction() {
    let alice = key(1);
    let world = World {
        members: vec![member(&alice, vec![Role::Submitter])],
        ..World::default()
    };
    let revoke_first = call("revoke", json!({"refers_to": 0, "reason": "wrong file"}));
    let effects = execute_transaction(
        &ctx(),
        &world,
        &tx(
            &alice,
            vec![call("notarize", notarize_args(2)), revoke_first],
        ),
    )
    .expect("the revoke sees the record of the call before it");
    assert_eq!(effects.evidence.len(), 2);
    assert_eq!(effects.evidence[1].record.seq, 1);
    let failing = vec![
        call("notarize", notarize_args(1)),
        call("revoke", json!({"refers_to": 5, "reason": "x"})),
    ];
    let error = execute_transaction(&ctx(), &world, &tx(&alice, failing)).unwrap_err();
    assert!(
        error.to_string().starts_with("not found: call 1:"),
        "{error}"
    );
}

#[test]
fn non_members_and_unknown_contracts_are_refused() {
    let world = World::default();
    let error = execute_transaction(
        &ctx(),
        &world,
        &tx(&key(9), vec![call("notarize", notarize_args(1))]),
    )
    .unwrap_err();
    assert_eq!(error.code(), "unauthorized");
    let unknown = Call {
        contract: "casino".into(),
        method: "bet".into(),
        args: json!({}),
    };
    assert_eq!(check_call(&unknown).unwrap_err().code(), "unknown_call");
    assert_eq!(
        check_call(&call("notarize", json!({"title": 5})))
            .unwrap_err()
            .code(),
        "bad_arguments"
    );
    assert!(check_call(&call("notarize", notarize_args(2))).is_ok());
}
