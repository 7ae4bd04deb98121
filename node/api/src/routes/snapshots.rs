//! Full snapshots (docs/DATA-MODEL.md §13): `POST /v1/objects/stage` takes a full sealed object,
//! runs every check on it and verifies its seal (the only time it is verified), redacts its
//! personal fields with a fresh salt, stages it in the object store, and answers the
//! `objects.write` call for the caller to sign and submit; `GET …/snapshot` serves a recorded
//! full snapshot with its proof to the regulator and to the object's owner.

use crate::error::{ApiError, ErrorCode};
use crate::routes::auth::caller;
use crate::routes::credentials::json_body;
use crate::routes::objects::load_proof;
use crate::staging::Staging;
use crate::state::NodeState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use zl_objects::redact::redact;
use zl_objects::{check_object, lifecycle::is_incremental};
use zl_store::{StoreError, StoredSnapshot};
use zl_types::object::{snapshot_digest, verify_seal};

/// Body of `POST /v1/objects/stage`, in bytes, at most: one object and its owner.
pub(crate) const STAGE_BODY_BYTES_MAX: usize = zl_types::object::OBJECT_BYTES_MAX + 4096;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageRequest {
    /// The owner's DID: the seal's key must be one of its assertion methods (the chain checks).
    owner: String,
    /// The full sealed object.
    object: Value,
}

/// `POST /v1/objects/stage {"owner", "object"}` → the redacted snapshot and its `objects.write`
/// call. The object store holds the full snapshot until the call commits (then it is published)
/// or [`crate::staging::STAGED_TTL_MS`] passes.
pub(crate) async fn stage(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let staging = staging(&state)?;
    let request: StageRequest = serde_json::from_value(json_body(body)?).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::BadArguments,
            format!("the body must be {{\"owner\": <DID>, \"object\": <sealed object>}}: {e}"),
        )
    })?;
    let object = request.object;
    if is_incremental(&object) {
        return Err(invalid(
            "/header/metadata/incremental: the node stages full snapshots only; send the update as the full object it yields, sealed".into(),
        ));
    }
    let checked = check_object(&object).map_err(|violations| {
        let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
        invalid(listed.join("; "))
    })?;
    verify_seal(&object).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadSeal,
            format!(
                "{}: {}; seal the object again with the owner's key (zl object seal)",
                e.pointer, e.problem
            ),
        )
    })?;
    let digest =
        snapshot_digest(&object).map_err(|e| invalid(format!("{}: {}", e.pointer, e.problem)))?;
    let mut salt = [0u8; 32];
    OsRng.fill_bytes(&mut salt);
    let redacted = redact(&object, &salt);
    let content = &checked.header.content;
    if !staging.reserve(digest, &content.object_id, (state.now_ms)()) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "too many staged snapshots await their transactions; submit those first, or retry in a minute",
        )
        .retry_after(60));
    }
    let stored = StoredSnapshot {
        object,
        salt: hex::encode(salt),
    };
    if let Err(e) = staging.store().stage(&digest, &stored).await {
        staging.release(&digest);
        return Err(store_error(
            e,
            "nothing was staged; submit no transaction for it",
        ));
    }
    let snapshot = json!({
        "object": redacted.object.to_string(),
        "snapshot_digest": digest,
    });
    Ok(Json(json!({
        "object_id": content.object_id,
        "version": content.version,
        "operation": content.operation.name(),
        "snapshot_digest": digest,
        "redacted": redacted.pointers,
        "call": {
            "contract": "objects",
            "method": "write",
            "args": {"owner": request.owner, "snapshot": snapshot},
        },
    }))
    .into_response())
}

/// `GET /v1/objects/{id}/versions/{version}/snapshot[?revision=n]` with a login token: the full
/// snapshot as sealed, its salt, and the proof of its record. For the regulator and the owner.
pub(crate) async fn full(
    State(state): State<Arc<NodeState>>,
    headers: HeaderMap,
    Path((id, version)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let staging = staging(&state)?;
    let session = caller(&state, &headers)?;
    let proof = load_proof(&state, &id, &version, query.as_deref())?;
    let record = &proof.record;
    let version = record.version;
    if !session.roles.iter().any(|r| r == "regulator") && session.did != record.owner {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!(
                "{} may not read full snapshots of {id}: only its owner ({}) and a regulator may; log in as one of them",
                session.did, record.owner
            ),
        ));
    }
    let stored = staging
        .store()
        .fetch(&id, version, record.revision, &record.snapshot_digest)
        .await
        .map_err(|e| store_error(e, "the record on chain is intact"))?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "this node's object store does not hold {id}/{version} revision {}: another node took the write; ask it, or a node sharing its store",
                record.revision
            ))
        })?;
    Ok(Json(json!({"object": stored.object, "salt": stored.salt, "proof": proof})).into_response())
}

fn staging(state: &NodeState) -> Result<&Staging, ApiError> {
    state.staging.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StoreUnavailable,
            "this node has no object store configured; see docs/OPERATIONS.md, \"Object store\"",
        )
    })
}

fn invalid(message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidObject,
        format!("the object does not pass the data model's checks: {message}"),
    )
}

fn store_error(error: StoreError, consequence: &str) -> ApiError {
    tracing::warn!(target: "zl_api", %error, "object store request failed");
    let status = match error {
        StoreError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let retry = status == StatusCode::SERVICE_UNAVAILABLE;
    let err = ApiError::new(
        status,
        ErrorCode::StoreUnavailable,
        format!("{error} ({consequence})"),
    );
    if retry {
        err.retry_after(5)
    } else {
        err
    }
}
