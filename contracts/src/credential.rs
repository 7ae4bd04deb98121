//! The `credential` system contract (JR/T 0325 §7.2.6, §9.4, §9.7): the chain keeps which
//! issuer may issue which credential type (written by governance) and each registered
//! credential's status. Credentials themselves stay off chain with their holders.
//!
//! `credential.register {id, issuer, types}` marks a credential `valid`; `credential.revoke
//! {issuer, id, reason}` marks it `revoked` (final). Both are signed by one of the issuer's
//! submitter keys; `register` also needs every type registered for the issuer. A status is
//! kept per issuer and id, so no issuer can take another's credential id.

use crate::parse_args;
use crate::{ContractError, Effects, StateView};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zl_types::canonical::canonical_json;
use zl_types::{Call, CheckedTransaction, Event, PublicKey};

/// The contract's name in calls.
pub const CONTRACT: &str = "credential";
/// Bytes of a credential id (a URI), at most.
pub const CREDENTIAL_ID_BYTES_MAX: usize = 512;
/// Bytes of a revocation reason, at most.
pub const REASON_BYTES_MAX: usize = 1024;

/// State key of an issuer registration: `credential/issuer/` ‖ DID.
pub fn issuer_key(did: &str) -> Vec<u8> {
    [b"credential/issuer/".as_slice(), did.as_bytes()].concat()
}

/// State key of a credential's status: `credential/status/` ‖ issuer DID ‖ 0x00 ‖ credential
/// id (a DID never holds 0x00).
pub fn status_key(issuer: &str, id: &str) -> Vec<u8> {
    [
        b"credential/status/".as_slice(),
        issuer.as_bytes(),
        &[0],
        id.as_bytes(),
    ]
    .concat()
}

/// An issuer's registration, as governance wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerRegistration {
    /// The issuer's DID.
    pub did: String,
    /// The credential types it may issue.
    pub credential_types: Vec<String>,
    /// The member keys that submit its credentials' status.
    pub submitters: Vec<PublicKey>,
    /// Block time (Unix ms) of the registration.
    pub registered: u64,
}

/// A credential's status record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRecord {
    /// The credential's id.
    pub id: String,
    /// Its issuer's DID.
    pub issuer: String,
    /// Its specific types.
    pub types: Vec<String>,
    /// `valid` or `revoked`.
    pub status: String,
    /// Block time of the registration.
    pub registered: u64,
    /// Block time of the revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<u64>,
    /// Why it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `credential.register` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The credential's id.
    pub id: String,
    /// Its issuer's DID.
    pub issuer: String,
    /// Its types besides `VerifiableCredential`.
    pub types: Vec<String>,
}

/// `credential.revoke` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeArgs {
    /// Its issuer's DID.
    pub issuer: String,
    /// The credential's id.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// Runs one call of this contract at block time `time`.
pub fn execute(
    time: u64,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "register" => register(time, view, tx, parse_args(call)?),
        "revoke" => revoke(time, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "register" => {
            let args: RegisterArgs = parse_args(call)?;
            check_id(&args.id)
        }
        "revoke" => {
            let args: RevokeArgs = parse_args(call)?;
            check_id(&args.id)?;
            if args.reason.trim().is_empty() || args.reason.len() > REASON_BYTES_MAX {
                return Err(ContractError::BadArguments(format!(
                    "credential.revoke: give a reason of 1 to {REASON_BYTES_MAX} bytes"
                )));
            }
            Ok(())
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "credential has no method {method:?}; use register or revoke"
    ))
}

