//! `GET /v1/governance/proposals/{id}` (a proposal and its tally) and
//! `GET /v1/validators?height=H` (the validator set that signs a height).

use crate::error::{parse_hash, parse_u64, truncate, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;
use zl_ledger::LedgerError;
use zl_types::governance::{approvals_needed, rejections_needed};
use zl_types::Role;

/// `GET /v1/governance/proposals/{id}`: the stored proposal, its status at the tip (an open
/// proposal past its last height is `expired`) and its votes counted among today's governors.
pub(crate) async fn proposal(
    State(state): State<Arc<NodeState>>,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    let id = parse_hash(&id, ErrorCode::BadId, "proposal id")?;
    let ledger = &state.ledger;
    let proposal = ledger
        .proposal(&id)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no governance proposal {id} on chain {}: check the id `zl governance propose` printed, and that its transaction was committed",
                ledger.genesis().chain_id
            ))
        })?;
    let height = ledger.height();
    let governors: Vec<_> = ledger
        .members()
        .map_err(ApiError::ledger)?
        .into_iter()
        .filter(|m| m.roles.contains(&Role::Governor))
        .map(|m| m.public_key)
        .collect();
    let (approvals, rejections) = proposal.tally(&governors);
    let count = governors.len() as u64;
    Ok(Json(json!({
        "status": proposal.status_at(height),
        "height": height,
        "governors": count,
        "approvals": approvals,
        "rejections": rejections,
        "approvals_needed": approvals_needed(count),
        "rejections_needed": rejections_needed(count),
        "proposal": proposal,
    }))
    .into_response())
}

/// `GET /v1/validators?height=H`: the set that signs height `H` (default: the next block's),
/// known up to the tip plus the validator-set delay.
pub(crate) async fn validators(
    State(state): State<Arc<NodeState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ledger = &state.ledger;
    let height = match parse_height(query.as_deref().unwrap_or(""))? {
        Some(height) => height,
        None => ledger.height() + 1,
    };
    let set = ledger.validator_set_at(height).map_err(|e| match e {
        LedgerError::ValidatorSetUnknown { .. } => ApiError::not_found(e.to_string()),
        other => ApiError::ledger(other),
    })?;
    let hash = set.hash(
        ledger.hash_algorithm(),
        &ledger.genesis().chain_id,
        &ledger.genesis_hash(),
    );
    Ok(Json(json!({
        "height": height,
        "validator_set_hash": hash,
        "total_power": set.total_power(),
        "validators": set,
    }))
    .into_response())
}

/// The `height` of the query string, if given; any other parameter is refused.
fn parse_height(query: &str) -> Result<Option<u64>, ApiError> {
    let mut height = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "height" => height = Some(parse_u64(value, ErrorCode::BadHeight, "height")?),
            other => {
                return Err(ApiError::bad_request(
                    ErrorCode::BadQuery,
                    format!(
                        "unknown query parameter {:?}; this route takes only height",
                        truncate(other)
                    ),
                ))
            }
        }
    }
    Ok(height)
}
