//! The data owner's seal (`header.seal`, JR/T 0314 table 1): an SM2 signature with SM3 over
//! the RFC 8785 canonical JSON of the object without its seal (PROTOCOL.md §20).

use serde_json::Value;
use sm2::elliptic_curve::sec1::ToEncodedPoint;

use super::ObjectError;
use crate::crypto::SM2_USER_ID;
use crate::{PublicKey, SecretKey, Signature};

/// `header.seal.pub_key.type`.
pub const SEAL_KEY_TYPE: &str = "SM2";

/// `header.seal.digest_algo`.
pub const SEAL_DIGEST_ALGO: &str = "SM3";

/// A parsed seal: the owner's key and its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    /// The signer's SM2 key (`pub_key.value`: SEC1 uncompressed, 130 lowercase hex digits).
    pub key: PublicKey,
    /// `signature`: r‖s, 32 bytes each big-endian, 128 lowercase hex digits.
    pub signature: Signature,
}

impl Seal {
    /// Reads `header.seal`'s form: key type SM2, digest SM3, a key on the curve, a 64-byte
    /// signature. Refuses any other member, so nothing rides beside a seal unsigned.
    pub fn read(seal: &Value) -> Result<Seal, ObjectError> {
        let at = "/header/seal";
        let members = seal
            .as_object()
            .ok_or_else(|| ObjectError::at(at, "is not an object"))?;
        if let Some(extra) = members
            .keys()
            .find(|k| !matches!(k.as_str(), "pub_key" | "digest_algo" | "signature"))
        {
            return Err(ObjectError::at(
                format!("{at}/{extra}"),
                "is not a member of a seal (pub_key, digest_algo, signature)",
            ));
        }
        let pub_key = seal
            .get("pub_key")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ObjectError::at(format!("{at}/pub_key"), "is missing or not an object")
            })?;
        if pub_key.len() != 2 || pub_key.get("type").and_then(Value::as_str) != Some(SEAL_KEY_TYPE)
        {
            return Err(ObjectError::at(
                format!("{at}/pub_key"),
                "must be exactly {\"type\": \"SM2\", \"value\": <key>}",
            ));
        }
        let value = pub_key.get("value").and_then(Value::as_str).unwrap_or("");
        let key = key_from_hex(value)
            .map_err(|why| ObjectError::at(format!("{at}/pub_key/value"), why))?;
        if seal.get("digest_algo").and_then(Value::as_str) != Some(SEAL_DIGEST_ALGO) {
            return Err(ObjectError::at(
                format!("{at}/digest_algo"),
                "must be \"SM3\"",
            ));
        }
        let text = seal.get("signature").and_then(Value::as_str).unwrap_or("");
        let signature = signature_from_hex(text).ok_or_else(|| {
            ObjectError::at(
                format!("{at}/signature"),
                "is not 128 lowercase hex digits (r‖s)",
            )
        })?;
        Ok(Seal { key, signature })
    }

    /// The seal as it goes in `header.seal`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "pub_key": {"type": SEAL_KEY_TYPE, "value": key_to_hex(&self.key)},
            "digest_algo": SEAL_DIGEST_ALGO,
            "signature": hex::encode(self.signature.0),
        })
    }
}

/// The bytes a seal signs: RFC 8785 canonical JSON of `object` with `header.seal` removed.
pub fn seal_signing_bytes(object: &Value) -> Result<Vec<u8>, ObjectError> {
    let mut unsealed = object.clone();
    if let Some(header) = unsealed.get_mut("header").and_then(Value::as_object_mut) {
        header.remove("seal");
    }
    serde_json_canonicalizer::to_vec(&unsealed).map_err(|e| {
        ObjectError::at(
            "",
            format!("cannot be written as RFC 8785 canonical JSON: {e}"),
        )
    })
}

/// Seals `object` with `key` (an SM2 key), replacing any seal it had.
pub fn seal_object(object: &mut Value, key: &SecretKey) -> Result<Seal, ObjectError> {
    let PublicKey::Sm2(_) = key.public_key() else {
        return Err(ObjectError::at(
            "/header/seal",
            "seals are SM2; this key is Ed25519",
        ));
    };
    let header = object
        .get_mut("header")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ObjectError::at("/header", "is missing or not an object"))?;
    header.remove("seal");
    let bytes = seal_signing_bytes(object)?;
    let seal = Seal {
        key: key.public_key(),
        signature: key.sign(&bytes),
    };
    if let Some(header) = object.get_mut("header").and_then(Value::as_object_mut) {
        header.insert("seal".into(), seal.to_json());
    }
    Ok(seal)
}

/// Reads and verifies `object`'s seal; the caller then checks the key is registered to the owner.
pub fn verify_seal(object: &Value) -> Result<Seal, ObjectError> {
    let seal = object
        .get("header")
        .and_then(|h| h.get("seal"))
        .filter(|s| !s.is_null())
        .ok_or_else(|| ObjectError::at("/header/seal", "is missing: the object is not sealed"))?;
    let seal = Seal::read(seal)?;
    let bytes = seal_signing_bytes(object)?;
    seal.key.verify(&bytes, &seal.signature).map_err(|_| {
        ObjectError::at(
            "/header/seal/signature",
            "does not verify: the object was changed after sealing, or sealed by another key",
        )
    })?;
    Ok(seal)
}

/// `pub_key.value`: the SEC1 uncompressed point, `04‖x‖y`, as 130 lowercase hex digits.
pub fn key_to_hex(key: &PublicKey) -> String {
    match key {
        PublicKey::Sm2(key) => hex::encode(key.as_affine().to_encoded_point(false).as_bytes()),
        PublicKey::Ed25519(_) => String::new(),
    }
}

fn key_from_hex(text: &str) -> Result<PublicKey, String> {
    let lower_hex = text.len() == 130
        && text.starts_with("04")
        && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !lower_hex {
        return Err(
            "is not an SM2 key as 130 lowercase hex digits of the uncompressed point 04‖x‖y".into(),
        );
    }
    let bytes = hex::decode(text).map_err(|e| e.to_string())?;
    sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, &bytes)
        .map(|key| PublicKey::Sm2(Box::new(key)))
        .map_err(|_| "is not a point on the SM2 curve".into())
}

fn signature_from_hex(text: &str) -> Option<Signature> {
    if text.len() != 128 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let bytes: [u8; 64] = hex::decode(text).ok()?.try_into().ok()?;
    Some(Signature(bytes))
}
