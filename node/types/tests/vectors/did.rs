//! DID operation vectors (PROTOCOL §18): a controller's update of a DID, signed with the
//! suite's key, which is also the document's verification method.

use super::{jcs, Fixture, CHAIN_ID};
use serde_json::{json, Value};
use zl_types::did::document::method_type;
use zl_types::did::{to_jwk, DidDocument, DidOperation};

const DID: &str = "did:rem:shanghai:SH000001F.S2101";

pub(super) fn vectors(fx: &Fixture) -> Value {
    let key = fx.key.public_key();
    let document = DidDocument::from_json(
        &json!({
            "@context": "https://www.w3.org/ns/did/v1",
            "id": DID,
            "controller": DID,
            "verificationMethod": [{"id": format!("{DID}#keys-1"), "type": method_type(&key),
                "controller": DID, "publicKeyJwk": to_jwk(&key)}],
            "authentication": [format!("{DID}#keys-1")],
        }),
        None,
    )
    .expect("a valid document");
    let operation = DidOperation::update(DID, 1, &document, fx.alg);
    let bytes = operation.signing_bytes(CHAIN_ID, &fx.genesis_hash);
    let signature = fx.key.sign(&bytes);
    key.verify(&bytes, &signature)
        .expect("the signature verifies");
    json!({
        "document_json": jcs(&document.to_json()),
        "operation_json": jcs(&operation),
        "signing_bytes": hex::encode(&bytes),
        "signature": signature.to_hex(),
    })
}
