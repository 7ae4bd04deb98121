//! `GET /v1/consensus/{height}` (the consensus state of JR/T 0314 §7.4) and
//! `GET /v1/misbehaviour` (the double votes this node saw).

use crate::error::{parse_u64, truncate, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;
use zl_ledger::consensus_store::MISBEHAVIOUR_LIST_MAX;
use zl_types::ConsensusState;

/// Double votes listed per request when the request names no `limit`.
pub(crate) const MISBEHAVIOUR_LIMIT_DEFAULT: usize = 100;

const _: () = assert!(MISBEHAVIOUR_LIMIT_DEFAULT <= MISBEHAVIOUR_LIST_MAX);

/// `GET /v1/consensus/{height}`: the header, validator set, votes and signed data of a committed
/// height, which verifies offline (PROTOCOL.md §9.5).
pub(crate) async fn consensus_state(
    State(state): State<Arc<NodeState>>,
    PathParam(height): PathParam,
) -> Result<Response, ApiError> {
    let height = parse_u64(&height, ErrorCode::BadHeight, "block height")?;
    let ledger = &state.ledger;
    let Some(block) = ledger.block(height).map_err(ApiError::ledger)? else {
        return Err(if height == 0 {
            ApiError::not_found(
                "height 0 is the genesis, which has no votes; its validators are in GET /v1/genesis",
            )
        } else {
            ApiError::not_found(format!(
                "height {height} is not committed yet: the chain's height is {}; ask again later or follow GET /v1/commits",
                ledger.height()
            ))
        });
    };
    let validators = ledger.validator_set_at(height).map_err(ApiError::ledger)?;
    // The node's own block, certificate and set disagreeing is a broken ledger, not a bad request.
    let answer = ConsensusState::build(
        &block.header,
        block.hash,
        &block.certificate,
        &validators,
        ledger.hash_algorithm(),
        &ledger.genesis_hash(),
    )
    .map_err(ApiError::ledger)?;
    Ok(Json(answer).into_response())
}

/// `GET /v1/misbehaviour?from=H&limit=N`: the double votes this node saw, from height `H`
/// (default 0), at most `N` (default 100, at most 1000), oldest height first.
pub(crate) async fn misbehaviour(
    State(state): State<Arc<NodeState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (from, limit) = parse_query(query.as_deref().unwrap_or(""))?;
    let mut entries = state
        .ledger
        .misbehaviour(from, limit)
        .map_err(ApiError::ledger)?;
    // A full page may stop inside a height: leave that height whole to the next page.
    let next_from = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) if entries.len() == limit => {
            let (first, last) = (first.first.vote.height, last.first.vote.height);
            if first == last {
                Some(last.saturating_add(1))
            } else {
                entries.retain(|e| e.first.vote.height != last);
                Some(last)
            }
        }
        _ => None,
    };
    Ok(Json(json!({"misbehaviour": entries, "next_from": next_from})).into_response())
}

/// `from` and `limit` of the query string; any other parameter is refused.
fn parse_query(query: &str) -> Result<(u64, usize), ApiError> {
    let (mut from, mut limit) = (0u64, MISBEHAVIOUR_LIMIT_DEFAULT);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "from" => from = parse_u64(value, ErrorCode::BadQuery, "from")?,
            "limit" => {
                limit = parse_u64(value, ErrorCode::BadQuery, "limit")?
                    .try_into()
                    .unwrap_or(usize::MAX);
                if !(1..=MISBEHAVIOUR_LIST_MAX).contains(&limit) {
                    return Err(ApiError::bad_request(
                        ErrorCode::BadQuery,
                        format!("limit {limit} is out of range; pass 1 to {MISBEHAVIOUR_LIST_MAX}"),
                    ));
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    ErrorCode::BadQuery,
                    format!(
                        "unknown query parameter {:?}; this route takes from and limit",
                        truncate(other)
                    ),
                ))
            }
        }
    }
    Ok((from, limit))
}
