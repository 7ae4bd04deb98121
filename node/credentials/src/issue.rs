//! Issuing a credential (§9.4) and creating a presentation (§8): normalise to the output form,
//! check the model, and add an SM2Signature2022 proof.

use crate::shape::{normalise, Credential, Presentation, PRESENTATION_TYPE};
use crate::suite::{create_proof, SIGNATURE_TYPE};
use crate::{contexts, time, CredentialError};
use serde_json::{json, Map, Value};
use zl_types::SecretKey;

fn options(method: &str, purpose: &str, created_ms: u64) -> Map<String, Value> {
    let mut options = Map::new();
    options.insert("type".into(), SIGNATURE_TYPE.into());
    options.insert("created".into(), time::format(created_ms).into());
    options.insert("verificationMethod".into(), method.into());
    options.insert("proofPurpose".into(), purpose.into());
    options
}

/// Signs `unsigned` (a credential without a proof) as its issuer, with the key of `method`
/// (`<issuer DID>#<fragment>`, in the issuer's `assertionMethod`).
pub fn issue_credential(
    unsigned: &Value,
    method: &str,
    key: &SecretKey,
    created_ms: u64,
) -> Result<Value, CredentialError> {
    if unsigned.get("proof").is_some() {
        return Err(CredentialError::malformed(
            "credential",
            "it already has a proof",
        ));
    }
    let document = normalise(unsigned);
    let credential = Credential::parse(&document)?;
    if method.split('#').next() != Some(credential.issuer.as_str()) {
        return Err(CredentialError::Proof(format!(
            "{method} is not a key of the issuer {}",
            credential.issuer
        )));
    }
    let proof = create_proof(
        &document,
        options(method, "assertionMethod", created_ms),
        key,
    )?;
    let mut out = document.as_object().expect("parsed as an object").clone();
    out.insert("proof".into(), Value::Array(vec![Value::Object(proof)]));
    Ok(Value::Object(out))
}

/// A presentation by `holder` of `credentials`, signed with the key of `method` (in the
/// holder's `authentication`) and carrying `nonce` (base64url, from the verifier or fresh).
pub fn create_presentation(
    holder: &str,
    credentials: &[Value],
    method: &str,
    key: &SecretKey,
    nonce: &str,
    created_ms: u64,
) -> Result<Value, CredentialError> {
    let document = json!({
        "@context": [contexts::CREDENTIALS_V1, contexts::REM_V1],
        "type": [PRESENTATION_TYPE],
        "holder": holder,
        "verifiableCredential": credentials.iter().map(normalise).collect::<Vec<_>>(),
    });
    Presentation::parse(&document)?;
    if method.split('#').next() != Some(holder) {
        return Err(CredentialError::Proof(format!(
            "{method} is not a key of the holder {holder}"
        )));
    }
    let mut options = options(method, "authentication", created_ms);
    options.insert("nonce".into(), nonce.into());
    let proof = create_proof(&document, options, key)?;
    let mut out = document.as_object().expect("built as an object").clone();
    out.insert("proof".into(), Value::Array(vec![Value::Object(proof)]));
    Ok(Value::Object(out))
}
