//! The verification pipelines of JR/T 0325 §9.5 (credential) and §9.6 (presentation). What the
//! chain knows (DID documents, status, issuer registrations) and the verifier's nonce memory
//! come in through [`Environment`] and [`NonceMemory`]; the time is a parameter.

use crate::shape::{Credential, Presentation, AUTHORISATION_TYPE};
use crate::suite::verify_proof;
use crate::{time, CredentialError};
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{Map, Value};
use zl_types::did::{Did, DidDocument, Relationship, VerificationMethod};

/// How long a presentation stays acceptable after its proof's `created`, and so how long a
/// verifier must remember its nonce (10 minutes).
pub const PRESENTATION_WINDOW_MS: u64 = 10 * 60 * 1000;
/// How far in the future a presentation's `created` may be (clock skew, 1 minute).
pub const CLOCK_SKEW_MS: u64 = 60 * 1000;
/// Bytes of a decoded nonce, at least and at most.
pub const NONCE_BYTES: std::ops::RangeInclusive<usize> = 8..=64;

/// A credential's status as VCStatus2022 answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `valid`.
    Valid,
    /// `revoked`.
    Revoked,
    /// `notExist`.
    NotExist,
}

impl Status {
    /// The VCStatus2022 word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Revoked => "revoked",
            Status::NotExist => "notExist",
        }
    }
}

/// What a verifier knows. An offline verifier answers `None` to what it cannot know, and the
/// report says what was not checked.
pub trait Environment {
    /// The regulatory chain's id: the one chain id besides JR/T 0325 table 2 a DID may name.
    fn regulatory_chain(&self) -> Option<&str>;
    /// The current document of `did`; `Err` says why there is none (unknown, deactivated).
    fn resolve(&self, did: &str) -> Result<DidDocument, String>;
    /// The status of credential `id` (whose `credentialStatus.id` is `url`), if known.
    fn status(&self, id: &str, url: &str) -> Option<Status>;
    /// Whether `issuer` is registered to issue `credential_type`, if known.
    fn may_issue(&self, issuer: &str, credential_type: &str) -> Option<bool>;
}

/// A verifier's memory of accepted presentation nonces.
pub trait NonceMemory {
    /// Remembers `nonce` (accepted at `now_ms`) and answers true, or answers false if it was
    /// accepted before and is still remembered.
    fn accept_once(&mut self, nonce: &str, now_ms: u64) -> bool;
}

/// What a successful verification established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The credential's id.
    pub id: String,
    /// Its issuer.
    pub issuer: String,
    /// Its types.
    pub types: Vec<String>,
    /// Its subjects' DIDs.
    pub subjects: Vec<String>,
    /// Whether the status was checked (false offline).
    pub status_checked: bool,
    /// Whether the issuer registration was checked (false offline).
    pub issuer_checked: bool,
}

fn did(env: &dyn Environment, text: &str, role: &str) -> Result<(), CredentialError> {
    Did::parse(text, env.regulatory_chain())
        .map(|_| ())
        .map_err(|e| CredentialError::Did(format!("{role} {text:?}: {e}")))
}

/// The method `id` of `document` in the relationship `purpose` names.
fn method_for<'a>(
    document: &'a DidDocument,
    id: &str,
    purpose: &str,
) -> Option<&'a VerificationMethod> {
    let relationship = match purpose {
        "assertionMethod" => &document.assertion_method,
        "authentication" => &document.authentication,
        _ => return None,
    };
    relationship.iter().find_map(|r| match r {
        Relationship::Reference(reference) if reference == id => document.method(id),
        Relationship::Embedded(m) if m.id == id => Some(m.as_ref()),
        _ => None,
    })
}

