//! Business data objects as the chain records them (docs/DATA-MODEL.md §12): an object's head
//! and latest snapshot, any version and revision, its history, the snapshots that refer to a
//! version, and the proof of a snapshot record in its block's object root. Bodies here are the
//! redacted ones; the full snapshots live in the object store.

use crate::error::{parse_u64, truncate, ApiError, ErrorCode, PathParam};
use crate::state::NodeState;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;
use zl_ledger::OBJECT_LIST_MAX;
use zl_types::object::{valid_object_id, ObjectProof, Reference};

/// Snapshots a history or referrer answer holds when the query names no limit.
pub(crate) const OBJECT_LIST_DEFAULT: usize = 100;

/// `GET /v1/objects/{id}`: the head and the current revision of the latest version.
pub(crate) async fn object(
    State(state): State<Arc<NodeState>>,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    check_id(&id)?;
    let head = state
        .ledger
        .object_head(&id)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| no_object(&id))?;
    let current = state
        .ledger
        .object_snapshot(&id, head.latest, None)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| ApiError::ledger(format!("the latest snapshot of {id} is missing")))?;
    Ok(Json(json!({"head": head, "current": current})).into_response())
}

/// `GET /v1/objects/{id}/versions/{version}[?revision=n]`: one snapshot (the current revision
/// unless one is named) with its redacted full body.
pub(crate) async fn version(
    State(state): State<Arc<NodeState>>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (id, version) = parse_target(&id, &version)?;
    let revision = parse_revision(query.as_deref())?;
    let snapshot = state
        .ledger
        .object_snapshot(&id, version, revision)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| no_snapshot(&id, version, revision))?;
    Ok(Json(snapshot).into_response())
}

/// `GET /v1/objects/{id}/versions/{version}/proof[?revision=n]`: the snapshot record with its
/// audit path to its block's object root, the header, certificate and validator-set changes.
pub(crate) async fn proof(
    State(state): State<Arc<NodeState>>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let proof = load_proof(&state, &id, &version, query.as_deref())?;
    Ok(Json(proof).into_response())
}

/// The proof of the snapshot a `…/versions/{version}[?revision=n]` path and query name.
pub(crate) fn load_proof(
    state: &NodeState,
    id: &str,
    version: &str,
    query: Option<&str>,
) -> Result<ObjectProof, ApiError> {
    let (id, version) = parse_target(id, version)?;
    let revision = parse_revision(query)?;
    state
        .ledger
        .object_proof(&id, version, revision)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| no_snapshot(&id, version, revision))
}

/// `GET /v1/objects/{id}/history[?from=v&limit=n]`: the records of every snapshot from version
/// `from` on, in (version, revision) order; `next_from` continues a cut list.
pub(crate) async fn history(
    State(state): State<Arc<NodeState>>,
    PathParam(id): PathParam,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    check_id(&id)?;
    let (from, limit) = parse_list_query(query.as_deref(), true)?;
    let mut snapshots = state
        .ledger
        .object_history(&id, from, limit + 1)
        .map_err(ApiError::ledger)?;
    if snapshots.is_empty() && from == 0 {
        return Err(no_object(&id));
    }
    let next_from = if snapshots.len() > limit {
        snapshots.truncate(limit);
        // Continue at the last version listed, so its remaining revisions are not skipped.
        let last = snapshots.last().map_or(from, |s| s.record.version);
        if snapshots.iter().any(|s| s.record.version != last) {
            snapshots.retain(|s| s.record.version != last);
            Some(last)
        } else {
            Some(last + 1)
        }
    } else {
        None
    };
    let records: Vec<_> = snapshots.into_iter().map(|s| s.record).collect();
    Ok(
        Json(json!({"object_id": id, "snapshots": records, "next_from": next_from}))
            .into_response(),
    )
}

/// `GET /v1/objects/{id}/versions/{version}/referrers[?limit=n]`: the snapshots whose bodies
/// refer to `<id>/<version>`.
pub(crate) async fn referrers(
    State(state): State<Arc<NodeState>>,
    Path((id, version)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (id, version) = parse_target(&id, &version)?;
    let (_, limit) = parse_list_query(query.as_deref(), false)?;
    let target = Reference {
        object_id: id,
        version,
    };
    let referrers = state
        .ledger
        .object_referrers(&target, limit)
        .map_err(ApiError::ledger)?;
    Ok(Json(json!({"target": target.to_string(), "referrers": referrers})).into_response())
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if valid_object_id(id) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        ErrorCode::BadPath,
        format!(
            "{:?} is not an object id: 1-128 characters of 0-9 A-Z a-z . _ : - starting with a letter or digit",
            truncate(id)
        ),
    ))
}

pub(crate) fn parse_target(id: &str, version: &str) -> Result<(String, u64), ApiError> {
    check_id(id)?;
    let version = parse_u64(version, ErrorCode::BadPath, "version")?;
    Ok((id.to_owned(), version))
}

/// `revision` of the query, if given; any other parameter is refused.
pub(crate) fn parse_revision(query: Option<&str>) -> Result<Option<u32>, ApiError> {
    let mut revision = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("revision", value)) => {
                let n = parse_u64(value, ErrorCode::BadQuery, "revision")?;
                revision = Some(u32::try_from(n).map_err(|_| {
                    ApiError::bad_request(ErrorCode::BadQuery, "revision is at most 4294967295")
                })?);
            }
            _ => return Err(unknown_parameter(pair, "revision")),
        }
    }
    Ok(revision)
}

/// `from` (if `with_from`) and `limit` of the query; any other parameter is refused.
fn parse_list_query(query: Option<&str>, with_from: bool) -> Result<(u64, usize), ApiError> {
    let (mut from, mut limit) = (0, OBJECT_LIST_DEFAULT);
    let takes = if with_from { "from and limit" } else { "limit" };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("from", value)) if with_from => {
                from = parse_u64(value, ErrorCode::BadQuery, "from")?;
            }
            Some(("limit", value)) => {
                let n = parse_u64(value, ErrorCode::BadQuery, "limit")?;
                limit = usize::try_from(n).unwrap_or(usize::MAX);
                if !(1..=OBJECT_LIST_MAX).contains(&limit) {
                    return Err(ApiError::bad_request(
                        ErrorCode::BadQuery,
                        format!("limit {n} is out of range; pass 1 to {OBJECT_LIST_MAX}"),
                    ));
                }
            }
            _ => return Err(unknown_parameter(pair, takes)),
        }
    }
    Ok((from, limit))
}

fn unknown_parameter(pair: &str, takes: &str) -> ApiError {
    ApiError::bad_request(
        ErrorCode::BadQuery,
        format!(
            "query parameter {:?} is not understood; this route takes {takes}",
            truncate(pair)
        ),
    )
}

fn no_object(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no object {id:?} on this chain; check the id, and that the transaction writing it was committed"
    ))
}

pub(crate) fn no_snapshot(id: &str, version: u64, revision: Option<u32>) -> ApiError {
    let which = revision.map_or(String::new(), |r| format!(" revision {r}"));
    ApiError::not_found(format!(
        "no snapshot {id}/{version}{which} on this chain; GET /v1/objects/{id}/history lists what exists"
    ))
}
