//! Middleware around every route: records latency per route template and turns any error
//! answer that is not yet JSON (axum's own 404, 405, rejections) into the API's error shape.

use crate::error::{truncate, ApiError};
use crate::state::NodeState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// The route label of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Times the request and makes sure an error answer is JSON.
pub(crate) async fn observe(State(state): State<Arc<NodeState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED_ROUTE, MatchedPath::as_str).to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = json_errors(next.run(request).await, &method, &path);
    state.metrics.observe_request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// The router's fallback: 404 `unknown_route`.
pub(crate) async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_route",
        format!("no route {method} {}; see /openapi.json for the routes", truncate(uri.path())),
    )
}

fn json_errors(response: Response, method: &Method, path: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let path = truncate(path);
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response
                .headers()
                .get(header::ALLOW)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .to_owned();
            ApiError::new(
                status,
                "method_not_allowed",
                format!("{method} is not allowed on {path}; use {allowed} (see /openapi.json)"),
            )
        }
        StatusCode::NOT_FOUND => {
            ApiError::new(status, "unknown_route", format!("no route {method} {path}; see /openapi.json for the routes"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "body_too_large",
            format!("the body of {method} {path} is too large; send less per request"),
        ),
        _ => ApiError::new(
            status,
            if status.is_server_error() { "internal_error" } else { "bad_request" },
            format!("{method} {path} failed with status {status}; check the request against /openapi.json"),
        ),
    };
    let mut answer = error.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    answer
}
