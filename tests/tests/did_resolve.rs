//! JR/T 0325 with a real `zld` on an `sm` chain named `shanghai`: governance makes the node's
//! member the DID authority; it creates a DID and deactivates it; the resolver answers every
//! version, deactivation included, in the shape of JR/T 0325 appendix B.

use std::time::Duration;
use zl_tests::sign::{load_key, Signer};
use zl_tests::wait::wait_until;
use zl_tests::{http, path_str, text, Node};
use zl_types::did::to_jwk;
use zl_types::{Call, TransactionBody};

const DID: &str = "did:rem:shanghai:91310000564759688N";
const TIMEOUT: Duration = Duration::from_secs(60);

/// Submits one call signed by `signer` and waits until it is committed; returns its answer.
fn commit(
    node: &Node,
    signer: &Signer,
    contract: &str,
    method: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    let body = TransactionBody {
        calls: vec![Call {
            contract: contract.into(),
            method: method.into(),
            args,
        }],
        ..signer.notarize_body("unused", Vec::new())
    };
    let signed = signer.sign(body);
    let answer = http::post(&node.url, "/v1/transactions", &signed.json());
    assert!(answer.status < 300, "submit {method}: {}", answer.body);
    wait_until("the transaction's commit", TIMEOUT, || {
        let answer = http::get(&node.url, &format!("/v1/transactions/{}", signed.id));
        let json = answer.json();
        (json["status"] == "committed").then_some(json)
    })
}

#[test]
fn a_did_created_and_deactivated_on_chain_resolves_in_every_version() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let node = Node::start(&home);
    let key_path = home.join("node.key");
    let key = load_key(&key_path);
    let public = key.public_key();

    // The node's member is the only governor: its proposal passes at once.
    let action = serde_json::json!({"type": "set_roles", "public_key": public,
        "roles": ["validator", "governor", "did_authority"]});
    let output = node.zl(&[
        "governance",
        "propose",
        "--key",
        path_str(&key_path),
        "--action",
        &action.to_string(),
    ]);
    assert!(output.status.success(), "governance: {}", text(&output));

    let signer = Signer::new(&node, key);
    let document = serde_json::json!({
        "@context": "https://www.w3.org/ns/did/v1",
        "id": DID,
        "controller": DID,
        "verificationMethod": {"id": format!("{DID}#keys-1"), "type": "SM2VerificationKey2022",
            "controller": DID, "publicKeyJwk": to_jwk(&public)},
        "authentication": format!("{DID}#keys-1"),
    });
    let created = commit(
        &node,
        &signer,
        "did",
        "create",
        serde_json::json!({"document": document}),
    );
    assert_eq!(created["ok"], true, "{created}");

    let current = http::get(&node.url, &format!("/{DID}"));
    assert_eq!(current.status, 200, "{}", current.body);
    let result = current.json();
    assert_eq!(
        result["didResolutionMetadata"]["contentType"],
        "application/did+ld+json"
    );
    assert_eq!(result["didDocumentMetadata"]["versionId"], "1");
    assert_eq!(result["didDocumentMetadata"]["deactivated"], false);
    assert_eq!(result["didDocument"]["id"], DID);
    assert_eq!(
        result["didDocument"]["verificationMethod"][0]["publicKeyJwk"],
        to_jwk(&public)
    );

    let args = serde_json::json!({"did": DID, "previous_version": 1, "reason": "test over"});
    let deactivated = commit(&node, &signer, "did", "deactivate", args);
    assert_eq!(deactivated["ok"], true, "{deactivated}");
    let latest = http::get(&node.url, &format!("/1.0/identifiers/{DID}")).json();
    assert_eq!(latest["didDocumentMetadata"]["versionId"], "2");
    assert_eq!(latest["didDocumentMetadata"]["deactivated"], true);
    let first = http::get(&node.url, &format!("/{DID}?versionId=1")).json();
    assert_eq!(
        first["didDocument"], result["didDocument"],
        "version 1 is kept"
    );
    let missing = http::get(&node.url, &format!("/{DID}?versionId=3"));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["didResolutionMetadata"]["error"], "notFound");
    let other = http::get(&node.url, "/did:rem:shanghai:SH000001F.S2101");
    assert_eq!(other.status, 404, "{}", other.body);

    // Every version is provable: its record names the transaction whose receipt carries the
    // version's event with the document's digest.
    for (n, kind) in [(1, "create"), (2, "deactivate")] {
        let record = http::get(&node.url, &format!("/v1/dids/{DID}/versions/{n}")).json();
        assert_eq!(record["kind"], kind, "{record}");
        let receipt = http::get(&node.url, record["receipt"].as_str().unwrap());
        assert_eq!(receipt.status, 200, "{}", receipt.body);
        let digest = record["document_digest"].as_str().unwrap();
        assert!(
            receipt.body.contains(digest),
            "the receipt proves the event with the digest"
        );
    }
    let missing = http::get(&node.url, &format!("/v1/dids/{DID}/versions/3"));
    assert_eq!(missing.status, 404);
}
