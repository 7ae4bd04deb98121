//! The bridge's routes (docs/BRIDGE.md): `POST /v1/bridge/{protocol}/{command}` carries one
//! command of the six JR/T 0317 protocols into one transaction and answers once it is in a
//! block; a retry under the same idempotency key answers the first answer again. Also the
//! equity book's reads and the asset-mapping reconciliation report.

use crate::bridge::{calls, committed_answer, LedgerView, BRIDGE_TX_EXPIRY_MS};
use crate::error::{ApiError, ErrorCode};
use crate::routes::admit;
use crate::state::NodeState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use zl_contracts::bridge::CommandArgs;
use zl_objects::bridge::{plan, BridgeError};
use zl_types::transaction::TransactionBody;
use zl_types::{Hash, HashAlgorithm};

/// Body of one bridge command, in bytes, at most.
pub(crate) const COMMAND_BODY_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Request members that carry the idempotency key when no header does (the pilot's `uniqueId`).
const KEY_MEMBERS: [&str; 3] = ["idempotency_key", "uniqueId", "UniqueId"];

/// `POST /v1/bridge/{protocol}/{command}`.
pub(crate) async fn command(
    State(state): State<Arc<NodeState>>,
    Path((protocol, command)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bridge = state.bridge.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::BridgeDisabled,
            "this node runs no bridge; set [bridge] owner and seal_key (docs/OPERATIONS.md)",
        )
    })?;
    let staging = state.staging.as_deref().ok_or_else(no_store)?;
    let body = body.map_err(|e| ApiError::from_body_rejection(e, COMMAND_BODY_BYTES_MAX))?;
    let digest = HashAlgorithm::Sm3.digest(&body);
    let mut request: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("the body is not JSON ({e})"),
        )
    })?;
    let key = idempotency_key(&headers, &mut request)?;
    let args = CommandArgs {
        key: key.clone(),
        protocol: protocol.clone(),
        command: command.clone(),
        request_digest: digest,
    };
    if let Some(answer) = replay(&state, &args)? {
        return Ok(answer);
    }
    let _carrying = bridge.begin(&key).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Busy,
            format!("a command under idempotency key {key:?} is being carried now; retry in a second for its answer"),
        )
        .retry_after(1)
    })?;
    let plan = plan(&protocol, &command, &request, &LedgerView(&state.ledger)).map_err(refused)?;
    let sealed = bridge.seal(&plan).map_err(|m| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            m,
        )
    })?;
    let mut staged = Vec::new();
    for s in &sealed {
        if let Err(e) = staging.store().stage(&s.digest, &s.stored).await {
            discard(&state, &staged).await;
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::StoreUnavailable,
                format!("{e} (nothing was submitted)"),
            )
            .retry_after(5));
        }
        let object_id = s.stored.object["header"]["content"]["object_id"]
            .as_str()
            .unwrap_or_default();
        staging.reserve(s.digest, object_id, (state.now_ms)());
        staged.push(s.digest);
    }
    let calls = calls(args.clone(), &sealed, &plan);
    let info = match submit_and_wait(&state, bridge, calls).await {
        Ok(info) => info,
        Err(e) => {
            discard(&state, &staged).await;
            return Err(e);
        }
    };
    if !info.outcome.ok {
        discard(&state, &staged).await;
        return Err(chain_refused(&info.outcome.error));
    }
    let answer = committed_answer(&state.ledger, &args, &info, Some(&plan));
    bridge.remember(&key, digest, answer.clone());
    Ok(Json(answer).into_response())
}

