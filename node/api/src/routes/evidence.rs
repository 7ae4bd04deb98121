//! `GET /v1/evidence/{digest}`, `GET /v1/evidence/records/{seq}` and its `/proofs`.

use crate::error::{parse_hash, parse_u64, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

/// `GET /v1/evidence/{digest}`: every record holding the digest, each with whether it was
/// superseded and the document's receipt.
pub(crate) async fn by_digest(
    State(state): State<Arc<NodeState>>,
    PathParam(digest): PathParam,
) -> Result<Response, ApiError> {
    let digest = parse_hash(&digest, ErrorCode::BadDigest, "digest")?;
    let ledger = &state.ledger;
    let receipts = ledger
        .evidence_by_digest(&digest, state.limits.evidence_records_max)
        .map_err(ApiError::ledger)?;
    if receipts.is_empty() {
        return Err(ApiError::not_found(format!(
            "no evidence record holds digest {digest} on chain {}; check the digest's algorithm (the record's \
             digest_algorithm) and that its transaction was committed",
            ledger.genesis().chain_id
        )));
    }
    let mut records = Vec::with_capacity(receipts.len());
    for receipt in receipts {
        let superseded = ledger
            .evidence_superseded(receipt.record.seq)
            .map_err(ApiError::ledger)?;
        records
            .push(json!({"record": receipt.record, "superseded": superseded, "receipt": receipt}));
    }
    Ok(Json(json!({"digest": digest, "records": records})).into_response())
}

/// `GET /v1/evidence/records/{seq}`: one record and whether it was superseded.
pub(crate) async fn record(
    State(state): State<Arc<NodeState>>,
    PathParam(seq): PathParam,
) -> Result<Response, ApiError> {
    let seq = parse_u64(&seq, ErrorCode::BadSeq, "record seq")?;
    let record = state
        .ledger
        .evidence_record(seq)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| no_record(&state, seq))?;
    let superseded = state
        .ledger
        .evidence_superseded(seq)
        .map_err(ApiError::ledger)?;
    Ok(Json(json!({"record": record, "superseded": superseded})).into_response())
}

/// `GET /v1/evidence/records/{seq}/proofs`: the record's log proof, header, certificate and
/// per-document proofs.
pub(crate) async fn proofs(
    State(state): State<Arc<NodeState>>,
    PathParam(seq): PathParam,
) -> Result<Response, ApiError> {
    let seq = parse_u64(&seq, ErrorCode::BadSeq, "record seq")?;
    match state.ledger.record_proofs(seq).map_err(ApiError::ledger)? {
        Some(proofs) => Ok(Json(proofs).into_response()),
        None => Err(no_record(&state, seq)),
    }
}

fn no_record(state: &NodeState, seq: u64) -> ApiError {
    ApiError::not_found(format!(
        "no evidence record with seq {seq}: the evidence log of chain {} holds {} records (seq 0 to size - 1)",
        state.ledger.genesis().chain_id,
        state.ledger.evidence_log_size()
    ))
}