fn check_id(id: &str) -> Result<(), ContractError> {
    let uri = id.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && !rest.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    if !uri
        || id.len() > CREDENTIAL_ID_BYTES_MAX
        || id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ContractError::BadArguments(format!(
            "credential id {:?} is not a URI of at most {CREDENTIAL_ID_BYTES_MAX} bytes without spaces",
            id.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

/// The registration of `did`, if it is a registered issuer.
pub fn issuer(view: &dyn StateView, did: &str) -> Option<IssuerRegistration> {
    view.get(&issuer_key(did))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// The status record of credential `id` of `issuer`.
pub fn status(view: &dyn StateView, issuer: &str, id: &str) -> Option<StatusRecord> {
    view.get(&status_key(issuer, id))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

fn require_submitter(
    registration: &IssuerRegistration,
    tx: &CheckedTransaction,
) -> Result<(), ContractError> {
    let signer = &tx.transaction.body.signer;
    if registration.submitters.contains(signer) {
        return Ok(());
    }
    Err(ContractError::Unauthorized(format!(
        "{signer} is not a submitter of issuer {}; its registration lists the keys that may register and revoke its credentials",
        registration.did
    )))
}

fn register(
    time: u64,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: RegisterArgs,
) -> Result<Effects, ContractError> {
    let registration = issuer(view, &args.issuer).ok_or_else(|| {
        ContractError::Unauthorized(format!(
            "{} is not a registered credential issuer; governance registers issuers (register_issuer)",
            args.issuer
        ))
    })?;
    require_submitter(&registration, tx)?;
    let specific: Vec<String> = args
        .types
        .into_iter()
        .filter(|t| t != "VerifiableCredential")
        .collect();
    if specific.is_empty() {
        return Err(ContractError::BadArguments(
            "credential.register: name the credential's specific types (e.g. QualifiedInvestorCredential)".into(),
        ));
    }
    if let Some(missing) = specific
        .iter()
        .find(|t| !registration.credential_types.contains(t))
    {
        return Err(ContractError::Unauthorized(format!(
            "issuer {} is not registered to issue {missing}; it may issue {:?}",
            args.issuer, registration.credential_types
        )));
    }
    if status(view, &args.issuer, &args.id).is_some() {
        return Err(ContractError::Conflict(format!(
            "credential {} is registered already; a credential id is registered once",
            args.id
        )));
    }
    let record = StatusRecord {
        id: args.id,
        issuer: args.issuer,
        types: specific,
        status: "valid".into(),
        registered: time,
        revoked: None,
        reason: None,
    };
    Ok(write(tx, record, "registered"))
}

fn revoke(
    time: u64,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: RevokeArgs,
) -> Result<Effects, ContractError> {
    let mut record = status(view, &args.issuer, &args.id).ok_or_else(|| {
        ContractError::NotFound(format!(
            "credential {} of {} is not registered on this chain",
            args.id, args.issuer
        ))
    })?;
    let registration = issuer(view, &record.issuer).ok_or_else(|| {
        ContractError::Unauthorized(format!(
            "issuer {} is no longer registered, so no key may revoke its credentials; ask governance",
            record.issuer
        ))
    })?;
    require_submitter(&registration, tx)?;
    if record.status == "revoked" {
        return Err(ContractError::Conflict(format!(
            "credential {} is revoked already (revocation is final)",
            args.id
        )));
    }
    record.status = "revoked".into();
    record.revoked = Some(time);
    record.reason = Some(args.reason);
    Ok(write(tx, record, "revoked"))
}

fn write(tx: &CheckedTransaction, record: StatusRecord, kind: &str) -> Effects {
    let attributes = json!({"id": record.id, "issuer": record.issuer, "types": record.types});
    Effects {
        writes: vec![(
            status_key(&record.issuer, &record.id),
            canonical_json(&record).expect("a status record is plain data"),
        )],
        events: vec![Event {
            contract: CONTRACT.into(),
            kind: kind.into(),
            tx_id: tx.id,
            attributes,
        }],
        evidence: Vec::new(),
        objects: Vec::new(),
    }
}

/// The write of a governance `register_issuer` (time: the block's).
pub fn issuer_write(registration: &IssuerRegistration) -> (Vec<u8>, Vec<u8>) {
    (
        issuer_key(&registration.did),
        canonical_json(registration).expect("a registration is plain data"),
    )
}
