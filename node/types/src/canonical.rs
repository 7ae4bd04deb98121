//! RFC 8785 canonical JSON (JCS) with ZhengLian's extra rule: numbers are integers within ±2^53.

use crate::TypesError;
use serde::Serialize;
use serde_json::Value;

/// The largest integer magnitude allowed in signed JSON (2^53 - 1): every language's JSON
/// parser reads it exactly. Larger or decimal quantities travel as strings.
pub const JSON_INTEGER_MAX: u64 = (1 << 53) - 1;

/// Nesting depth allowed in signed JSON, so a hostile body cannot exhaust the stack.
pub const JSON_DEPTH_MAX: usize = 32;

/// The RFC 8785 canonical bytes of `value`, after checking the number and depth rules.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, TypesError> {
    let tree = serde_json::to_value(value)
        .map_err(|e| TypesError::Format(format!("cannot encode as JSON: {e}")))?;
    check_value(&tree, 0)?;
    let mut out = Vec::with_capacity(256);
    write_canonical(&tree, &mut out);
    Ok(out)
}

/// Writes `value`, already checked by [`check_value`], in RFC 8785 form. Numbers are integers
/// within ±2^53, which JCS prints as their decimal digits exactly as serde_json does (§3.2.2.3).
/// Strings take the escapes JCS prescribes (§3.2.2.2), which are serde_json's: `\b \t \n \f \r`,
/// `\"`, `\\`, `\u00xx` in lower-case hex for the other control characters, everything else
/// literal. Object members are sorted by their keys' UTF-16 code units (§3.2.3). Written here
/// rather than by a JCS crate because admission and execution canonicalise every transaction
/// and record, and the generic serializer allocated per key and per value.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| utf16_order(a.0, b.0));
            out.push(b'{');
            for (index, (key, member)) in members.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_scalar(key.as_str(), out);
                out.push(b':');
                write_canonical(member, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            write_scalar(value, out)
        }
    }
}

/// A string, integer, boolean or null, as serde_json writes it (see [`write_canonical`]).
fn write_scalar<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    serde_json::to_writer(out, value).expect("a JSON scalar always writes to a Vec");
}

/// RFC 8785 member order: by UTF-16 code units. For ASCII keys that is byte order.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Checks the ZhengLian JSON rules: integers only, within ±2^53-1, depth at most 32.
pub fn check_value(value: &Value, depth: usize) -> Result<(), TypesError> {
    if depth > JSON_DEPTH_MAX {
        return Err(TypesError::Format(format!(
            "JSON nested deeper than {JSON_DEPTH_MAX} levels; flatten the call arguments"
        )));
    }
    match value {
        Value::Number(n) => {
            let ok = n.as_u64().is_some_and(|v| v <= JSON_INTEGER_MAX)
                || n.as_i64()
                    .is_some_and(|v| v.unsigned_abs() <= JSON_INTEGER_MAX);
            if ok {
                Ok(())
            } else {
                Err(TypesError::Format(format!(
                    "number {n} is not an integer within ±(2^53-1); send decimals and large amounts as strings"
                )))
            }
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_value(v, depth + 1)),
        Value::Object(map) => map.values().try_for_each(|v| check_value(v, depth + 1)),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

/// Domain-separated signing or hashing bytes: `tag ‖ 0x0a ‖ chain_id ‖ 0x0a ‖ genesis_hash_hex ‖ 0x0a ‖ content`.
pub fn domain_bytes(
    tag: &str,
    chain_id: &str,
    genesis_hash: &crate::Hash,
    content: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + chain_id.len() + 67 + content.len());
    out.extend_from_slice(tag.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(chain_id.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(genesis_hash.to_hex().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_strips_space() {
        let bytes = canonical_json(&json!({"b": 1, "a": [true, null, "x"]})).unwrap();
        assert_eq!(bytes, br#"{"a":[true,null,"x"],"b":1}"#);
    }

    #[test]
    fn refuses_floats_and_big_integers() {
        let table = [
            json!(1.5),
            json!(9007199254740992u64),
            json!(-9007199254740992i64),
        ];
        for value in table {
            assert!(canonical_json(&value).is_err(), "{value} should be refused");
        }
        assert!(canonical_json(&json!(9007199254740991u64)).is_ok());
        assert!(canonical_json(&json!(-9007199254740991i64)).is_ok());
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut value = json!(0);
        for _ in 0..40 {
            value = json!([value]);
        }
        assert!(canonical_json(&value).is_err());
    }

    #[test]
    fn orders_keys_by_utf16_and_escapes_as_rfc8785() {
        // RFC 8785 §3.2.3's sorting example: U+20AC, U+1F600 (surrogates D83D DE00), U+00FC...
        // sorted by UTF-16 code units, where "\u{1F600}" comes before "\u{FB33}".
        let value = json!({"\u{20ac}": 1, "\r": 2, "\u{1f600}": 3, "\u{fb33}": 4, "1": 5, "\u{80}": 6, "\u{fc}": 7});
        let text = String::from_utf8(canonical_json(&value).unwrap()).unwrap();
        assert_eq!(
            text,
            "{\"\\r\":2,\"1\":5,\"\u{80}\":6,\"\u{fc}\":7,\"\u{20ac}\":1,\"\u{1f600}\":3,\"\u{fb33}\":4}"
        );
        let escapes = canonical_json(&json!("\u{1}\u{8}\t\n\u{c}\r\"\\/\u{7f}\u{e9}")).unwrap();
        assert_eq!(
            String::from_utf8(escapes).unwrap(),
            "\"\\u0001\\b\\t\\n\\f\\r\\\"\\\\/\u{7f}\u{e9}\""
        );
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(JSON_INTEGER_MAX as i64)..=JSON_INTEGER_MAX as i64).prop_map(|n| json!(n)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The hand-written writer agrees with a general RFC 8785 implementation on every value
        /// our rules admit (integers only), including non-BMP keys and control characters.
        #[test]
        fn agrees_with_a_general_jcs_implementation(value in json_value()) {
            let ours = canonical_json(&value).unwrap();
            let general = serde_json_canonicalizer::to_vec(&value).unwrap();
            proptest::prop_assert_eq!(ours, general);
        }
    }
}
