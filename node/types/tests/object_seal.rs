//! PROTOCOL §20 object seals: the vector of `docs/test-vectors-objects.json` recomputed (signing
//! bytes, SM3, the seal verifies), a seal made by OpenSSL accepted, tampering and malformed seals
//! refused, and reference syntax as a property. `ZL_WRITE_VECTORS=1` rewrites the vector file
//! (then run `scripts/crosscheck-objects.py` before committing).

use proptest::prelude::*;
use serde_json::{json, Value};
use sm3::{Digest, Sm3};
use zl_types::object::{key_to_hex, seal_object, seal_signing_bytes, verify_seal, Reference, Seal};
use zl_types::{CryptoSuite, SecretKey};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/test-vectors-objects.json"
);

/// The vector's object: members out of order, Chinese text, a float that RFC 8785 writes as an
/// integer (`7.0` → `7`) and one it keeps (`58.69`).
fn unsealed() -> Value {
    serde_json::from_str(
        r#"{
  "header": {
    "model": {"protocol": "区域性股权市场跨链业务数据模型", "version": "2.0.0"},
    "content": {"type": "registration", "object_id": "RSR624", "version": 0,
                "operation": "create", "timestamp": 1626775775},
    "remark": "名册登记"
  },
  "body": {"registration_information": {
    "register_basic_information": {"register_object_type": 2, "register_event_type": 1},
    "roll_records": {"basic_information_roster": {"register_product_ref": "P001/0"},
      "register_shareholders": [{"register_equity_subject_ref": "C57B91FE/0",
        "register_equity_shareholding": 58.69, "register_shareholder_subject_type": 7.0}]}
  }}
}"#,
    )
    .expect("JSON")
}

fn key() -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Sm, &[7; 32]).expect("SM2 secret")
}

