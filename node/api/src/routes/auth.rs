//! Proof of control (JR/T 0325 §9.3) as a challenge–response login: the node hands out a
//! single-use challenge for a DID, the holder signs it with a key in its document's
//! `authentication`, and the node answers a short-lived token that tells the API the caller's
//! DID and roles. Roles come from governance (a member whose chain key is the login key) and
//! from credentials (a presentation sent with the login, its nonce the challenge). Writes stay
//! signed transactions; the token only identifies the caller to reads.

use crate::error::{ApiError, ErrorCode};
use crate::identity::{LedgerEnvironment, Session, CHALLENGE_TTL_MS, SESSION_TTL_MS};
use crate::routes::credentials::{json_body, verify_presentation_now};
use crate::state::NodeState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use zl_credentials::verify::Environment;
use zl_types::did::resolution::date_time;
use zl_types::did::{auth_bytes, Did};
use zl_types::Signature;

/// Roles that a credential type grants at login (docs/DID.md §9).
pub(crate) const CREDENTIAL_ROLES: [(&str, &str); 3] = [
    ("RegulatorCredential", "regulator"),
    ("InstitutionCredential", "institution"),
    ("QualifiedInvestorCredential", "qualified_investor"),
];

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn bad_login(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::BadLogin, message)
}

fn busy(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Busy,
        format!("too many open {what}; retry in a minute"),
    )
    .retry_after(60)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeRequest {
    did: String,
}

/// `POST /v1/auth/challenge {"did"}` → `{"challenge", "expires"}`.
pub(crate) async fn challenge(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: ChallengeRequest = parse(json_body(body)?)?;
    let env = LedgerEnvironment {
        ledger: &state.ledger,
    };
    Did::parse(&request.did, env.regulatory_chain()).map_err(|e| {
        ApiError::bad_request(ErrorCode::BadArguments, format!("{}: {e}", request.did))
    })?;
    // Only an active DID of this chain may ask, so challenges cannot be spent on made-up DIDs.
    env.resolve(&request.did)
        .map_err(|why| bad_login(format!("{} cannot log in: {why}", request.did)))?;
    let now = (state.now_ms)();
    let challenge = random_token();
    let opened = state
        .verifier
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .open(challenge.clone(), request.did, now);
    if !opened {
        return Err(busy("login challenges"));
    }
    Ok(
        Json(json!({"challenge": challenge, "expires": date_time(now + CHALLENGE_TTL_MS)}))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    did: String,
    verification_method: String,
    challenge: String,
    signature: Signature,
    #[serde(default)]
    presentation: Option<Value>,
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::BadArguments,
            format!("{e}; see docs/API.md for the body"),
        )
    })
}

/// `POST /v1/auth/login {"did", "verification_method", "challenge", "signature",
/// "presentation"?}` → `{"token", "did", "roles", "expires"}`.
pub(crate) async fn login(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: LoginRequest = parse(json_body(body)?)?;
    let now = (state.now_ms)();
    let taken = state
        .verifier
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take(&request.challenge, &request.did, now);
    if !taken {
        return Err(bad_login(
            "the challenge is unknown, used, expired or for another DID; ask POST /v1/auth/challenge for a new one",
        ));
    }
    let permit = crate::routes::credentials::verification_permit(&state)?;
    let state2 = Arc::clone(&state);
    let session = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        check_login(&state2, request, now)
    })
    .await
    .map_err(|e| bad_login(format!("the login check stopped ({e}); retry")))??;
    let token = random_token();
    let started = state
        .verifier
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .start(token.clone(), session.clone(), now);
    if !started {
        return Err(busy("sessions"));
    }
    Ok(Json(json!({
        "token": token,
        "did": session.did,
        "roles": session.roles,
        "expires": date_time(session.expires),
    }))
    .into_response())
}

/// The signature over the challenge, by a key in the DID's `authentication`; then the roles.
fn check_login(state: &NodeState, request: LoginRequest, now: u64) -> Result<Session, ApiError> {
    let env = LedgerEnvironment {
        ledger: &state.ledger,
    };
    let document = env
        .resolve(&request.did)
        .map_err(|why| bad_login(format!("{} cannot log in: {why}", request.did)))?;
    let method = document
        .authentication_method(&request.verification_method)
        .ok_or_else(|| {
            bad_login(format!(
                "{} is not an authentication key of {}'s current document",
                request.verification_method, request.did
            ))
        })?;
    let genesis = state.ledger.genesis();
    let bytes = auth_bytes(
        &genesis.chain_id,
        &state.ledger.genesis_hash(),
        &request.did,
        &request.verification_method,
        &request.challenge,
    );
    method.key.verify(&bytes, &request.signature).map_err(|_| {
        bad_login("the signature does not verify over the challenge (PROTOCOL §18.3); sign the bytes it gives with the method's key")
    })?;
    let mut roles: Vec<String> = state
        .ledger
        .members()
        .map_err(ApiError::ledger)?
        .into_iter()
        .filter(|m| m.public_key == method.key)
        .flat_map(|m| m.roles)
        .map(|role| {
            serde_json::to_value(role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    if let Some(presentation) = &request.presentation {
        roles.extend(credential_roles(state, &request, presentation)?);
    }
    roles.sort();
    roles.dedup();
    Ok(Session {
        did: request.did,
        roles,
        expires: now + SESSION_TTL_MS,
    })
}

/// Roles granted by the credentials of a presentation the caller sent with its login: the
/// holder is the caller, its nonce is the challenge, and each credential is about the caller.
fn credential_roles(
    state: &NodeState,
    request: &LoginRequest,
    presentation: &Value,
) -> Result<Vec<String>, ApiError> {
    let refused = |why: String| bad_login(format!("the presentation was refused: {why}"));
    if presentation.get("holder").and_then(Value::as_str) != Some(request.did.as_str()) {
        return Err(refused(format!("its holder is not {}", request.did)));
    }
    let proofs = zl_credentials::shape::split_proof("presentation", presentation)
        .map_err(|e| refused(e.to_string()))?
        .1;
    if !proofs
        .iter()
        .all(|p| p.get("nonce").and_then(Value::as_str) == Some(request.challenge.as_str()))
    {
        return Err(refused("its nonce must be the login challenge".into()));
    }
    let verified =
        verify_presentation_now(state, presentation).map_err(|e| refused(e.to_string()))?;
    Ok(verified
        .iter()
        // Roles only from credentials about the caller whose registration and status this node
        // checked itself.
        .filter(|v| v.status_checked && v.issuer_checked)
        .filter(|v| v.subjects.iter().any(|s| s == &request.did))
        .flat_map(|v| v.types.iter())
        .filter_map(|t| {
            CREDENTIAL_ROLES
                .iter()
                .find(|(name, _)| name == t)
                .map(|(_, role)| role.to_string())
        })
        .collect())
}

/// `GET /v1/auth/session` with `Authorization: Bearer <token>` → `{"did", "roles", "expires"}`.
pub(crate) async fn session(
    State(state): State<Arc<NodeState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = caller(&state, &headers)?;
    Ok(Json(json!({
        "did": session.did,
        "roles": session.roles,
        "expires": date_time(session.expires),
    }))
    .into_response())
}

/// The logged-in caller of a request, from its bearer token.
pub(crate) fn caller(state: &NodeState, headers: &HeaderMap) -> Result<Session, ApiError> {
    let unauthenticated = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "send `Authorization: Bearer <token>` with a token from POST /v1/auth/login that has not expired",
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthenticated)?;
    state
        .verifier
        .logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .session(token.trim(), (state.now_ms)())
        .ok_or_else(unauthenticated)
}
