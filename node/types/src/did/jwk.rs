//! Public keys as JSON Web Keys in DID documents. SM2 keys follow JR/T 0325 appendix D:
//! `{"kty":"EC","crv":"SM2","x","y"}`, the coordinates 32 bytes big-endian in base64url. Ed25519
//! keys (allowed besides SM2) follow RFC 8037: `{"kty":"OKP","crv":"Ed25519","x"}`.

use crate::crypto::{PublicKey, SM2_USER_ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use sm2::elliptic_curve::sec1::ToEncodedPoint;

/// Why a JWK was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad publicKeyJwk: {0}; write {{\"kty\":\"EC\",\"crv\":\"SM2\",\"x\":<base64url>,\"y\":<base64url>}} or {{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":<base64url>}}")]
pub struct JwkError(pub String);

/// The JWK of `key`.
pub fn to_jwk(key: &PublicKey) -> Value {
    let b64 = |bytes: &[u8]| Value::String(URL_SAFE_NO_PAD.encode(bytes));
    let mut jwk = Map::new();
    match key {
        PublicKey::Sm2(key) => {
            let point = key.as_affine().to_encoded_point(false);
            let xy = &point.as_bytes()[1..];
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("crv".into(), "SM2".into());
            jwk.insert("x".into(), b64(&xy[..32]));
            jwk.insert("y".into(), b64(&xy[32..]));
        }
        PublicKey::Ed25519(_) => {
            jwk.insert("kty".into(), "OKP".into());
            jwk.insert("crv".into(), "Ed25519".into());
            jwk.insert("x".into(), b64(&key.to_bytes()));
        }
    }
    Value::Object(jwk)
}

/// The key a JWK holds. Refused: members other than the ones of its key type, coordinates that
/// are not exactly 32 bytes of unpadded base64url, and points not on the curve (or weak).
pub fn from_jwk(jwk: &Value) -> Result<PublicKey, JwkError> {
    let bad = |why: &str| JwkError(why.to_string());
    let object = jwk.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let text = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| JwkError(format!("no string member {name:?}")))
    };
    let coordinate = |name: &str| -> Result<[u8; 32], JwkError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text(name)?)
            .map_err(|_| JwkError(format!("{name:?} is not unpadded base64url")))?;
        bytes
            .try_into()
            .map_err(|_| JwkError(format!("{name:?} is not 32 bytes")))
    };
    let members = |allowed: &[&str]| match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(extra) => Err(JwkError(format!("unknown member {extra:?}"))),
        None => Ok(()),
    };
    match (text("kty")?, text("crv")?) {
        ("EC", "SM2") => {
            members(&["kty", "crv", "x", "y"])?;
            let mut sec1 = vec![0x04];
            sec1.extend_from_slice(&coordinate("x")?);
            sec1.extend_from_slice(&coordinate("y")?);
            let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, &sec1)
                .map_err(|_| bad("(x, y) is not a point of the SM2 curve"))?;
            Ok(PublicKey::Sm2(Box::new(key)))
        }
        ("OKP", "Ed25519") => {
            members(&["kty", "crv", "x"])?;
            let x = coordinate("x")?;
            PublicKey::from_text(&format!("ed25519:{}", hex::encode(x)))
                .map_err(|e| JwkError(e.to_string()))
        }
        (kty, crv) => Err(JwkError(format!(
            "unsupported kty {kty:?} with crv {crv:?}"
        ))),
    }
}
