//! The ledger runs the `did` contract and keeps every version of a DID document, readable after
//! a reopen.

mod common;

use common::Chain;
use serde_json::json;
use zl_types::did::{to_jwk, DidDocument};
use zl_types::{Call, CryptoSuite};

const DID: &str = "did:rem:shanghai:91310000564759688N";

#[test]
fn a_created_and_deactivated_did_keeps_both_versions_across_a_reopen() {
    for suite in [CryptoSuite::Sm, CryptoSuite::Ed25519] {
        let chain = Chain::shanghai(suite);
        let key = chain.keys.regulator.public_key();
        let document = json!({
            "@context": "https://www.w3.org/ns/did/v1",
            "id": DID,
            "controller": DID,
            "verificationMethod": {"id": format!("{DID}#keys-1"),
                "type": zl_types::did::document::method_type(&key),
                "controller": DID, "publicKeyJwk": to_jwk(&key)},
        });
        let call = |method: &str, args| Call {
            contract: "did".into(),
            method: method.into(),
            args,
        };
        let create = chain.tx(
            &chain.keys.regulator,
            vec![call("create", json!({"document": document}))],
        );
        let (executed, _) = chain.produce(vec![create]);
        assert!(
            executed[0].outcome.ok,
            "{suite:?}: {:?}",
            executed[0].outcome
        );
        let deactivate = call(
            "deactivate",
            json!({"did": DID, "previous_version": 1, "reason": "merged into another company"}),
        );
        let tx = chain.tx(&chain.keys.regulator, vec![deactivate]);
        let (executed, _) = chain.produce(vec![tx]);
        assert!(
            executed[0].outcome.ok,
            "{suite:?}: {:?}",
            executed[0].outcome
        );
        // A submitter without the DID authority's role is refused, and nothing changes.
        let tx = chain.tx(
            &chain.keys.submitter,
            vec![call("create", json!({"document": document}))],
        );
        let (executed, _) = chain.produce(vec![tx]);
        assert!(!executed[0].outcome.ok);

        let chain = chain.reopen();
        let head = chain.ledger.did_head(DID).unwrap().expect("the DID exists");
        assert_eq!((head.version, head.deactivated), (2, true));
        let first = chain
            .ledger
            .did_version(DID, 1)
            .unwrap()
            .expect("version 1");
        let canonical = DidDocument::from_json(&document, None).unwrap().to_json();
        assert_eq!(first.document, canonical);
        assert_eq!(first.kind, "create");
        assert_eq!(
            chain.ledger.did_version(DID, 2).unwrap().unwrap().kind,
            "deactivate"
        );
        assert!(chain.ledger.did_version(DID, 3).unwrap().is_none());
        assert!(chain
            .ledger
            .did_head("did:rem:shanghai:SH000001")
            .unwrap()
            .is_none());
    }
}
