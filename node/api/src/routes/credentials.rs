//! Credentials and presentations (JR/T 0325 §7.2.6, §9.5–§9.7): the VCStatus2022 status URL,
//! issuer registrations, and verification by this node, which resolves DIDs, reads status and
//! registrations from its ledger and remembers presentation nonces.

use crate::error::{ApiError, ErrorCode, PathParam};
use crate::identity::LedgerEnvironment;
use crate::state::NodeState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use zl_credentials::shape::PRESENTATION_BYTES_MAX;
use zl_credentials::verify::{verify_credential, verify_presentation, Verified};
use zl_credentials::CredentialError;

/// Body bytes of a verification request, at most (a presentation's limit).
pub(crate) const VERIFY_BODY_BYTES_MAX: usize = PRESENTATION_BYTES_MAX;

/// `GET /v1/credentials/status?issuer=<DID>&id=<percent-encoded credential id>`: the
/// VCStatus2022 answer, `{"id", "credentialStatus": "valid" | "revoked" | "notExist"}`, 200 in
/// every case.
pub(crate) async fn status(
    State(state): State<Arc<NodeState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let param = |name: &str| {
        query_param(query.as_deref(), name).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::BadQuery,
                "give the issuer's DID and the credential's id as ?issuer=<DID>&id=<percent-encoded id>",
            )
        })
    };
    let (issuer, id) = (param("issuer")?, param("id")?);
    let record = state
        .ledger
        .credential_status(&issuer, &id)
        .map_err(ApiError::ledger)?;
    let status = match record {
        Some(r) if r.status == "valid" => "valid",
        Some(_) => "revoked",
        None => "notExist",
    };
    Ok(Json(json!({"id": id, "credentialStatus": status})).into_response())
}

/// `GET /v1/credentials/issuers/{did}`: an issuer's registration.
pub(crate) async fn issuer(
    State(state): State<Arc<NodeState>>,
    PathParam(did): PathParam,
) -> Result<Response, ApiError> {
    let registration = state
        .ledger
        .credential_issuer(&did)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{did} is not a registered credential issuer on this chain; governance registers issuers (register_issuer)"
            ))
        })?;
    Ok(Json(registration).into_response())
}

/// `POST /v1/credentials/verify`: §9.5 at the node's time.
pub(crate) async fn verify_vc(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let value = json_body(body)?;
    let permit = verification_permit(&state)?;
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let env = LedgerEnvironment {
            ledger: &state.ledger,
        };
        verify_credential(&env, &value, (state.now_ms)())
    })
    .await
    .map_err(internal)?;
    match outcome {
        Ok(verified) => {
            Ok(Json(json!({"verified": true, "credential": report(&verified)})).into_response())
        }
        Err(e @ CredentialError::Unavailable(_)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            e.to_string(),
        )
        .retry_after(60)),
        Err(e) => Err(refusal(ErrorCode::InvalidCredential, e)),
    }
}

/// `POST /v1/presentations/verify`: §9.6 at the node's time; the nonce is then remembered.
pub(crate) async fn verify_vp(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let value = json_body(body)?;
    let permit = verification_permit(&state)?;
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_presentation_now(&state, &value)
    })
    .await
    .map_err(internal)?;
    match outcome {
        Ok(verified) => {
            let credentials: Vec<Value> = verified.iter().map(report).collect();
            Ok(Json(json!({"verified": true, "credentials": credentials})).into_response())
        }
        Err(e @ CredentialError::Replay(_)) => Err(refusal(ErrorCode::Replayed, e)),
        Err(e @ (CredentialError::NoncesFull(_) | CredentialError::Unavailable(_))) => {
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                e.to_string(),
            )
            .retry_after(60))
        }
        Err(e) => Err(refusal(ErrorCode::InvalidPresentation, e)),
    }
}

/// A permit to verify now: at most [`crate::identity::VERIFICATIONS_MAX`] run at once, on the
/// blocking pool that block execution also uses; beyond that the caller retries.
pub(crate) fn verification_permit(
    state: &NodeState,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    Arc::clone(&state.verifier.permits)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "the node is verifying as many credentials as it may at once; retry in a second",
            )
            .retry_after(1)
        })
}

/// Verifies a presentation with the ledger and the node's nonce memory.
pub(crate) fn verify_presentation_now(
    state: &NodeState,
    presentation: &Value,
) -> Result<Vec<Verified>, CredentialError> {
    let env = LedgerEnvironment {
        ledger: &state.ledger,
    };
    let mut nonces = LockedNonces(&state.verifier.nonces);
    verify_presentation(&env, &mut nonces, presentation, (state.now_ms)())
}

/// The node's nonce memory, locked only while a nonce is checked, not while a presentation's
/// signatures are verified.
struct LockedNonces<'a>(&'a std::sync::Mutex<crate::identity::NonceWindow>);

impl zl_credentials::verify::NonceMemory for LockedNonces<'_> {
    fn accept_once(
        &mut self,
        holder: &str,
        nonce: &str,
        now_ms: u64,
    ) -> zl_credentials::verify::Acceptance {
        let mut window = self.0.lock().unwrap_or_else(|p| p.into_inner());
        window.accept_once(holder, nonce, now_ms)
    }
}

/// What a verification established, as JSON.
pub(crate) fn report(verified: &Verified) -> Value {
    json!({
        "id": verified.id,
        "issuer": verified.issuer,
        "types": verified.types,
        "subjects": verified.subjects,
        "status_checked": verified.status_checked,
        "issuer_checked": verified.issuer_checked,
    })
}

fn refusal(code: ErrorCode, error: CredentialError) -> ApiError {
    let status = match code {
        ErrorCode::Replayed => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, code, error.to_string())
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::InternalError,
        format!("verification stopped unexpectedly ({error}); retry, and tell the node's operator"),
    )
}

/// The JSON of a request body.
pub(crate) fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let body = body.map_err(|e| ApiError::from_body_rejection(e, VERIFY_BODY_BYTES_MAX))?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("the body is not JSON ({e}); send the credential or presentation as JSON"),
        )
    })
}

/// The percent-decoded value of `name` in a query string.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let value = query?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    percent_decode(value)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_ids_are_percent_decoded() {
        let cases = [
            (
                Some("id=https%3A%2F%2Fa.cn%2Fvc%2F1"),
                Some("https://a.cn/vc/1"),
            ),
            (Some("x=1&id=urn:vc:2"), Some("urn:vc:2")),
            (Some("id=%zz"), None),
            (Some("id="), None),
            (Some("idx=1"), None),
            (None, None),
        ];
        for (query, want) in cases {
            assert_eq!(query_param(query, "id").as_deref(), want, "{query:?}");
        }
    }
}
