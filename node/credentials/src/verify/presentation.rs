//! §9.6: presentations: the holder's proof with a nonce accepted once inside the window, every
//! credential by §9.5, and the rule that a holder presents only its own credentials unless the
//! subject authorised it (appendix E.3).

use super::{
    did, verify_credential, verify_proofs, Acceptance, Environment, NonceMemory, Verified,
};
use super::{CLOCK_SKEW_MS, NONCE_BYTES, PRESENTATION_WINDOW_MS};
use crate::shape::{Credential, Presentation, AUTHORISATION_TYPE};
use crate::{time, CredentialError};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{Map, Value};

/// The nonce of a presentation proof: base64url (padded or not) of 8 to 64 bytes.
fn check_nonce(proof: &Map<String, Value>) -> Result<String, CredentialError> {
    let nonce = proof.get("nonce").and_then(Value::as_str).ok_or_else(|| {
        CredentialError::malformed("presentation", "the proof has no nonce (§8.2.4)")
    })?;
    let decoded = URL_SAFE_NO_PAD
        .decode(nonce)
        .or_else(|_| URL_SAFE.decode(nonce))
        .map_err(|_| CredentialError::malformed("presentation", "the nonce is not base64url"))?;
    if !NONCE_BYTES.contains(&decoded.len()) {
        return Err(CredentialError::malformed(
            "presentation",
            format!(
                "the nonce holds {} bytes; it must hold 8 to 64",
                decoded.len()
            ),
        ));
    }
    Ok(nonce.to_owned())
}

/// Whether `vp_credentials` hold an authorisation credential from `subject` naming `holder`
/// (`authorization.lisensee`, appendix E.3) valid at `now_ms`.
fn authorised(credentials: &[Credential], subject: &str, holder: &str, now_ms: u64) -> bool {
    credentials.iter().any(|vc| {
        vc.types.iter().any(|t| t == AUTHORISATION_TYPE)
            && vc.issuer == subject
            && vc.subjects.iter().any(|s| {
                let Some(Value::Object(grant)) = s.claims.get("authorization") else {
                    return false;
                };
                let names_holder = crate::shape::set(grant, "lisensee")
                    .iter()
                    .any(|l| l.as_str() == Some(holder));
                let within = |name: &str, after: bool| {
                    grant.get(name).and_then(Value::as_str).is_none_or(|t| {
                        time::parse(t).is_ok_and(|t| if after { now_ms >= t } else { now_ms <= t })
                    })
                };
                names_holder && within("startDate", true) && within("endDate", false)
            })
    })
}

/// §9.6: verifies a presentation at `now_ms`: the holder's proof with a fresh nonce inside the
/// window, every credential by §9.5, and that the holder is each credential's subject or
/// carries that subject's authorisation credential. Returns the verified credentials.
pub fn verify_presentation(
    env: &dyn Environment,
    nonces: &mut dyn NonceMemory,
    presentation: &Value,
    now_ms: u64,
) -> Result<Vec<Verified>, CredentialError> {
    let vp = Presentation::parse(presentation)?;
    did(env, &vp.holder, "holder")?;
    let mut nonces_seen = Vec::new();
    for proof in &vp.proofs {
        nonces_seen.push(check_nonce(proof)?);
        let created = time::parse(proof.get("created").and_then(Value::as_str).unwrap_or(""))?;
        if created > now_ms + CLOCK_SKEW_MS
            || now_ms.saturating_sub(created) > PRESENTATION_WINDOW_MS
        {
            return Err(CredentialError::Proof(format!(
                "the presentation was created at {}; a verifier accepts it for {} minutes only",
                time::format(created),
                PRESENTATION_WINDOW_MS / 60_000
            )));
        }
    }
    verify_proofs(
        env,
        &vp.unsigned,
        &vp.proofs,
        &vp.holder,
        &["authentication", "assertionMethod"],
    )?;
    let parsed: Vec<Credential> = vp
        .credentials
        .iter()
        .map(Credential::parse)
        .collect::<Result<_, _>>()?;
    let mut verified = Vec::with_capacity(parsed.len());
    for (value, vc) in vp.credentials.iter().zip(&parsed) {
        verified.push(verify_credential(env, value, now_ms)?);
        if vc.types.iter().any(|t| t == AUTHORISATION_TYPE) {
            continue;
        }
        for subject in vc.subjects.iter().filter_map(|s| s.id.as_deref()) {
            if subject != vp.holder && !authorised(&parsed, subject, &vp.holder, now_ms) {
                return Err(CredentialError::NotAuthorised {
                    holder: vp.holder.clone(),
                    subject: subject.into(),
                    id: vc.id.clone(),
                });
            }
        }
    }
    for nonce in nonces_seen {
        match nonces.accept_once(&vp.holder, &nonce, now_ms) {
            Acceptance::Fresh => {}
            Acceptance::Replayed => return Err(CredentialError::Replay(nonce)),
            Acceptance::Full => return Err(CredentialError::NoncesFull(vp.holder.clone())),
        }
    }
    Ok(verified)
}
