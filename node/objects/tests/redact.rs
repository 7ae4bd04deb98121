//! Redaction of personal data (DATA-MODEL.md §9, PROTOCOL.md §21): no personal value in clear,
//! everything else untouched, digests salted per snapshot and per member, one member disclosable
//! alone; and the vector of `docs/test-vectors-objects.json` recomputed.

use serde_json::{json, Value};
use zl_objects::redact::{discloses, field_digest, field_salt, redact, PERSONAL_KEYS};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/test-vectors-objects.json"
);
const PROTOCOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PROTOCOL.md");
const SALT: [u8; 32] = [9; 32];

fn person() -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/subject-4.json")).expect("fixture");
    serde_json::from_str(&text).expect("JSON")
}

/// Every (pointer, value) of a personal member in `value`.
fn personal(value: &Value, at: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let pointer = format!("{at}/{key}");
                if PERSONAL_KEYS.contains(&key.as_str())
                    && member.as_str().is_some_and(|s| !s.is_empty())
                {
                    out.push((pointer, member.clone()));
                } else {
                    personal(member, &pointer, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                personal(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn no_personal_value_stays_in_clear_and_nothing_else_changes() {
    let object = person();
    let mut found = Vec::new();
    personal(&object["body"], "/body", &mut found);
    assert!(
        found.len() >= 5,
        "subject-4 has names, numbers and phones: {found:?}"
    );
    let redacted = redact(&object, &SALT);
    let text = serde_json::to_string(&redacted.object).expect("JSON");
    for (pointer, value) in &found {
        let clear = value.as_str().expect("string");
        assert!(!text.contains(clear), "{pointer} is still in clear");
        let digest = redacted
            .object
            .pointer(pointer)
            .and_then(Value::as_str)
            .expect(pointer);
        assert!(
            discloses(digest, &field_salt(&SALT, pointer), value),
            "{pointer}"
        );
        assert!(!discloses(
            digest,
            &field_salt(&SALT, pointer),
            &json!("someone else")
        ));
    }
    let pointers: Vec<&String> = found.iter().map(|(p, _)| p).collect();
    assert_eq!(redacted.pointers.iter().collect::<Vec<_>>(), pointers);
    // Everything but those members is as it was.
    let mut restored = redacted.object.clone();
    for (pointer, value) in &found {
        *restored.pointer_mut(pointer).expect("member") = value.clone();
    }
    assert_eq!(restored, object);
}

#[test]
fn digests_depend_on_the_snapshot_salt_and_the_member() {
    let value = json!("372930197004052196");
    let a = field_digest(&field_salt(&SALT, "/body/x/subject_id_number"), &value);
    let b = field_digest(&field_salt(&[8; 32], "/body/x/subject_id_number"), &value);
    let c = field_digest(&field_salt(&SALT, "/body/y/subject_id_number"), &value);
    assert!(a != b && a != c && b != c);
    assert!(a.starts_with("sm3:") && a.len() == 68);
}

#[test]
fn the_vector_recomputes() {
    let object = person();
    let pointer = "/body/subject_information/personal_subject_information/personal_subject_basic_information/subject_id_number";
    let salt = field_salt(&SALT, pointer);
    let digest = field_digest(&salt, &object.pointer(pointer).expect("member").clone());
    let computed = json!({
        "snapshot_salt_hex": hex::encode(SALT),
        "pointer": pointer,
        "value": object.pointer(pointer).expect("member"),
        "field_salt_hex": hex::encode(salt),
        "digest": digest,
    });
    let text = std::fs::read_to_string(VECTORS).expect("vectors");
    let mut file: Value = serde_json::from_str(&text).expect("JSON");
    if std::env::var_os("ZL_WRITE_VECTORS").is_some() {
        file["redaction"] = computed.clone();
        let text = serde_json::to_string_pretty(&file).expect("JSON") + "\n";
        std::fs::write(VECTORS, text).expect("write");
    }
    assert_eq!(file["redaction"], computed);
    let protocol = std::fs::read_to_string(PROTOCOL).expect("PROTOCOL.md");
    for name in ["field_salt_hex", "digest"] {
        assert!(
            protocol.contains(computed[name].as_str().unwrap()),
            "PROTOCOL.md §21 lacks {name}"
        );
    }
}
