//! ZhengLian's HTTP API (axum): transaction submission, reads of blocks, transactions and
//! evidence, a commit stream, status, health, Prometheus metrics and the OpenAPI document.
//!
//! Every error answer is `{"error":{"code":"<stable_snake_code>","message":"..."}}` with a
//! 4xx/5xx status; the codes are listed in `openapi.json`.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod code;
pub mod error;
pub mod identity;
pub mod metrics;
mod observe;
pub mod openapi;
pub mod peer;
mod routes;
pub mod staging;
pub mod state;

pub use error::{ApiError, ErrorCode, ErrorObject};
pub use metrics::Metrics;
pub use observe::UNMATCHED_ROUTE;
pub use routes::commits::KEEP_ALIVE_SECONDS;
pub use state::{ApiLimits, CommitNotice, CommittedTx, NodeState};

use axum::Router;
use std::sync::Arc;

/// The API's router over `state`; serve it with `axum::serve`. Call
/// [`NodeState::begin_shutdown`] before a graceful shutdown so commit streams end.
pub fn router(state: Arc<NodeState>) -> Router {
    let table = routes::table(&state.limits);
    let observer = observe::Observer {
        state: state.clone(),
        allowed: Arc::new(table.allowed_methods()),
    };
    table
        .router
        .fallback(observe::unknown_route)
        .layer(axum::middleware::from_fn_with_state(
            observer,
            observe::observe,
        ))
        .with_state(state)
}