fn vectors() -> Value {
    let text = std::fs::read_to_string(FILE).expect("docs/test-vectors-objects.json");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn the_vector_recomputes() {
    let object = unsealed();
    let bytes = seal_signing_bytes(&object).expect("canonical");
    if std::env::var_os("ZL_WRITE_VECTORS").is_some() {
        let mut sealed = object.clone();
        seal_object(&mut sealed, &key()).expect("seals");
        let mut file = vectors();
        file["seal"] = json!({
            "secret_key_seed": hex::encode([7u8; 32]),
            "public_key_hex": key_to_hex(&key().public_key()),
            "object_unsealed": object,
            "signing_bytes": String::from_utf8(bytes.clone()).expect("UTF-8"),
            "sm3_of_signing_bytes": hex::encode(Sm3::digest(&bytes)),
            "object_sealed": sealed,
        });
        let text = serde_json::to_string_pretty(&file).expect("JSON") + "\n";
        std::fs::write(FILE, text).expect("write vectors");
    }
    let v = &vectors()["seal"];
    assert_eq!(v["public_key_hex"], json!(key_to_hex(&key().public_key())));
    assert_eq!(v["object_unsealed"], object);
    assert_eq!(
        v["signing_bytes"].as_str().expect("text").as_bytes(),
        &bytes[..]
    );
    assert_eq!(
        v["sm3_of_signing_bytes"],
        json!(hex::encode(Sm3::digest(&bytes)))
    );
    // RFC 8785: sorted keys, no white space, 7.0 written as 7.
    assert!(v["signing_bytes"].as_str().unwrap().starts_with(r#"{"body":{"registration_information":{"register_basic_information":{"register_event_type":1,"#));
    assert!(v["signing_bytes"]
        .as_str()
        .unwrap()
        .contains(r#""register_shareholder_subject_type":7}"#));
    let seal = verify_seal(&v["object_sealed"]).expect("the stored seal verifies");
    assert_eq!(seal.key, key().public_key());
    // PROTOCOL.md §20.1 shows the same values.
    let protocol = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/PROTOCOL.md"
    ))
    .expect("PROTOCOL.md");
    for name in ["public_key_hex", "signing_bytes", "sm3_of_signing_bytes"] {
        assert!(
            protocol.contains(v[name].as_str().unwrap()),
            "PROTOCOL.md §20.1 lacks {name}"
        );
    }
}

#[test]
fn a_seal_made_by_openssl_verifies() {
    let v = &vectors()["openssl_seal"];
    verify_seal(&v["object_sealed"]).expect("OpenSSL's seal verifies");
    let mut changed = v["object_sealed"].clone();
    changed["header"]["content"]["timestamp"] = json!(1626775776);
    assert!(verify_seal(&changed).is_err());
}

#[test]
fn sealing_round_trips_and_any_change_breaks_it() {
    let mut object = unsealed();
    let seal = seal_object(&mut object, &key()).expect("seals");
    assert_eq!(verify_seal(&object).expect("verifies"), seal);
    // Member order does not matter; content does.
    let reordered: Value = serde_json::from_str(&serde_json::to_string(&object).unwrap()).unwrap();
    assert!(verify_seal(&reordered).is_ok());
    let changes: [(&str, Value); 3] = [
        ("/header/remark", json!("改")),
        ("/header/content/version", json!(1)),
        ("/body/registration_information/roll_records/register_shareholders/0/register_equity_shareholding", json!(58.7)),
    ];
    for (at, value) in changes {
        let mut changed = object.clone();
        *changed.pointer_mut(at).expect(at) = value;
        let error = verify_seal(&changed).expect_err(at);
        assert_eq!(error.pointer, "/header/seal/signature", "{at}");
    }
}

#[test]
fn malformed_seals_are_refused_at_their_pointer() {
    let mut object = unsealed();
    seal_object(&mut object, &key()).expect("seals");
    let good = object["header"]["seal"].clone();
    let upper = good["signature"].as_str().unwrap().to_uppercase();
    let cases: [(&str, Value, &str); 6] = [
        (
            "/header/seal/pub_key/type",
            json!("ECDSA"),
            "/header/seal/pub_key",
        ),
        (
            "/header/seal/digest_algo",
            json!("SHA256"),
            "/header/seal/digest_algo",
        ),
        (
            "/header/seal/signature",
            json!(upper),
            "/header/seal/signature",
        ),
        (
            "/header/seal/signature",
            json!("00"),
            "/header/seal/signature",
        ),
        (
            "/header/seal/pub_key/value",
            json!(format!("04{}", "00".repeat(64))),
            "/header/seal/pub_key/value",
        ),
        (
            "/header/seal/pub_key/value",
            json!("02abcd"),
            "/header/seal/pub_key/value",
        ),
    ];
    for (at, value, pointer) in cases {
        let mut bad = object.clone();
        *bad.pointer_mut(at).expect(at) = value;
        assert_eq!(verify_seal(&bad).expect_err(at).pointer, pointer, "{at}");
    }
    let mut extra = object.clone();
    extra["header"]["seal"]["note"] = json!("unsigned");
    assert_eq!(
        verify_seal(&extra).unwrap_err().pointer,
        "/header/seal/note"
    );
    assert!(Seal::read(&good).is_ok());
    let mut unsealed_object = unsealed();
    assert_eq!(
        verify_seal(&unsealed_object).unwrap_err().pointer,
        "/header/seal"
    );
    unsealed_object["header"]["seal"] = Value::Null;
    assert!(verify_seal(&unsealed_object).is_err());
}

proptest! {
    #[test]
    fn references_round_trip(id in "[0-9A-Za-z][0-9A-Za-z._:-]{0,127}", version in any::<u64>()) {
        let text = format!("{id}/{version}");
        let reference: Reference = text.parse().expect("valid");
        prop_assert_eq!(reference.to_string(), text);
        prop_assert_eq!(reference.version, version);
    }

    #[test]
    fn any_text_parses_only_to_itself(text in "\\PC{0,40}") {
        if let Ok(reference) = text.parse::<Reference>() {
            prop_assert_eq!(reference.to_string(), text);
        }
    }

    #[test]
    fn leading_zeros_and_missing_versions_are_refused(id in "[0-9A-Za-z]{1,20}", version in 0u64..1000) {
        let leading_zero = format!("{id}/0{version}");
        let missing_version = format!("{id}/");
        prop_assert!(leading_zero.parse::<Reference>().is_err());
        prop_assert!(missing_version.parse::<Reference>().is_err());
        prop_assert!(id.parse::<Reference>().is_err());
    }
}