/// The idempotency key: the `Idempotency-Key` header, or a key member of the body (removed).
fn idempotency_key(headers: &HeaderMap, request: &mut Value) -> Result<String, ApiError> {
    let from_body = request.as_object_mut().and_then(|members| {
        KEY_MEMBERS
            .iter()
            .find_map(|k| members.remove(*k))
            .and_then(|v| v.as_str().map(str::to_owned))
    });
    let from_header = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let key = from_header.or(from_body).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::BadArguments,
            "send the command's idempotency key in an Idempotency-Key header (or as uniqueId in the body)",
        )
    })?;
    if key.len() > zl_contracts::bridge::KEY_BYTES_MAX || !zl_types::object::valid_object_id(&key) {
        return Err(ApiError::bad_request(
            ErrorCode::BadArguments,
            "an idempotency key is 1-128 characters of 0-9 A-Z a-z . _ : - starting with a letter or digit",
        ));
    }
    Ok(key)
}

/// The first answer again if the key was used for this very request; 409 if for another.
fn replay(state: &NodeState, args: &CommandArgs) -> Result<Option<Response>, ApiError> {
    let bridge = state.bridge.as_deref().expect("checked by the caller");
    let first = match bridge.answer(&args.key) {
        Some((digest, answer)) => Some((digest, answer)),
        None => match state
            .ledger
            .bridge_command(&args.key)
            .map_err(ApiError::ledger)?
        {
            None => None,
            Some(record) => {
                let info = state
                    .ledger
                    .transaction(&record.tx_id)
                    .map_err(ApiError::ledger)?
                    .ok_or_else(|| ApiError::ledger("a recorded bridge transaction is missing"))?;
                let answer = committed_answer(&state.ledger, &record.args, &info, None);
                Some((record.args.request_digest, answer))
            }
        },
    };
    let Some((digest, answer)) = first else {
        return Ok(None);
    };
    if digest != args.request_digest {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::IdempotencyConflict,
            format!(
                "idempotency key {:?} was used for another request; a retry must send the same body, a new command a new key",
                args.key
            ),
        ));
    }
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(Some(response))
}

/// Signs the calls with the node's key, admits them as any transaction, and waits for the block.
async fn submit_and_wait(
    state: &NodeState,
    bridge: &crate::bridge::Bridge,
    calls: Vec<zl_types::Call>,
) -> Result<zl_ledger::TransactionInfo, ApiError> {
    let now = (state.now_ms)();
    let mut salt = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
    let body = TransactionBody {
        chain_id: state.ledger.genesis().chain_id.clone(),
        genesis_hash: state.ledger.genesis_hash(),
        signer: bridge.signer.public_key(),
        expires_at: now + BRIDGE_TX_EXPIRY_MS,
        salt: hex::encode(salt),
        calls,
    };
    let internal = |e: String| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            e,
        )
    };
    let tx = body
        .sign(&bridge.signer)
        .map_err(|e| internal(format!("cannot sign the bridge transaction: {e}")))?;
    let checked = admit::check(state, tx, now)?;
    admit::check_member(state, &checked.transaction.body.signer)?;
    let id = checked.id;
    let mut commits = state.commits.subscribe();
    state
        .mempool()
        .insert(checked, now)
        .map_err(|e| admit::insert_error(state, e))?;
    state.mempool_ready.notify_one();
    let deadline = Duration::from_millis(BRIDGE_TX_EXPIRY_MS + 5_000);
    let waited = tokio::time::timeout(deadline, async {
        loop {
            match commits.recv().await {
                Ok(notice) if notice.transactions.iter().any(|t| t.id == id) => return true,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if state.ledger.contains_transaction(&id).unwrap_or(false) {
                        return true;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return false,
            }
        }
    })
    .await;
    if waited != Ok(true) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NotCommitted,
            format!("transaction {id} was not committed in time; retry with the same idempotency key for its answer"),
        )
        .retry_after(5));
    }
    state
        .ledger
        .transaction(&id)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| ApiError::ledger(format!("committed transaction {id} is missing")))
}

async fn discard(state: &NodeState, digests: &[Hash]) {
    let Some(staging) = state.staging.as_deref() else {
        return;
    };
    for digest in digests {
        staging.release(digest);
        if let Err(error) = staging.store().discard(digest).await {
            tracing::warn!(target: "zl_api", %error, "could not discard a staged snapshot; it expires unpublished");
        }
    }
}

