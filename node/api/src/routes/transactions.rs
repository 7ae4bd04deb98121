//! `GET /v1/transactions/{id}` and `GET /v1/transactions/{id}/receipt`.

use crate::error::{parse_hash, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

/// `GET /v1/transactions/{id}`: pending, or committed with its outcome.
pub(crate) async fn transaction(
    State(state): State<Arc<NodeState>>,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    let id = parse_hash(&id, ErrorCode::BadId, "transaction id")?;
    // The mempool before the ledger, so a transaction moving from one to the other between the
    // two looks is still found. One taken for a block that is not committed yet is found in
    // neither (for the time of one block) and answered 404.
    let pending = state.mempool().contains(&id);
    if let Some(info) = state.ledger.transaction(&id).map_err(ApiError::ledger)? {
        let outcome = &info.outcome;
        return Ok(Json(json!({
            "id": info.id,
            "status": "committed",
            "height": info.height,
            "index": info.index,
            "ok": outcome.ok,
            "error": outcome.error,
            "events": outcome.events,
        }))
        .into_response());
    }
    if pending {
        return Ok(Json(json!({
            "id": id,
            "status": "pending",
            "height": null,
            "index": null,
            "ok": null,
            "error": null,
            "events": [],
        }))
        .into_response());
    }
    Err(ApiError::not_found(format!(
        "transaction {id} is neither pending nor committed on chain {}; it may have expired before a block \
         took it, or never been accepted: submit it again (with a new expires_at if it expired)",
        state.ledger.genesis().chain_id
    )))
}

/// `GET /v1/transactions/{id}/receipt`: the committed transaction's receipt.
pub(crate) async fn receipt(
    State(state): State<Arc<NodeState>>,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    let id = parse_hash(&id, ErrorCode::BadId, "transaction id")?;
    match state
        .ledger
        .transaction_receipt(&id)
        .map_err(ApiError::ledger)?
    {
        Some(receipt) => Ok(Json(receipt).into_response()),
        None => {
            let why = if state.mempool().contains(&id) {
                "is still pending"
            } else {
                "is not committed"
            };
            Err(ApiError::not_found(format!(
                "transaction {id} {why}, so it has no receipt; follow GET /v1/commits or poll GET /v1/transactions/{id}"
            )))
        }
    }
}
