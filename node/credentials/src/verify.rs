//! The verification pipelines of JR/T 0325 §9.5 (credential) and §9.6 (presentation, in
//! [`presentation`]). What the chain knows (DID documents, status, issuer registrations) and the
//! verifier's nonce memory come in through [`Environment`] and [`NonceMemory`]; the time is a
//! parameter.

mod presentation;

pub use presentation::verify_presentation;

use crate::shape::{Credential, AUTHORISATION_EXEMPT_TYPES, AUTHORISATION_TYPE};
use crate::suite::{document_digest, verify_proof_over};
use crate::{time, CredentialError};
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

/// What the chain records of a credential: its status and the types registered with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusAnswer {
    /// The status.
    pub status: Status,
    /// The specific types the issuer registered (empty for `notExist`).
    pub types: Vec<String>,
}

/// What a verifier knows. An offline verifier answers `Ok(None)` to what it cannot know, and
/// the report says what was not checked; a verifier that should know but cannot read it
/// answers `Err`, and verification fails closed.
pub trait Environment {
    /// The regulatory chain's id: the one chain id besides JR/T 0325 table 2 a DID may name.
    fn regulatory_chain(&self) -> Option<&str>;
    /// The current document of `did`; `Err` says why there is none (unknown, deactivated).
    fn resolve(&self, did: &str) -> Result<DidDocument, String>;
    /// The status of credential `id` of `issuer`.
    fn status(&self, issuer: &str, id: &str) -> Result<Option<StatusAnswer>, String>;
    /// Whether `issuer` is registered to issue `credential_type`.
    fn may_issue(&self, issuer: &str, credential_type: &str) -> Result<Option<bool>, String>;
}

/// A nonce memory's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acceptance {
    /// Not seen inside the window: now remembered.
    Fresh,
    /// Accepted before and still remembered.
    Replayed,
    /// The memory (or the holder's share of it) is full.
    Full,
}

/// A verifier's memory of accepted presentation nonces.
pub trait NonceMemory {
    /// Remembers `holder`'s `nonce` (accepted at `now_ms`) unless it was accepted before or
    /// there is no room.
    fn accept_once(&mut self, holder: &str, nonce: &str, now_ms: u64) -> Acceptance;
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
    /// Whether the status was checked (false offline, and for an authorisation credential
    /// without one).
    pub status_checked: bool,
    /// Whether every type was checked against the issuer registry (false offline).
    pub issuer_checked: bool,
}

pub(crate) fn did(env: &dyn Environment, text: &str, role: &str) -> Result<(), CredentialError> {
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
/// signer's current document in the relationship its `proofPurpose` names. The document is
/// canonicalised once, however many proofs it carries.
pub(crate) fn verify_proofs(
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
    let mut keys = Vec::with_capacity(proofs.len());
    for proof in proofs {
        let text = |name: &str| proof.get(name).and_then(Value::as_str).unwrap_or("");
        let (method, purpose) = (text("verificationMethod"), text("proofPurpose"));
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
        keys.push(key.key.clone());
    }
    let digest = document_digest(unsigned)?;
    for (proof, key) in proofs.iter().zip(&keys) {
        verify_proof_over(unsigned, &digest, proof, key)?;
    }
    Ok(())
}

fn unavailable(why: String) -> CredentialError {
    CredentialError::Unavailable(why)
}

/// The authorisation rule (appendix E.3, docs/DID.md §8.6): issued by its subject, with an
/// `authorization` grant in every subject.
fn check_authorisation_shape(vc: &Credential) -> Result<(), CredentialError> {
    let by_subject = !vc.subjects.is_empty()
        && vc.subjects.iter().all(|s| {
            s.id.as_deref() == Some(vc.issuer.as_str())
                && matches!(s.claims.get("authorization"), Some(Value::Object(_)))
        });
    if by_subject {
        return Ok(());
    }
    Err(CredentialError::malformed(
        "credential",
        "an authorisation credential is issued by its subject and grants `authorization` in every credentialSubject",
    ))
}

/// §9.5: verifies a credential at `now_ms`: DID syntax, the model, the validity period, the
/// issuer's registration for each type, the status (recorded for this issuer and these types),
/// and the proofs.
pub fn verify_credential(
    env: &dyn Environment,
    credential: &Value,
    now_ms: u64,
) -> Result<Verified, CredentialError> {
    let vc = Credential::parse(credential)?;
    did(env, &vc.issuer, "issuer")?;
    for subject in &vc.subjects {
        if let Some(id) = subject.id.as_deref() {
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
    let authorisation = vc.types.iter().any(|t| t == AUTHORISATION_TYPE);
    if authorisation {
        check_authorisation_shape(&vc)?;
    }
    let mut issuer_checked = true;
    for credential_type in vc.specific_types() {
        // The subject's own consent needs no registration; every other type does.
        if authorisation && AUTHORISATION_EXEMPT_TYPES.contains(&credential_type) {
            continue;
        }
        match env
            .may_issue(&vc.issuer, credential_type)
            .map_err(unavailable)?
        {
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
    let status_checked = check_status(env, &vc)?;
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

/// The status must be `valid`, recorded for this issuer with every specific type.
fn check_status(env: &dyn Environment, vc: &Credential) -> Result<bool, CredentialError> {
    if vc.status_id.is_none() {
        return Ok(false);
    }
    let Some(answer) = env.status(&vc.issuer, &vc.id).map_err(unavailable)? else {
        return Ok(false);
    };
    if answer.status != Status::Valid {
        return Err(CredentialError::Status {
            id: vc.id.clone(),
            status: answer.status.as_str().into(),
        });
    }
    if let Some(missing) = vc
        .specific_types()
        .find(|t| !answer.types.iter().any(|r| r == t))
    {
        return Err(CredentialError::Status {
            id: vc.id.clone(),
            status: format!("valid only for the types {:?}, not {missing}", answer.types),
        });
    }
    Ok(true)
}