/// Verifies every proof of a document signed by `signer` (a DID): each names a method of the
/// signer's current document in the relationship its `proofPurpose` names.
fn verify_proofs(
    env: &dyn Environment,
    unsigned: &Value,
    proofs: &[Map<String, Value>],
    signer: &str,
    purposes: &[&str],
) -> Result<(), CredentialError> {
    if proofs.is_empty() {
        return Err(CredentialError::Proof("there is no proof (§7.2.8)".into()));
    }
    let document = env
        .resolve(signer)
        .map_err(|why| CredentialError::Did(format!("{signer} cannot be used: {why}")))?;
    for proof in proofs {
        let method = proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .unwrap_or("");
        let purpose = proof
            .get("proofPurpose")
            .and_then(Value::as_str)
            .unwrap_or("");
        if method.split('#').next() != Some(signer) {
            return Err(CredentialError::Proof(format!(
                "verificationMethod {method:?} is not a key of {signer}"
            )));
        }
        if !purposes.contains(&purpose) {
            return Err(CredentialError::Proof(format!(
                "proofPurpose {purpose:?} is not one of {purposes:?}"
            )));
        }
        let key = method_for(&document, method, purpose).ok_or_else(|| {
            CredentialError::Proof(format!(
                "{method} is not in the {purpose} keys of {signer}'s current document"
            ))
        })?;
        verify_proof(unsigned, proof, &key.key)?;
    }
    Ok(())
}

/// §9.5: verifies a credential at `now_ms`: DID syntax, the model, the validity period, the
/// issuer's registration for each type, the status, and the proofs.
pub fn verify_credential(
    env: &dyn Environment,
    credential: &Value,
    now_ms: u64,
) -> Result<Verified, CredentialError> {
    let vc = Credential::parse(credential)?;
    did(env, &vc.issuer, "issuer")?;
    for subject in &vc.subjects {
        if let Some(id) = subject.id.as_deref().filter(|id| id.starts_with("did:")) {
            did(env, id, "credentialSubject.id")?;
        }
    }
    if now_ms < vc.issuance.1 || now_ms > vc.expiration.1 {
        return Err(CredentialError::Period {
            id: vc.id,
            now: time::format(now_ms),
            from: vc.issuance.0,
            until: vc.expiration.0,
        });
    }
    let mut issuer_checked = true;
    // An authorisation credential is the subject's own statement (appendix E.3): it needs no
    // registration, but its issuer must be its subject.
    let self_issued = vc.types.iter().any(|t| t == AUTHORISATION_TYPE);
    if self_issued {
        if !vc
            .subjects
            .iter()
            .all(|s| s.id.as_deref() == Some(vc.issuer.as_str()))
        {
            return Err(CredentialError::malformed(
                "credential",
                "an authorisation credential must be issued by its subject",
            ));
        }
    } else {
        for credential_type in vc.specific_types() {
            match env.may_issue(&vc.issuer, credential_type) {
                Some(true) => {}
                Some(false) => {
                    return Err(CredentialError::IssuerNotRegistered {
                        issuer: vc.issuer.clone(),
                        credential_type: credential_type.into(),
                    })
                }
                None => issuer_checked = false,
            }
        }
    }
    let mut status_checked = false;
    if let Some(url) = &vc.status_id {
        match env.status(&vc.id, url) {
            Some(Status::Valid) => status_checked = true,
            Some(other) => {
                return Err(CredentialError::Status {
                    id: vc.id,
                    status: other.as_str().into(),
                })
            }
            None => {}
        }
    }
    verify_proofs(
        env,
        &vc.unsigned,
        &vc.proofs,
        &vc.issuer,
        &["assertionMethod"],
    )?;
    Ok(Verified {
        subjects: vc.subjects.iter().filter_map(|s| s.id.clone()).collect(),
        id: vc.id,
        issuer: vc.issuer,
        types: vc.types,
        status_checked,
        issuer_checked,
    })
}

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
        if !nonces.accept_once(&nonce, now_ms) {
            return Err(CredentialError::Replay(nonce));
        }
    }
    Ok(verified)
}
