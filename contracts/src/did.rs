//! The `did` system contract (JR/T 0325): the chain's DID authority creates `did:rem` DIDs of
//! this chain with their documents; a controller updates a document (new keys, services,
//! controllers) or deactivates the DID (final) by a signed proof (PROTOCOL §18), which any
//! submitting member relays; the DID authority may deactivate too. Every version of a document
//! is kept under its number and announced by an event, so each is provable through the block's
//! event root. Key recovery is governed and investor codes need the allocator's signature
//! ([`governed`]).

use crate::parse_args;
pub mod governed;

use crate::{BlockContext, ContractError, Effects, StateView};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zl_types::canonical::canonical_json;
use zl_types::did::{
    local_chain, ControllerProof, Did, DidDocument, DidOperation, OperationKind, SubjectCode,
};
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
    /// What wrote it: `create`, `update`, `deactivate` or `recover`.
    pub kind: String,
    /// Block height.
    pub height: u64,
    /// Block time (Unix ms).
    pub time: u64,
    /// The transaction that wrote it: its receipt proves the version's event, which carries the
    /// document's digest (`GET /v1/transactions/{id}/receipt`).
    pub tx_id: zl_types::Hash,
}

/// `did.create` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The DID document (its `id` is the DID created).
    pub document: Value,
    /// For an investor DID: the allocator's signature over the code (PROTOCOL §18.2).
    #[serde(default)]
    pub allocation: Option<zl_types::Signature>,
}