fn refused(error: BridgeError) -> ApiError {
    let message = error.to_string();
    match error {
        BridgeError::UnknownCommand(_) => {
            ApiError::new(StatusCode::NOT_FOUND, ErrorCode::UnknownRoute, message)
        }
        BridgeError::BadRequest(_) => ApiError::bad_request(ErrorCode::BadArguments, message),
        BridgeError::Invalid(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidObject,
            message,
        ),
        BridgeError::Conflict(_) => {
            ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
        }
    }
}

fn chain_refused(error: &Option<zl_ledger::OutcomeError>) -> ApiError {
    let (code, message) = error.as_ref().map_or(("", "no reason recorded"), |e| {
        (e.code.as_str(), e.message.as_str())
    });
    let message =
        format!("the chain refused the command, and nothing of it was recorded: {message}");
    match code {
        "conflict" | "not_found" => ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, message),
        "unauthorized" => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            format!("{message}; the node's bridge is not authorised: see docs/OPERATIONS.md, \"Bridge\""),
        ),
        _ => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadArguments, message),
    }
}

fn no_store() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StoreUnavailable,
        "this node has no object store; see docs/OPERATIONS.md, \"Object store\"",
    )
}

/// `GET /v1/equity/holdings/{product}/{account}`.
pub(crate) async fn holding(
    State(state): State<Arc<NodeState>>,
    Path((product, account)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let holding = state
        .ledger
        .equity_holding(&product, &account)
        .map_err(ApiError::ledger)?;
    Ok(Json(holding).into_response())
}

/// `GET /v1/equity/products/{product}`.
pub(crate) async fn product(
    State(state): State<Arc<NodeState>>,
    Path(product): Path<String>,
) -> Result<Response, ApiError> {
    let found = state
        .ledger
        .equity_product(&product)
        .map_err(ApiError::ledger)?;
    let product_state = found.ok_or_else(|| {
        ApiError::not_found(format!("product {product:?} is not in the equity book; register it with asset_registration/product"))
    })?;
    Ok(Json(product_state).into_response())
}

/// `GET /v1/equity/funds/{account}`.
pub(crate) async fn fund(
    State(state): State<Arc<NodeState>>,
    Path(account): Path<String>,
) -> Result<Response, ApiError> {
    let fund = state
        .ledger
        .equity_fund(&account)
        .map_err(ApiError::ledger)?;
    Ok(Json(fund).into_response())
}

/// `GET /v1/bridge/asset_mapping/reconcile?product=P&total=N&holders=H`: the reconciliation
/// report that ends an import: the declared totals against what the equity book holds.
pub(crate) async fn reconcile(
    State(state): State<Arc<NodeState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (mut product, mut total, mut holders) = (None, None, None);
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("product", v)) => product = Some(v.to_owned()),
            Some(("total", v)) => total = v.parse::<u64>().ok(),
            Some(("holders", v)) => holders = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    let (Some(product), Some(total), Some(holders)) = (product, total, holders) else {
        return Err(ApiError::bad_request(
            ErrorCode::BadQuery,
            "give product=<id>&total=<declared units>&holders=<declared holders>",
        ));
    };
    let recorded = state
        .ledger
        .equity_product(&product)
        .map_err(ApiError::ledger)?
        .unwrap_or_default();
    Ok(Json(json!({
        "product": product,
        "declared": {"total": total, "holders": holders},
        "recorded": {"total": recorded.total, "holders": recorded.holders},
        "difference": {
            "total": recorded.total as i64 - total as i64,
            "holders": recorded.holders as i64 - holders as i64,
        },
        "matches": recorded.total == total && recorded.holders == holders,
        "height": state.ledger.height(),
    }))
    .into_response())
}
