//! The `evidence` system contract: notarise documents, correct or revoke a record by a new one.

use crate::parse_args;
use crate::{require_role, BlockContext, ContractError, Effects, NewEvidence, StateView};
use serde_json::json;
use zl_types::evidence::{check_text, document_leaves};
use zl_types::{
    merkle, Call, CheckedTransaction, Event, EvidenceKind, EvidenceRecord, NotarizeArgs,
    RevokeArgs, Role,
};

/// The contract's name in calls.
pub const CONTRACT: &str = "evidence";

/// State key recording that a record was corrected or revoked: `evidence/superseded/<seq, 8 bytes big-endian>`.
pub fn superseded_key(seq: u64) -> Vec<u8> {
    let mut key = b"evidence/superseded/".to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// Runs one call of this contract.
pub fn execute(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "notarize" => {
            let args: NotarizeArgs = parse_args(call)?;
            if args.refers_to.is_some() {
                return Err(ContractError::BadArguments(
                    "notarize takes no refers_to; use the correct method to correct a record"
                        .into(),
                ));
            }
            notarize(ctx, view, tx, args, EvidenceKind::Notarize)
        }
        "correct" => {
            let args: NotarizeArgs = parse_args(call)?;
            notarize(ctx, view, tx, args, EvidenceKind::Correct)
        }
        "revoke" => revoke(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call of this contract: method and argument shape and limits.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "notarize" | "correct" => {
            let args: NotarizeArgs = parse_args(call)?;
            args.check()
                .map_err(|e| ContractError::BadArguments(e.to_string()))
        }
        "revoke" => {
            let args: RevokeArgs = parse_args(call)?;
            check_text(&args.reason).map_err(|e| ContractError::BadArguments(e.to_string()))
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "evidence has no method {method:?}; use notarize, correct or revoke"
    ))
}

fn notarize(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: NotarizeArgs,
    kind: EvidenceKind,
) -> Result<Effects, ContractError> {
    require_role(view, tx, Role::Submitter)?;
    args.check()
        .map_err(|e| ContractError::BadArguments(e.to_string()))?;
    let mut effects = Effects::default();
    if kind == EvidenceKind::Correct {
        let old = args.refers_to.ok_or_else(|| {
            ContractError::BadArguments(
                "correct needs refers_to: the seq of the record corrected".into(),
            )
        })?;
        supersede(view, tx, old, kind, &mut effects)?;
    }
    let alg = ctx.hash_algorithm;
    let documents_root = merkle::root(alg, &document_leaves(alg, &args.documents));
    let record = EvidenceRecord {
        seq: view.evidence_log_size(),
        kind,
        refers_to: args.refers_to,
        tx_id: tx.id,
        submitter: tx.transaction.body.signer.clone(),
        height: ctx.height,
        time: ctx.time,
        category: args.category,
        title: args.title,
        reference: args.reference,
        location: args.location,
        security_level: args.security_level,
        digest_algorithm: args.digest_algorithm,
        document_count: args.documents.len() as u64,
        documents_root,
        reason: None,
    };
    push_record(tx, record, args.documents, &mut effects);
    Ok(effects)
}

fn revoke(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: RevokeArgs,
) -> Result<Effects, ContractError> {
    require_role(view, tx, Role::Submitter)?;
    check_text(&args.reason).map_err(|e| ContractError::BadArguments(e.to_string()))?;
    let mut effects = Effects::default();
    let old = supersede(view, tx, args.refers_to, EvidenceKind::Revoke, &mut effects)?;
    let alg = ctx.hash_algorithm;
    let record = EvidenceRecord {
        seq: view.evidence_log_size(),
        kind: EvidenceKind::Revoke,
        refers_to: Some(args.refers_to),
        tx_id: tx.id,
        submitter: tx.transaction.body.signer.clone(),
        height: ctx.height,
        time: ctx.time,
        category: old.category,
        title: old.title,
        reference: old.reference,
        location: None,
        security_level: old.security_level,
        digest_algorithm: old.digest_algorithm,
        document_count: 0,
        documents_root: merkle::empty_root(alg),
        reason: Some(args.reason),
    };
    push_record(tx, record, Vec::new(), &mut effects);
    Ok(effects)
}

/// Checks that `old` may be superseded by the signer and records that it is.
fn supersede(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    old: u64,
    kind: EvidenceKind,
    effects: &mut Effects,
) -> Result<EvidenceRecord, ContractError> {
    let record = view.evidence_record(old).ok_or_else(|| {
        ContractError::NotFound(format!(
            "no evidence record with seq {old}; check the receipt's record.seq"
        ))
    })?;
    if record.kind == EvidenceKind::Revoke {
        return Err(ContractError::Conflict(format!(
            "record {old} is a revocation; it cannot be superseded"
        )));
    }
    if let Some(existing) = view.get(&superseded_key(old)) {
        return Err(ContractError::Conflict(format!(
            "record {old} was already superseded ({}); correct or revoke the newer record",
            String::from_utf8_lossy(&existing)
        )));
    }
    let signer = &tx.transaction.body.signer;
    let is_regulator = view
        .member(signer)
        .is_some_and(|m| m.roles.contains(&Role::Regulator));
    if &record.submitter != signer && !is_regulator {
        return Err(ContractError::Unauthorized(format!(
            "record {old} was submitted by {}; only its submitter or a regulator may supersede it",
            record.submitter
        )));
    }
    let by = view.evidence_log_size();
    let note = json!({"by": by, "kind": kind});
    let bytes = zl_types::canonical::canonical_json(&note).expect("a note of two small fields");
    effects.writes.push((superseded_key(old), bytes));
    Ok(record)
}

fn push_record(
    tx: &CheckedTransaction,
    record: EvidenceRecord,
    documents: Vec<zl_types::Hash>,
    effects: &mut Effects,
) {
    effects.events.push(Event {
        contract: CONTRACT.into(),
        kind: match record.kind {
            EvidenceKind::Notarize => "notarized",
            EvidenceKind::Correct => "corrected",
            EvidenceKind::Revoke => "revoked",
        }
        .into(),
        tx_id: tx.id,
        attributes: json!({
            "seq": record.seq,
            "refers_to": record.refers_to,
            "document_count": record.document_count,
            "documents_root": record.documents_root,
        }),
    });
    effects.evidence.push(NewEvidence { record, documents });
}