/// `did.update` arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The DID.
    pub did: String,
    /// The current version, which the new document replaces.
    pub previous_version: u64,
    /// The new document (its `id` stays the DID).
    pub document: Value,
    /// A controller's signature over the update (PROTOCOL §18).
    pub proof: ControllerProof,
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
    /// A controller's signature over the deactivation; without it only the DID authority may
    /// deactivate.
    #[serde(default)]
    pub proof: Option<ControllerProof>,
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
        "update" => update(ctx, view, tx, parse_args(call)?),
        "deactivate" => deactivate(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call: method and argument shape and limits.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "create" => parse_args::<CreateArgs>(call).map(drop),
        "update" => parse_args::<UpdateArgs>(call).map(drop),
        "deactivate" => {
            let args: DeactivateArgs = parse_args(call)?;
            check_reason(&args.reason)
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "did has no method {method:?}; use create, update or deactivate"
    ))
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
pub(crate) fn regulatory_chain(ctx: &BlockContext) -> Option<&str> {
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

pub(crate) fn head(view: &dyn StateView, did: &str) -> Result<Option<DidHead>, ContractError> {
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
        let code = document.id.rsplit(':').next().unwrap_or_default();
        governed::check_allocation(ctx, view, tx, &document.id, code, args.allocation.as_ref())?;
    }
    check_controllers(view, &document)?;
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

fn update(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: UpdateArgs,
) -> Result<Effects, ContractError> {
    require_relay(view, tx)?;
    let bad = |e: String| ContractError::BadArguments(format!("did.update: {e}"));
    let current = current_head(view, &args.did, args.previous_version)?;
    let document = DidDocument::from_json(&args.document, regulatory_chain(ctx))
        .map_err(|e| bad(e.to_string()))?;
    if document.id != args.did {
        return Err(bad(format!(
            "the document's id is {}, not {}; a DID keeps its id",
            document.id, args.did
        )));
    }
    check_controllers(view, &document)?;
    let operation = DidOperation::update(&args.did, current.version, &document, ctx.hash_algorithm);
    check_proof(ctx, view, tx, &operation, &args.proof)?;
    let new_head = DidHead {
        version: current.version + 1,
        updated: ctx.time,
        ..current
    };
    let extra = json!({"by": args.proof.verification_method});
    Ok(write_version(
        ctx,
        tx,
        &args.did,
        &new_head,
        document.to_json(),
        "update",
        extra,
    ))
}

fn deactivate(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: DeactivateArgs,
) -> Result<Effects, ContractError> {
    check_reason(&args.reason)?;
    let current = current_head(view, &args.did, args.previous_version)?;
    let by = match &args.proof {
        Some(proof) => {
            require_relay(view, tx)?;
            let operation = DidOperation {
                operation: OperationKind::Deactivate,
                did: args.did.clone(),
                previous_version: current.version,
                document_digest: None,
            };
            check_proof(ctx, view, tx, &operation, proof)?;
            proof.verification_method.clone()
        }
        None => {
            require_did_authority(view, tx)?;
            "did authority".to_string()
        }
    };
    let last = version(view, &args.did, current.version)?;
    let new_head = DidHead {
        version: current.version + 1,
        updated: ctx.time,
        deactivated: true,
        ..current
    };
    let extra = json!({"reason": args.reason, "by": by});
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

/// The head of an active DID at `previous_version`.
fn current_head(
    view: &dyn StateView,
    did: &str,
    previous_version: u64,
) -> Result<DidHead, ContractError> {
    let current = head(view, did)?
        .ok_or_else(|| ContractError::NotFound(format!("{did} does not exist on this chain")))?;
    if current.deactivated {
        return Err(ContractError::Conflict(format!(
            "{did} is deactivated (deactivation is final); it can no longer be used"
        )));
    }
    if current.version != previous_version {
        return Err(ContractError::Conflict(format!(
            "{did} is at version {}, not {previous_version}; resolve it again and retry",
            current.version
        )));
    }
    Ok(current)
}

fn version(view: &dyn StateView, did: &str, number: u64) -> Result<DidVersion, ContractError> {
    view.get(&version_key(did, number))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ContractError::Conflict(format!("version {number} of {did} is missing")))
}

/// The current document of an active DID of this chain.
fn current_document(
    ctx: &BlockContext,
    view: &dyn StateView,
    did: &str,
) -> Result<DidDocument, ContractError> {
    let current = head(view, did)?.filter(|h| !h.deactivated).ok_or_else(|| {
        ContractError::Unauthorized(format!("{did} is not an active DID of this chain"))
    })?;
    let stored = version(view, did, current.version)?;
    DidDocument::from_json(&stored.document, regulatory_chain(ctx)).map_err(|e| {
        ContractError::Conflict(format!("the stored document of {did} no longer reads: {e}"))
    })
}

/// A proof is valid if its method is in the `authentication` of the current document of one of
/// the DID's controllers, and its signature over the operation verifies with that method's key.
fn check_proof(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    operation: &DidOperation,
    proof: &ControllerProof,
) -> Result<(), ContractError> {
    let name = match operation.operation {
        OperationKind::Update => "update",
        OperationKind::Deactivate => "deactivate",
    };
    let unauthorized = |why: String| ContractError::Unauthorized(format!("did.{name}: {why}"));
    let controller = proof
        .controller()
        .map_err(|e| unauthorized(e.to_string()))?;
    let subject = current_document(ctx, view, &operation.did)?;
    if !subject.controller.iter().any(|c| c == controller) {
        return Err(unauthorized(format!(
            "{controller} is not a controller of {}; its controllers are {:?}",
            operation.did, subject.controller
        )));
    }
    let document = current_document(ctx, view, controller)?;
    let method = document
        .authentication_method(&proof.verification_method)
        .ok_or_else(|| {
            unauthorized(format!(
                "{} is not an authentication method of {controller}'s current document",
                proof.verification_method
            ))
        })?;
    let bytes = operation.signing_bytes(&ctx.chain_id, &tx.transaction.body.genesis_hash);
    method.key.verify(&bytes, &proof.signature).map_err(|_| {
        unauthorized(format!(
            "the proof's signature does not verify with {} over the operation (PROTOCOL §18)",
            proof.verification_method
        ))
    })
}

/// Every controller other than the DID itself is an active DID of this chain.
fn check_controllers(view: &dyn StateView, document: &DidDocument) -> Result<(), ContractError> {
    for controller in &document.controller {
        if controller != &document.id && head(view, controller)?.is_none_or(|h| h.deactivated) {
            return Err(ContractError::BadArguments(format!(
                "controller {controller} is not an active DID of this chain; create it first"
            )));
        }
    }
    Ok(())
}

/// Who may relay a controller's signed change: a member that submits, or the DID authority.
fn require_relay(view: &dyn StateView, tx: &CheckedTransaction) -> Result<(), ContractError> {
    let signer = &tx.transaction.body.signer;
    match view.member(signer) {
        Some(m) if m.roles.iter().any(|r| matches!(r, Role::Submitter | Role::DidAuthority)) => Ok(()),
        _ => Err(ContractError::Unauthorized(format!(
            "{signer} may not relay DID changes; a member with the Submitter or DidAuthority role must"
        ))),
    }
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
        tx_id: tx.id,
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
            kind: if kind == "recover" {
                "recovered".into()
            } else {
                format!("{kind}d")
            },
            tx_id: tx.id,
            attributes,
        }],
        evidence: Vec::new(),
        objects: Vec::new(),
    }
}
