//! `GET /v1/status`, `/v1/genesis`, `/healthz`, `/readyz`, `/metrics` and `/openapi.json`.

use crate::error::{ApiError, ErrorCode};
use crate::metrics::gauge_value;
use crate::state::NodeState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `GET /v1/status`: the chain, its tip, the evidence log and the mempool.
pub(crate) async fn status(State(state): State<Arc<NodeState>>) -> Response {
    let ledger = &state.ledger;
    let genesis = ledger.genesis();
    let tip = ledger.tip();
    let (mempool_transactions, mempool_bytes) = {
        let mempool = state.mempool();
        (mempool.len(), mempool.bytes())
    };
    Json(json!({
        "chain_id": genesis.chain_id,
        "role": genesis.role,
        "crypto_suite": genesis.crypto_suite,
        "genesis_hash": ledger.genesis_hash(),
        "height": ledger.height(),
        "latest_block_hash": tip.as_ref().map(|b| b.hash),
        "latest_block_time": tip.as_ref().map(|b| b.header.time),
        "evidence_log_size": ledger.evidence_log_size(),
        "mempool_transactions": mempool_transactions,
        "mempool_bytes": mempool_bytes,
        // The set of the next block: governance may have changed the genesis set.
        "validators": ledger
            .validator_set_at(ledger.height() + 1)
            .map_or(genesis.validators.validators.len(), |set| set.validators.len()),
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

/// `GET /v1/genesis`: the chain's genesis document.
pub(crate) async fn genesis(State(state): State<Arc<NodeState>>) -> Response {
    Json(state.ledger.genesis()).into_response()
}

/// `GET /healthz`: the process answers.
pub(crate) async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: 200 once the node serves traffic, 503 `not_ready` before.
pub(crate) async fn readyz(State(state): State<Arc<NodeState>>) -> Result<Response, ApiError> {
    if state.ready.load(Ordering::Acquire) {
        Ok(Json(json!({"status": "ready"})).into_response())
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NotReady,
            "the node is starting and does not serve traffic yet; retry in a few seconds",
        )
        .retry_after(state.limits.retry_after_seconds))
    }
}

/// `GET /metrics`: Prometheus text exposition; gauges read from the ledger and mempool now.
pub(crate) async fn metrics(State(state): State<Arc<NodeState>>) -> Response {
    let metrics = &state.metrics;
    metrics.height.set(gauge_value(state.ledger.height()));
    metrics
        .database_bytes
        .set(gauge_value(state.ledger.disk_bytes()));
    {
        let mempool = state.mempool();
        metrics.mempool_transactions.set(gauge_value(mempool.len()));
        metrics.mempool_bytes.set(gauge_value(mempool.bytes()));
    }
    (
        [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.json`: the API's OpenAPI 3.0 document.
pub(crate) async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::OPENAPI_JSON,
    )
        .into_response()
}
