//! Middleware around every route: records latency per route template and turns any error
//! answer that is not yet JSON (axum's own 404, 405, rejections) into the API's error shape.

use crate::error::{truncate, ApiError, ErrorCode};
use crate::state::NodeState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The route label of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// What the middleware needs: the metrics (in the state) and each route's methods.
#[derive(Clone)]
pub(crate) struct Observer {
    pub(crate) state: Arc<NodeState>,
    /// Route template (axum form) to its methods, e.g. `/v1/transactions` to `POST`; axum
    /// adds the `Allow` header only after this middleware, so the message takes it from here.
    pub(crate) allowed: Arc<HashMap<String, String>>,
}

/// Times the request and makes sure an error answer is JSON.
pub(crate) async fn observe(
    State(observer): State<Observer>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let allowed = observer.allowed.get(&route).map_or("", String::as_str);
    let response = json_errors(next.run(request).await, &method, &path, allowed);
    observer
        .state
        .metrics
        .observe_request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// The router's fallback: 404 `unknown_route`.
pub(crate) async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownRoute,
        format!(
            "no route {method} {}; see /openapi.json for the routes",
            truncate(uri.path())
        ),
    )
}

fn json_errors(response: Response, method: &Method, path: &str, allowed: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            // The DID resolver answers its own JSON bodies (docs/DID.md §6), errors included.
            let value = value.as_bytes();
            value.starts_with(b"application/json") || value.starts_with(b"application/did+ld+json")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let path = truncate(path);
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
                status,
                ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed on {path}; use {allowed} (see /openapi.json)"),
        ),
        StatusCode::NOT_FOUND => {
            ApiError::new(status, ErrorCode::UnknownRoute, format!("no route {method} {path}; see /openapi.json for the routes"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            ErrorCode::BodyTooLarge,
            format!("the body of {method} {path} is too large; send less per request"),
        ),
        _ => ApiError::new(
            status,
            if status.is_server_error() { ErrorCode::InternalError } else { ErrorCode::BadRequest },
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
