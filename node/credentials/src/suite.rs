//! The SM2Signature2022 proof of JR/T 0325 appendix F, exactly as PROTOCOL §19 fixes it:
//! URDNA2015 of the proof options and of the document, SM3 of each, the JWS unencoded-payload
//! signing input (RFC 7797) with the header `{"b64":false,"crit":["b64"],"alg":"SM2"}`, an SM2
//! signature, and `proofValue` = base64url(r ‖ s) without padding.

use crate::canon::canonical_nquads;
use crate::{time, CredentialError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use sm3::{Digest, Sm3};
use zl_types::{PublicKey, SecretKey, Signature};

/// The proof type.
pub const SIGNATURE_TYPE: &str = "SM2Signature2022";
/// The JWS protected header, byte for byte as appendix F writes it (not re-ordered).
pub const JWS_HEADER: &str = r#"{"b64":false,"crit":["b64"],"alg":"SM2"}"#;
/// Proof members that carry the signature and are not signed.
const SIGNATURE_MEMBERS: [&str; 3] = ["proofValue", "jws", "signatureValue"];

/// Every intermediate of a signing input, for test vectors and for explaining a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningInput {
    /// Canonical N-Quads of the proof options.
    pub options_nquads: String,
    /// Canonical N-Quads of the document without its proof.
    pub document_nquads: String,
    /// SM3(options N-Quads) ‖ SM3(document N-Quads).
    pub payload: [u8; 64],
    /// ASCII(base64url(header)) ‖ "." ‖ payload: the bytes SM2 signs.
    pub bytes: Vec<u8>,
}

/// The proof options: the proof without its signature members, given the document's context.
pub fn options_document(document: &Value, proof: &Map<String, Value>) -> Value {
    let mut options = Map::new();
    if let Some(context) = document.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    for (key, value) in proof {
        if !SIGNATURE_MEMBERS.contains(&key.as_str()) && key != "@context" {
            options.insert(key.clone(), value.clone());
        }
    }
    Value::Object(options)
}

/// The signing input of `proof` (its signature members are ignored) over `document` (which
/// must not carry the proof).
pub fn signing_input(
    document: &Value,
    proof: &Map<String, Value>,
) -> Result<SigningInput, CredentialError> {
    check_options(proof)?;
    let options_nquads = canonical_nquads(&options_document(document, proof))?;
    let document_nquads = canonical_nquads(document)?;
    let digest: [u8; 32] = Sm3::digest(document_nquads.as_bytes()).into();
    let (payload, bytes) = assemble(&options_nquads, &digest);
    Ok(SigningInput {
        options_nquads,
        document_nquads,
        payload,
        bytes,
    })
}

/// SM3 of the document's canonical N-Quads: the second half of every proof's payload, so a
/// verifier canonicalises the document once for all its proofs.
pub fn document_digest(document: &Value) -> Result<[u8; 32], CredentialError> {
    Ok(Sm3::digest(canonical_nquads(document)?.as_bytes()).into())
}

/// The payload and signing input from the options' N-Quads and the document's digest.
fn assemble(options_nquads: &str, document_digest: &[u8; 32]) -> ([u8; 64], Vec<u8>) {
    let mut payload = [0u8; 64];
    payload[..32].copy_from_slice(&Sm3::digest(options_nquads.as_bytes()));
    payload[32..].copy_from_slice(document_digest);
    let mut bytes = URL_SAFE_NO_PAD.encode(JWS_HEADER).into_bytes();
    bytes.push(b'.');
    bytes.extend_from_slice(&payload);
    (payload, bytes)
}

fn check_options(proof: &Map<String, Value>) -> Result<(), CredentialError> {
    let text = |name: &str| {
        proof
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| CredentialError::malformed("proof", format!("{name} must be a string")))
    };
    if text("type")? != SIGNATURE_TYPE {
        return Err(CredentialError::Proof(format!(
            "proof type {:?} is not {SIGNATURE_TYPE}, the only suite this node verifies",
            proof.get("type")
        )));
    }
    time::parse(text("created")?)?;
    text("verificationMethod")?;
    text("proofPurpose")?;
    Ok(())
}

/// Signs `document` (without a proof) with an SM2 key: returns the complete proof, `options`
/// plus `proofValue`.
pub fn create_proof(
    document: &Value,
    options: Map<String, Value>,
    key: &SecretKey,
) -> Result<Map<String, Value>, CredentialError> {
    if !matches!(key, SecretKey::Sm2(_)) {
        return Err(CredentialError::Proof(format!(
            "{SIGNATURE_TYPE} signs with SM2; key {} is not an SM2 key",
            key.public_key()
        )));
    }
    let input = signing_input(document, &options)?;
    let signature = key.sign(&input.bytes);
    let mut proof = options;
    proof.insert(
        "proofValue".into(),
        URL_SAFE_NO_PAD.encode(signature.0).into(),
    );
    Ok(proof)
}

/// Verifies `proof` over `document` (without the proof) with `key`.
pub fn verify_proof(
    document: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<(), CredentialError> {
    verify_proof_over(document, &document_digest(document)?, proof, key)
}

/// Verifies `proof` with `key` over `document`, whose [`document_digest`] is given.
pub fn verify_proof_over(
    document: &Value,
    digest: &[u8; 32],
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<(), CredentialError> {
    if !matches!(key, PublicKey::Sm2(_)) {
        return Err(CredentialError::Proof(format!(
            "{SIGNATURE_TYPE} needs an SM2 key; the verification method holds {key}"
        )));
    }
    let value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| CredentialError::malformed("proof", "proofValue must be a string"))?;
    let raw = URL_SAFE_NO_PAD.decode(value).map_err(|_| {
        CredentialError::Proof("proofValue is not base64url without padding".into())
    })?;
    let raw: [u8; 64] = raw.try_into().map_err(|raw: Vec<u8>| {
        CredentialError::Proof(format!(
            "proofValue holds {} bytes, not r ‖ s (64)",
            raw.len()
        ))
    })?;
    check_options(proof)?;
    let options_nquads = canonical_nquads(&options_document(document, proof))?;
    let (_, bytes) = assemble(&options_nquads, digest);
    key.verify(&bytes, &Signature(raw))
        .map_err(|_| CredentialError::Proof("the SM2 signature does not verify".into()))
}
