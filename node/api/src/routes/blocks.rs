//! `GET /v1/blocks/{height}` and `GET /v1/blocks/latest`.

use crate::error::{parse_u64, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// `GET /v1/blocks/{height}`: the stored block (header, hash, certificate, transaction ids).
pub(crate) async fn block(
    State(state): State<Arc<NodeState>>,
    PathParam(height): PathParam,
) -> Result<Response, ApiError> {
    let height = parse_u64(&height, ErrorCode::BadHeight, "block height")?;
    match state.ledger.block(height).map_err(ApiError::ledger)? {
        Some(block) => Ok(Json(block).into_response()),
        None if height == 0 => Err(ApiError::not_found(
            "height 0 is the genesis, which is not a block; read it at GET /v1/genesis",
        )),
        None => Err(ApiError::not_found(format!(
            "block {height} does not exist yet: the chain's height is {}; ask again later or follow GET /v1/commits",
            state.ledger.height()
        ))),
    }
}

/// `GET /v1/blocks/latest`: the last committed block.
pub(crate) async fn latest(State(state): State<Arc<NodeState>>) -> Result<Response, ApiError> {
    match state.ledger.tip() {
        Some(block) => Ok(Json(block).into_response()),
        None => Err(ApiError::not_found(
            "the chain has no block yet (height 0); ask again once the first block is committed",
        )),
    }
}
