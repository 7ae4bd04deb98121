//! `POST /v1/transactions` and `POST /v1/transactions/batch`: check, verify, enter the mempool.

use super::admit;
use crate::error::{ApiError, ErrorCode};
use crate::state::NodeState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Arc;
use zl_mempool::MempoolError;
use zl_types::{CheckedTransaction, Hash, PublicKey};

/// The answer to an accepted transaction.
#[derive(Serialize)]
struct Pending {
    id: Hash,
    status: &'static str,
}

/// `POST /v1/transactions`: one transaction; 202 once it is pending.
pub(crate) async fn submit(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body
        .map_err(|e| ApiError::from_body_rejection(e, state.limits.transaction_body_bytes_max))?;
    let now_ms = (state.now_ms)();
    let checked = admit::check(&state, admit::parse(&body)?, now_ms)?;
    admit::check_member(&state, &checked.transaction.body.signer)?;
    checked
        .verify_signature()
        .map_err(|_| admit::bad_signature(&checked))?;
    admit::check_not_committed(&state, &checked.id)?;
    let id = checked.id;
    state
        .mempool()
        .insert(checked, now_ms)
        .map_err(|e| admit::insert_error(&state, e))?;
    state.mempool_ready.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(Pending {
            id,
            status: "pending",
        }),
    )
        .into_response())
}

/// The body of a batch: the transactions, each kept as raw JSON so one malformed item is
/// refused alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest<'a> {
    #[serde(borrow)]
    transactions: Vec<&'a RawValue>,
}

/// One entry of the batch answer, in input order.
#[derive(Serialize)]
#[serde(untagged)]
enum BatchResult {
    Pending {
        id: Hash,
        status: &'static str,
    },
    Refused {
        index: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<Hash>,
        error: crate::error::ErrorObject,
    },
}

#[derive(Serialize)]
struct BatchAnswer {
    accepted: usize,
    results: Vec<BatchResult>,
}

/// Where one batch item stands while the batch is checked.
enum Item {
    Refused(Option<Hash>, ApiError),
    // Boxed: a checked transaction is large, a refusal small.
    Checked(Box<CheckedTransaction>),
}

/// `POST /v1/transactions/batch`: many transactions; 200 with one result per transaction.
pub(crate) async fn submit_batch(
    State(state): State<Arc<NodeState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body =
        body.map_err(|e| ApiError::from_body_rejection(e, state.limits.batch_body_bytes_max))?;
    let request: BatchRequest<'_> =
        serde_json::from_slice(&body).map_err(|e| batch_shape_error(&e))?;
    let count = request.transactions.len();
    let count_max = state.limits.batch_transactions_max;
    if count == 0 || count > count_max {
        return Err(ApiError::bad_request(
            ErrorCode::BadBatchSize,
            format!("a batch holds 1 to {count_max} transactions, this one {count}; split it into smaller batches"),
        ));
    }
    let now_ms = (state.now_ms)();
    let mut items = check_items(&state, &request.transactions, now_ms);
    verify_signatures(&mut items);
    insert_items(&state, items, now_ms)
}

fn batch_shape_error(error: &serde_json::Error) -> ApiError {
    let mut refused = admit::shape_error(error, "a batch");
    if refused.error.code == ErrorCode::BadTransaction {
        refused.error = crate::error::ErrorObject {
            code: ErrorCode::BadBatch,
            message: format!(
                "the body must be {{\"transactions\": [<Transaction>, ...]}}: {error}"
            ),
        };
    }
    refused
}

/// Parses and checks every item; members are looked up once per signer.
fn check_items(state: &NodeState, raw: &[&RawValue], now_ms: u64) -> Vec<Item> {
    let mut members: HashMap<PublicKey, Result<(), ApiError>> = HashMap::new();
    raw.iter()
        .map(|json| {
            let checked = match admit::parse(json.get().as_bytes())
                .and_then(|tx| admit::check(state, tx, now_ms))
            {
                Ok(checked) => checked,
                Err(error) => return Item::Refused(None, error),
            };
            let signer = &checked.transaction.body.signer;
            let member = members
                .entry(signer.clone())
                .or_insert_with(|| admit::check_member(state, signer));
            if let Err(error) = member {
                return Item::Refused(Some(checked.id), error.clone());
            }
            match admit::check_not_committed(state, &checked.id) {
                Ok(()) => Item::Checked(Box::new(checked)),
                Err(error) => Item::Refused(Some(checked.id), error),
            }
        })
        .collect()
}

/// Verifies the checked items' signatures with one batch; if it fails, the items before the
/// first bad one are valid and each later one is checked alone (linear work however many are
/// bad). Bad ones are refused.
fn verify_signatures(items: &mut [Item]) {
    let positions: Vec<usize> = (0..items.len())
        .filter(|&i| matches!(items[i], Item::Checked(_)))
        .collect();
    let triples: Vec<_> = positions
        .iter()
        .map(|&i| match &items[i] {
            Item::Checked(tx) => (
                &tx.transaction.body.signer,
                tx.signing_bytes.as_slice(),
                &tx.transaction.signature,
            ),
            Item::Refused(..) => unreachable!("positions hold checked items only"),
        })
        .collect();
    let Err(first_bad) = zl_types::crypto::verify_all(&triples, rand_core::OsRng) else {
        return;
    };
    let bad: Vec<usize> = triples
        .iter()
        .enumerate()
        .skip(first_bad)
        .filter(|(n, (key, message, signature))| {
            *n == first_bad || key.verify(message, signature).is_err()
        })
        .map(|(n, _)| positions[n])
        .collect();
    for position in bad {
        if let Item::Checked(tx) = &items[position] {
            items[position] = Item::Refused(Some(tx.id), admit::bad_signature(tx));
        }
    }
}

/// Inserts the surviving items in input order under one lock and builds the answer.
fn insert_items(state: &NodeState, items: Vec<Item>, now_ms: u64) -> Result<Response, ApiError> {
    let mut results = Vec::with_capacity(items.len());
    let (mut accepted, mut tried, mut full, mut retry_after) = (0usize, 0usize, 0usize, None);
    {
        let mut mempool = state.mempool();
        for (index, item) in items.into_iter().enumerate() {
            let (id, error) = match item {
                Item::Refused(id, error) => (id, error),
                Item::Checked(tx) => {
                    let id = tx.id;
                    tried += 1;
                    match mempool.insert(*tx, now_ms) {
                        Ok(()) => {
                            accepted += 1;
                            results.push(BatchResult::Pending {
                                id,
                                status: "pending",
                            });
                            continue;
                        }
                        Err(error) => {
                            full += usize::from(matches!(error, MempoolError::Full { .. }));
                            (Some(id), admit::insert_error(state, error))
                        }
                    }
                }
            };
            retry_after = retry_after.max(error.retry_after_seconds);
            results.push(BatchResult::Refused {
                index,
                id,
                error: error.error,
            });
        }
    }
    if accepted > 0 {
        state.mempool_ready.notify_one();
    }
    if tried > 0 && full == tried {
        let seconds = retry_after.unwrap_or(state.limits.retry_after_seconds);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::MempoolFull,
            format!("the mempool is full: none of the batch's {tried} valid transactions was accepted; retry the batch in {seconds} s"),
        )
        .retry_after(seconds));
    }
    let mut response = Json(BatchAnswer { accepted, results }).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}
