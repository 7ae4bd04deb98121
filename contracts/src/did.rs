//! The `did` system contract (JR/T 0325): the chain's DID authority creates `did:rem` DIDs of
//! this chain with their documents, and deactivates them (final). Every version of a document is
//! kept under its number and announced by an event, so each is provable through the block's
//! event root. Updates by a controller's proof and governed key recovery come next
//! (docs/DID.md).

use crate::{BlockContext, ContractError, Effects, StateView};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zl_types::canonical::canonical_json;
use zl_types::did::{local_chain, Did, DidDocument, SubjectCode};
use zl_types::{Call, ChainRole, CheckedTransaction, Event, Role};

/// The contract's name in calls.
pub const CONTRACT: &str = "did";
/// Bytes of a deactivation reason at most.
pub const REASON_BYTES_MAX: usize = 1024;

/// State key of a DID's head: `did/head/` ‖ DID.
pub fn head_key(did: &str) -> Vec<u8> {
    [b"did/head/".as_slice(), did.as_bytes()].concat()
}

/// State key of version `version` of a DID's document: `did/version/` ‖ DID ‖ 0x00 ‖ u64 BE.
pub fn version_key(did: &str, version: u64) -> Vec<u8> {
    [
        b"did/version/".as_slice(),
        did.as_bytes(),
        &[0],
        &version.to_be_bytes(),
    ]
    .concat()
}

/// A DID's current state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DidHead {
    /// The newest version (1 for the created document).
    pub version: u64,
    /// Block time (Unix ms) of version 1.
    pub created: u64,
    /// Block time of the newest version.
    pub updated: u64,
    /// Whether the DID is deactivated (final).
    pub deactivated: bool,
}

/// One version of a DID's document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DidVersion {
    /// The document in its canonical form.
    pub document: Value,
    /// What wrote it: `create` or `deactivate`.
    pub kind: String,
    /// Block height.
    pub height: u64,
    /// Block time (Unix ms).
    pub time: u64,
}

/// `did.create` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The DID document (its `id` is the DID created).
    pub document: Value,
}

/// `did.deactivate` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeactivateArgs {
    /// The DID.
    pub did: String,
    /// The version the caller saw (a stale one is refused, so decisions are not made blind).
    pub previous_version: u64,
    /// Why (kept in the event).
    pub reason: String,
}

/// Runs one call of this contract.
pub fn execute(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "create" => create(ctx, view, tx, parse_args(call)?),
        "deactivate" => deactivate(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call: method and argument shape and limits.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "create" => parse_args::<CreateArgs>(call).map(drop),
        "deactivate" => {
            let args: DeactivateArgs = parse_args(call)?;
            check_reason(&args.reason)
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "did has no method {method:?}; use create or deactivate"
    ))
}

fn parse_args<T: serde::de::DeserializeOwned>(call: &Call) -> Result<T, ContractError> {
    serde_json::from_value(call.args.clone())
        .map_err(|e| ContractError::BadArguments(format!("did.{}: {e}", call.method)))
}

