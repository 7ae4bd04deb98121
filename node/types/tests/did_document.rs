//! DID documents (JR/T 0325 §6, appendices B-D): the appendix B shape is read (with a key that
//! is on the SM2 curve), written canonically, and every rule has its refusal.

use serde_json::{json, Value};
use zl_types::did::document::{DID_CONTEXT, REM_CONTEXT};
use zl_types::did::{to_jwk, DidDocument, Relationship};
use zl_types::{CryptoSuite, SecretKey};

const DID: &str = "did:rem:shanghai:SH000001F.S2101";

fn jwk(suite: CryptoSuite, seed: u8) -> Value {
    to_jwk(
        &SecretKey::from_seed(suite, &[seed; 32])
            .unwrap()
            .public_key(),
    )
}

/// Appendix B's document, single values where the model has sets, with a real SM2 key.
fn appendix_b() -> Value {
    json!({
        "@context": DID_CONTEXT,
        "id": DID,
        "alsoKnownAs": "https://www.agency.sh.com.cn",
        "controller": DID,
        "verificationMethod": {
            "id": format!("{DID}#keys-1"),
            "type": "SM2VerificationKey2022",
            "controller": DID,
            "publicKeyJwk": jwk(CryptoSuite::Sm, 1),
        },
        "assertionMethod": {"id": format!("{DID}#keys-1")},
        "service": {
            "id": format!("{DID}#linkedDomains"),
            "type": "LinkedDomains",
            "serviceEndpoint": "https://www.agency.sh.com.cn/linkedDomain",
        },
    })
}

#[test]
fn the_appendix_b_document_reads_and_is_written_with_sets_as_arrays() {
    let document = DidDocument::from_json(&appendix_b(), None).unwrap();
    assert_eq!(
        document.assertion_method,
        [Relationship::Reference(format!("{DID}#keys-1"))]
    );
    let written = document.to_json();
    assert_eq!(written["@context"], json!([DID_CONTEXT, REM_CONTEXT]));
    assert_eq!(
        written["alsoKnownAs"],
        json!(["https://www.agency.sh.com.cn"])
    );
    assert_eq!(
        written["controller"],
        json!(DID),
        "one controller stays a string"
    );
    assert_eq!(written["assertionMethod"], json!([format!("{DID}#keys-1")]));
    assert_eq!(written["service"][0]["type"], json!(["LinkedDomains"]));
    assert!(written["verificationMethod"].is_array());
    // Writing is a fixed point: reading the written form gives the same document and bytes.
    let again = DidDocument::from_json(&written, None).unwrap();
    assert_eq!(again, document);
    assert_eq!(again.to_json(), written);
}

#[test]
fn embedded_methods_and_ed25519_keys_are_kept() {
    let mut value = appendix_b();
    value["authentication"] = json!([
        format!("{DID}#keys-1"),
        {"id": format!("{DID}#keys-2"), "type": "JsonWebKey2020", "controller": DID,
         "publicKeyJwk": jwk(CryptoSuite::Ed25519, 2)},
    ]);
    let document = DidDocument::from_json(&value, None).unwrap();
    assert_eq!(document.methods().count(), 2);
    let embedded = document
        .method(&format!("{DID}#keys-2"))
        .expect("embedded method");
    assert_eq!(embedded.key.suite(), CryptoSuite::Ed25519);
}

