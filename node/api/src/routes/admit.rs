//! The checks a submitted transaction passes before the mempool, shared by single and batch
//! submission. Each refusal is an [`ApiError`] with a stable code.

use crate::error::{ApiError, ErrorCode};
use crate::state::NodeState;
use axum::http::StatusCode;
use zl_mempool::MempoolError;
use zl_types::transaction::{ChainBinding, EXPIRY_WINDOW_MS_MAX};
use zl_types::{CheckedTransaction, Hash, PublicKey, Transaction};

/// Parses one transaction's JSON: `malformed_json` when it is not JSON, `bad_transaction`
/// when it is JSON of the wrong shape.
pub(crate) fn parse(json: &[u8]) -> Result<Transaction, ApiError> {
    serde_json::from_slice(json).map_err(|e| shape_error(&e, "a transaction"))
}

/// The error for JSON that did not parse as `what`.
pub(crate) fn shape_error(error: &serde_json::Error, what: &str) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => ApiError::bad_request(
            ErrorCode::BadTransaction,
            format!("the body is JSON but not {what}: {error}; see the Transaction schema in /openapi.json"),
        ),
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {error}; send {what} as a JSON object"),
        ),
    }
}

/// The stateless checks except the signature: chain, genesis, expiry window, calls, salt, size,
/// and that every call names a known contract method.
pub(crate) fn check(
    state: &NodeState,
    tx: Transaction,
    now_ms: u64,
) -> Result<CheckedTransaction, ApiError> {
    let ledger = &state.ledger;
    let genesis = ledger.genesis();
    let genesis_hash = ledger.genesis_hash();
    let chain = ChainBinding {
        chain_id: &genesis.chain_id,
        genesis_hash: &genesis_hash,
        hash_algorithm: ledger.hash_algorithm(),
    };
    // Classify by the same facts, in the same order, that `Transaction::check` tests, so the
    // code does not depend on its message text.
    let wrong_chain = tx.body.chain_id != genesis.chain_id || tx.body.genesis_hash != genesis_hash;
    let expires_at = tx.body.expires_at;
    let checked = tx.check(&chain, now_ms).map_err(|error| {
        let code = if wrong_chain {
            ErrorCode::WrongChain
        } else if expires_at <= now_ms {
            ErrorCode::Expired
        } else if expires_at > now_ms.saturating_add(EXPIRY_WINDOW_MS_MAX) {
            ErrorCode::ExpiryTooFar
        } else {
            ErrorCode::InvalidTransaction
        };
        ApiError::bad_request(code, error.to_string())
    })?;
    check_calls_known(&checked.transaction)?;
    Ok(checked)
}

fn check_calls_known(tx: &Transaction) -> Result<(), ApiError> {
    for (index, call) in tx.body.calls.iter().enumerate() {
        zl_contracts::check_call(call).map_err(|error| {
            let code = match error {
                zl_contracts::ContractError::UnknownCall(_) => ErrorCode::UnknownCall,
                _ => ErrorCode::BadArguments,
            };
            ApiError::bad_request(code, error.in_call(index).to_string())
        })?;
    }
    Ok(())
}

/// Refuses a signer that is not in the chain's member registry (403 `not_a_member`).
pub(crate) fn check_member(state: &NodeState, signer: &PublicKey) -> Result<(), ApiError> {
    match state.ledger.member(signer).map_err(ApiError::ledger)? {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotAMember,
            format!(
                "key {signer} is not a registered member of chain {}; ask the chain's governor to add it \
                 to the member registry (genesis members list)",
                state.ledger.genesis().chain_id
            ),
        )),
    }
}

/// The 400 `bad_signature` for a transaction whose signature does not verify.
pub(crate) fn bad_signature(tx: &CheckedTransaction) -> ApiError {
    ApiError::bad_request(
        ErrorCode::BadSignature,
        format!(
            "the signature of transaction {} does not verify for signer {}; sign the body's signing bytes \
             (docs/PROTOCOL.md) with that key",
            tx.id, tx.transaction.body.signer
        ),
    )
}

/// Refuses a transaction already in the ledger (409 `already_committed`, naming the height).
pub(crate) fn check_not_committed(state: &NodeState, id: &Hash) -> Result<(), ApiError> {
    if !state
        .ledger
        .contains_transaction(id)
        .map_err(ApiError::ledger)?
    {
        return Ok(());
    }
    let height = state
        .ledger
        .transaction(id)
        .map_err(ApiError::ledger)?
        .map(|info| info.height);
    let at = height.map_or_else(String::new, |h| format!(" at height {h}"));
    Err(ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::AlreadyCommitted,
        format!("transaction {id} was already committed{at}; read its outcome at GET /v1/transactions/{id}"),
    ))
}

/// The answer for a refused mempool insertion.
pub(crate) fn insert_error(state: &NodeState, error: MempoolError) -> ApiError {
    let retry = state.limits.retry_after_seconds;
    match error {
        MempoolError::Duplicate(_) => ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Duplicate,
            error.to_string(),
        ),
        MempoolError::Expired { .. } => {
            ApiError::bad_request(ErrorCode::Expired, error.to_string())
        }
        MempoolError::QuotaExceeded { .. } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::QuotaExceeded,
            error.to_string(),
        )
        .retry_after(retry),
        MempoolError::Full { retry_after_ms } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::MempoolFull,
            error.to_string(),
        )
        .retry_after(retry.max(retry_after_ms.div_ceil(1000))),
    }
}
