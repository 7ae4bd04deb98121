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
    serde_json_canonicalizer::to_vec(&tree)
        .map_err(|e| TypesError::Format(format!("cannot canonicalise JSON: {e}")))
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
}