#[test]
fn every_document_rule_has_its_refusal() {
    type Change = fn(&mut Value);
    let table: Vec<(&str, Change, &str)> = vec![
        ("not an object", |v| *v = json!([1]), "not a JSON object"),
        ("unknown member", |v| v["proof"] = json!({}), "\"proof\""),
        (
            "no id",
            |v| drop(v.as_object_mut().unwrap().remove("id")),
            "no \"id\"",
        ),
        (
            "bad id",
            |v| v["id"] = json!("did:rem:nowhere:SH000001"),
            "not a chain id",
        ),
        (
            "no controller",
            |v| drop(v.as_object_mut().unwrap().remove("controller")),
            "no \"controller\"",
        ),
        (
            "bad controller",
            |v| v["controller"] = json!("did:rem:shanghai:91310000564759688M"),
            "GB 32100",
        ),
        (
            "no methods",
            |v| v["verificationMethod"] = json!([]),
            "no \"verificationMethod\"",
        ),
        (
            "bad fragment",
            |v| v["verificationMethod"]["id"] = json!(format!("{DID}#")),
            "fragment",
        ),
        (
            "no fragment",
            |v| v["verificationMethod"]["id"] = json!(DID),
            "<DID>#<fragment>",
        ),
        (
            "type mismatch",
            |v| v["verificationMethod"]["type"] = json!("JsonWebKey2020"),
            "does not match its key",
        ),
        (
            "key off the curve",
            |v| {
                v["verificationMethod"]["publicKeyJwk"] = json!({"kty": "EC", "crv": "SM2",
                "x": "dWCvM4fTdeM0KmloF57zxtBPXTOythHPMm1HCLrdd3A",
                "y": "36uMVGM7hnw-N6GnjFcihWE3SkrhMLzzLCdPMXPEXlA"})
            },
            "not a point",
        ),
        (
            "method member",
            |v| v["verificationMethod"]["publicKeyHex"] = json!("00"),
            "\"publicKeyHex\"",
        ),
        (
            "dangling reference",
            |v| v["assertionMethod"] = json!(format!("{DID}#keys-9")),
            "no method",
        ),
        (
            "duplicate id",
            |v| {
                let m = v["verificationMethod"].clone();
                v["verificationMethod"] = json!([m.clone(), m]);
            },
            "used twice",
        ),
        (
            "unknown context",
            |v| v["@context"] = json!([DID_CONTEXT, "https://example.org/ctx"]),
            "unknown context",
        ),
        (
            "context order",
            |v| v["@context"] = json!([REM_CONTEXT, DID_CONTEXT]),
            "must start with",
        ),
        (
            "alias with a space",
            |v| v["alsoKnownAs"] = json!("https://www.agency.sh.com.cn "),
            "absolute URI",
        ),
        (
            "endpoint not a URI",
            |v| v["service"]["serviceEndpoint"] = json!("www.agency.sh.com.cn"),
            "absolute URI",
        ),
        (
            "service without type",
            |v| v["service"]["type"] = json!([]),
            "type",
        ),
        (
            "too large",
            |v| v["alsoKnownAs"] = json!(format!("https://x/{}", "a".repeat(17_000))),
            "bytes; at most",
        ),
    ];
    for (name, change, why) in table {
        let mut value = appendix_b();
        change(&mut value);
        let error = DidDocument::from_json(&value, None)
            .expect_err(name)
            .to_string();
        assert!(error.contains(why), "{name}: {error}");
    }
}

#[test]
fn resolution_results_have_the_appendix_b_shape_and_the_table_4_codes() {
    use zl_types::did::resolution::date_time;
    use zl_types::did::{DocumentMetadata, ResolutionError, ResolutionResult};
    // Appendix B's times.
    assert_eq!(date_time(1_553_322_922_000), "2019-03-23T06:35:22Z");
    assert_eq!(date_time(1_660_138_806_999), "2022-08-10T13:40:06Z");
    assert_eq!(date_time(951_782_400_000), "2000-02-29T00:00:00Z");
    let document = DidDocument::from_json(&appendix_b(), None)
        .unwrap()
        .to_json();
    let found = ResolutionResult::found(
        document.clone(),
        DocumentMetadata {
            created: date_time(1_553_322_922_000),
            updated: date_time(1_660_138_806_000),
            deactivated: false,
            version_id: "2".into(),
        },
    );
    assert_eq!(found.http_status(), 200);
    assert_eq!(
        serde_json::to_value(&found).unwrap(),
        json!({
            "didResolutionMetadata": {"contentType": "application/did+ld+json"},
            "didDocumentMetadata": {"created": "2019-03-23T06:35:22Z",
                "updated": "2022-08-10T13:40:06Z", "deactivated": false, "versionId": "2"},
            "didDocument": document,
        })
    );
    let table = [
        (ResolutionError::InvalidDid, "InvalidDid", 400),
        (ResolutionError::NotFound, "notFound", 404),
        (
            ResolutionError::RepresentationNotSupported,
            "representationNotSupported",
            406,
        ),
        (ResolutionError::InternalError, "internalError", 500),
    ];
    for (error, code, status) in table {
        let failed = ResolutionResult::failed(error, "what to do");
        assert_eq!(failed.http_status(), status);
        let body = serde_json::to_value(&failed).unwrap();
        assert_eq!(body["didResolutionMetadata"]["error"], code);
        assert_eq!(
            body["didResolutionMetadata"]["contentType"],
            "application/did+ld+json"
        );
        assert!(body.get("didDocument").is_none());
    }
}
