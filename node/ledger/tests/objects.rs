//! The ledger runs the `objects` contract: each block's header commits to the snapshots it
//! recorded (failed transactions add none), every snapshot has a proof that verifies offline
//! against the genesis, and history and reverse references read back after a reopen.

mod common;

use common::Chain;
use serde_json::{json, Value};
use zl_types::did::to_jwk;
use zl_types::object::{seal_object, snapshot_digest, Reference, MODEL_PROTOCOL};
use zl_types::{merkle, Call, CryptoSuite, SecretKey};

const OWNER: &str = "did:rem:shanghai:91310000564759688N";

fn owner_key() -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Sm, &[9; 32]).unwrap()
}

fn create_owner(chain: &Chain) {
    let key = owner_key().public_key();
    let method = format!("{OWNER}#keys-1");
    let document = json!({
        "@context": "https://www.w3.org/ns/did/v1",
        "id": OWNER,
        "controller": OWNER,
        "verificationMethod": {"id": method, "type": "SM2VerificationKey2022",
            "controller": OWNER, "publicKeyJwk": to_jwk(&key)},
        "assertionMethod": method,
    });
    let call = Call {
        contract: "did".into(),
        method: "create".into(),
        args: json!({ "document": document }),
    };
    let (executed, _) = chain.produce(vec![chain.tx(&chain.keys.regulator, vec![call])]);
    assert!(executed[0].outcome.ok, "{:?}", executed[0].outcome);
}

fn write(id: &str, object_type: &str, body: Value) -> Call {
    let mut object = json!({
        "header": {
            "model": {"protocol": MODEL_PROTOCOL, "version": "2.0.0"},
            "content": {"type": object_type, "object_id": id, "version": 0,
                "operation": "create", "timestamp": 1_700_000_000},
        },
        "body": body,
    });
    seal_object(&mut object, &owner_key()).unwrap();
    Call {
        contract: "objects".into(),
        method: "write".into(),
        args: json!({"owner": OWNER, "snapshot": {
            "object": object.to_string(),
            "snapshot_digest": snapshot_digest(&object).unwrap(),
        }}),
    }
}

fn product(id: &str) -> Call {
    write(
        id,
        "product",
        json!({"product_information": {"product_basic_information": {"product_name": "A股"}}}),
    )
}

#[test]
fn headers_commit_to_recorded_snapshots_and_each_has_a_proof() {
    for suite in [CryptoSuite::Sm, CryptoSuite::Ed25519] {
        let chain = Chain::shanghai(suite);
        create_owner(&chain);
        let registration = write(
            "RSR624",
            "registration",
            json!({"registration_information": {"register_basic_information":
                {"register_event_type": 1, "register_object_type": 2},
                "roll_records": {"basic_information_roster": {"register_product_ref": "P001/0"},
                    "register_shareholders": [{"register_equity_shareholding": 58.69}]}}}),
        );
        let ok = chain.tx(&chain.keys.submitter, vec![product("P001"), registration]);
        // The same product again fails, and records nothing.
        let failing = chain.tx(&chain.keys.other_submitter, vec![product("P001")]);
        let (executed, block) = chain.produce(vec![ok, failing]);
        assert!(
            executed[0].outcome.ok,
            "{suite:?}: {:?}",
            executed[0].outcome
        );
        assert!(!executed[1].outcome.ok, "{suite:?}: a second create fails");

        let alg = chain.alg();
        let p = chain.ledger.object_proof("P001", 0, None).unwrap().unwrap();
        let r = chain
            .ledger
            .object_proof("RSR624", 0, Some(0))
            .unwrap()
            .unwrap();
        let leaves = [p.record.leaf_hash(alg), r.record.leaf_hash(alg)];
        assert_eq!(
            block.header.object_root,
            merkle::root(alg, &leaves),
            "{suite:?}"
        );
        assert_eq!((p.index, r.index, p.count), (0, 1, 2));
        p.verify(&chain.genesis).unwrap();
        r.verify(&chain.genesis).unwrap();
        assert_eq!(
            r.record.body["registration_information"]["roll_records"]["register_shareholders"][0]
                ["register_equity_shareholding"],
            json!(58.69)
        );

        // An altered record no longer leads to the header's object root.
        let mut altered = r.clone();
        altered.record.body["registration_information"]["register_basic_information"]
            ["register_event_type"] = json!(2);
        let error = altered.verify(&chain.genesis).unwrap_err().to_string();
        assert!(error.contains("not among the objects"), "{error}");
        let mut moved = p.clone();
        moved.record.height += 1;
        assert!(moved.verify(&chain.genesis).is_err());

        // A block without objects commits to the empty tree.
        let (_, empty) = chain.produce(vec![]);
        assert_eq!(empty.header.object_root, merkle::empty_root(alg));

        let chain = chain.reopen();
        let target: Reference = "P001/0".parse().unwrap();
        let referrers = chain.ledger.object_referrers(&target, 10).unwrap();
        assert_eq!(referrers.len(), 1);
        assert_eq!(
            (referrers[0].object_id.as_str(), referrers[0].version),
            ("RSR624", 0)
        );
        let history = chain.ledger.object_history("P001", 0, 10).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].record.snapshot_digest, p.record.snapshot_digest);
        assert_eq!(chain.ledger.object_head("P001").unwrap().unwrap().latest, 0);
        assert!(chain
            .ledger
            .object_proof("P001", 1, None)
            .unwrap()
            .is_none());
        assert!(chain.ledger.object_head("P0").unwrap().is_none());
        // The prefix scan stops at the object: P001's history holds nothing of P0010.
        assert!(chain
            .ledger
            .object_history("P00", 0, 10)
            .unwrap()
            .is_empty());
        chain
            .ledger
            .object_proof("RSR624", 0, None)
            .unwrap()
            .unwrap()
            .verify(&chain.genesis)
            .unwrap();
    }
}
