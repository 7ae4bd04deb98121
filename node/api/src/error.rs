//! The API's one error shape, `{"error":{"code","message"}}`, and how it becomes an HTTP answer.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub use crate::code::ErrorCode;

/// The `error` object of every error answer: a stable snake_case code and a message that says
/// what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorObject {
    /// Stable machine-readable code, e.g. `not_a_member`.
    pub code: ErrorCode,
    /// What was wrong and what to do, for people.
    pub message: String,
}

/// An error answer: status, error object, and for 429/503 a `Retry-After` in seconds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {}", .status.as_u16(), .error.code, .error.message)]
pub struct ApiError {
    /// The HTTP status, 4xx or 5xx.
    pub status: StatusCode,
    /// The code and message.
    pub error: ErrorObject,
    /// Seconds the client should wait before retrying, sent as `Retry-After`.
    pub retry_after_seconds: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a ErrorObject,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        debug_assert!(status.is_client_error() || status.is_server_error());
        ApiError {
            status,
            error: ErrorObject {
                code,
                message: message.into(),
            },
            retry_after_seconds: None,
        }
    }

    /// A 400 with this code.
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// A 500 `ledger_error`: the node could not read its own database.
    pub fn ledger(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(target: "zl_api", %error, "ledger read failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::LedgerError,
            format!("the node could not read its ledger ({error}); retry later, and tell the node's operator"),
        )
    }

    /// The same error with a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// The error for a request body that could not be read; `limit` is the route's body limit.
    pub fn from_body_rejection(rejection: BytesRejection, limit: usize) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                format!("the request body is larger than this route's limit of {limit} bytes; send less per request"),
            )
        } else {
            ApiError::bad_request(
                ErrorCode::UnreadableBody,
                format!("the request body could not be read ({rejection}); send it again"),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, axum::Json(ErrorBody { error: &self.error })).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// One path parameter as text; a bad one is a JSON 400, never axum's plain-text rejection.
pub(crate) struct PathParam(pub(crate) String);

#[axum::async_trait]
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParam(value))
            .map_err(|rejection| {
                ApiError::bad_request(
                    ErrorCode::BadPath,
                    format!("the URL path could not be read ({rejection}); check it against /openapi.json"),
                )
            })
    }
}

/// Parses a 64-hex path parameter; `what` names it in the message (e.g. `transaction id`).
pub(crate) fn parse_hash(
    text: &str,
    code: ErrorCode,
    what: &str,
) -> Result<zl_types::Hash, ApiError> {
    zl_types::Hash::from_hex(text).map_err(|_| {
        ApiError::bad_request(
            code,
            format!(
                "{what} {:?} is not 64 hex characters; pass the hash in hex",
                truncate(text)
            ),
        )
    })
}

/// Parses a decimal path parameter; `what` names it in the message.
pub(crate) fn parse_u64(text: &str, code: ErrorCode, what: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(
            code,
            format!(
                "{what} {:?} is not a decimal number; pass e.g. 42",
                truncate(text)
            ),
        )
    })
}

/// At most 80 characters of user input, for messages.
pub(crate) fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}