fn check_reason(reason: &str) -> Result<(), ContractError> {
    if reason.trim().is_empty() || reason.len() > REASON_BYTES_MAX {
        return Err(ContractError::BadArguments(format!(
            "did.deactivate: give a reason of 1 to {REASON_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

/// The regulatory chain's id as DIDs on this chain may name it: this chain's own id on the
/// regulatory chain; unknown to a local chain until cross-chain work tells it.
fn regulatory_chain(ctx: &BlockContext) -> Option<&str> {
    (ctx.chain_role == ChainRole::Regulatory).then_some(ctx.chain_id.as_str())
}

fn require_did_authority(
    view: &dyn StateView,
    tx: &CheckedTransaction,
) -> Result<(), ContractError> {
    let signer = &tx.transaction.body.signer;
    match view.member(signer) {
        Some(member) if member.roles.contains(&Role::DidAuthority) => Ok(()),
        _ => Err(ContractError::Unauthorized(format!(
            "{signer} lacks the DidAuthority role; only the chain's DID authority creates and deactivates DIDs (governance grants the role)"
        ))),
    }
}

fn head(view: &dyn StateView, did: &str) -> Result<Option<DidHead>, ContractError> {
    view.get(&head_key(did))
        .map(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| {
                ContractError::Conflict(format!("the head of {did} does not decode: {e}"))
            })
        })
        .transpose()
}

fn create(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: CreateArgs,
) -> Result<Effects, ContractError> {
    require_did_authority(view, tx)?;
    let bad = |e: String| ContractError::BadArguments(format!("did.create: {e}"));
    let regulatory = regulatory_chain(ctx);
    if regulatory.is_none() && local_chain(&ctx.chain_id).is_none() {
        return Err(ContractError::BadArguments(format!(
            "did.create: this chain's id {:?} is not one of the 35 local business chain ids of JR/T 0325 table 2, so no did:rem DID can live on it; give the chain such an id in its genesis",
            ctx.chain_id
        )));
    }
    let document =
        DidDocument::from_json(&args.document, regulatory).map_err(|e| bad(e.to_string()))?;
    let did = Did::parse(&document.id, regulatory).map_err(|e| bad(e.to_string()))?;
    if did.chain != ctx.chain_id {
        return Err(bad(format!(
            "{} belongs to chain {:?}; create it on that chain",
            document.id, did.chain
        )));
    }
    if let SubjectCode::Investor { .. } = did.code {
        return Err(bad(format!(
            "{}: investor codes are unique network-wide and allocated by the regulatory chain; this chain cannot create investor DIDs yet (docs/DID.md)",
            document.id
        )));
    }
    for controller in &document.controller {
        if controller != &document.id && head(view, controller)?.is_none_or(|h| h.deactivated) {
            return Err(bad(format!(
                "controller {controller} is not an active DID of this chain; create it first"
            )));
        }
    }
    if head(view, &document.id)?.is_some() {
        return Err(ContractError::Conflict(format!(
            "{} exists already (DIDs are never reused, even after deactivation); update it instead",
            document.id
        )));
    }
    let canonical = document.to_json();
    let new_head = DidHead {
        version: 1,
        created: ctx.time,
        updated: ctx.time,
        deactivated: false,
    };
    Ok(write_version(
        ctx,
        tx,
        &document.id,
        &new_head,
        canonical,
        "create",
        json!({}),
    ))
}

fn deactivate(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: DeactivateArgs,
) -> Result<Effects, ContractError> {
    require_did_authority(view, tx)?;
    check_reason(&args.reason)?;
    let current = head(view, &args.did)?.ok_or_else(|| {
        ContractError::NotFound(format!("{} does not exist on this chain", args.did))
    })?;
    if current.deactivated {
        return Err(ContractError::Conflict(format!(
            "{} is deactivated already (deactivation is final)",
            args.did
        )));
    }
    if current.version != args.previous_version {
        return Err(ContractError::Conflict(format!(
            "{} is at version {}, not {}; resolve it again and retry",
            args.did, current.version, args.previous_version
        )));
    }
    let last: DidVersion = view
        .get(&version_key(&args.did, current.version))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ContractError::Conflict(format!(
                "version {} of {} is missing",
                current.version, args.did
            ))
        })?;
    let new_head = DidHead {
        version: current.version + 1,
        updated: ctx.time,
        deactivated: true,
        ..current
    };
    let extra = json!({"reason": args.reason});
    Ok(write_version(
        ctx,
        tx,
        &args.did,
        &new_head,
        last.document,
        "deactivate",
        extra,
    ))
}

/// Writes a new version and the head, and announces it with its document's digest.
fn write_version(
    ctx: &BlockContext,
    tx: &CheckedTransaction,
    did: &str,
    head: &DidHead,
    document: Value,
    kind: &str,
    extra: Value,
) -> Effects {
    let digest = ctx
        .hash_algorithm
        .digest(&canonical_json(&document).expect("a checked document is canonical JSON"));
    let version = DidVersion {
        document,
        kind: kind.into(),
        height: ctx.height,
        time: ctx.time,
    };
    let mut attributes = json!({"did": did, "version": head.version, "document_digest": digest});
    if let (Some(into), Value::Object(more)) = (attributes.as_object_mut(), extra) {
        into.extend(more);
    }
    Effects {
        writes: vec![
            (
                head_key(did),
                canonical_json(head).expect("a head is plain data"),
            ),
            (
                version_key(did, head.version),
                canonical_json(&version).expect("a version is plain data"),
            ),
        ],
        events: vec![Event {
            contract: CONTRACT.into(),
            kind: format!("{kind}d"),
            tx_id: tx.id,
            attributes,
        }],
        evidence: Vec::new(),
    }
}
