//! Posting one batch of pre-signed transactions and sorting out the node's answer per item.

use crate::client::{Client, ErrorDetail};
use serde::Deserialize;
use std::time::Duration;

/// Error codes that mean "not now, retry after the wait" (backpressure).
const BUSY_CODES: [&str; 2] = ["mempool_full", "quota_exceeded"];
/// Error codes that mean the node already holds the transaction (a resend after a lost
/// answer): as good as accepted.
const KNOWN_CODES: [&str; 3] = ["duplicate", "already_known", "already_committed"];

/// What became of one transaction of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ItemResult {
    /// In the mempool.
    Accepted,
    /// Refused for now (mempool full or quota): resend after the wait.
    Busy,
    /// Refused for good, with the node's error code.
    Rejected(String),
}

/// The node's answer to one batch.
#[derive(Debug)]
pub(crate) struct Answer {
    /// One result per transaction, in the order sent.
    pub(crate) items: Vec<ItemResult>,
    /// The node's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
}

/// One entry of the node's `results`.
#[derive(Deserialize)]
struct ItemAnswer {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    results: Vec<ItemAnswer>,
}

/// `{"transactions":[...]}` from already-encoded transactions.
pub(crate) fn batch_body(transactions: &[&[u8]]) -> Vec<u8> {
    let bytes: usize = transactions.iter().map(|t| t.len() + 1).sum();
    let mut body = Vec::with_capacity(bytes + 32);
    body.extend_from_slice(b"{\"transactions\":[");
    for (position, json) in transactions.iter().enumerate() {
        if position > 0 {
            body.push(b',');
        }
        body.extend_from_slice(json);
    }
    body.extend_from_slice(b"]}");
    body
}

/// Posts `transactions` to `/v1/transactions/batch`; fails only if the node cannot be reached.
pub(crate) fn post_batch(client: &Client, transactions: &[&[u8]]) -> anyhow::Result<Answer> {
    let raw = client.send(
        "POST",
        "/v1/transactions/batch",
        Some(&batch_body(transactions)),
    )?;
    let count = transactions.len();
    let parsed = serde_json::from_slice::<BatchAnswer>(&raw.body).ok();
    let items = match (raw.status, parsed) {
        (200..=299, Some(answer)) => items(count, answer.results),
        (429 | 503, _) => vec![ItemResult::Busy; count],
        _ => vec![ItemResult::Rejected(raw.error().code); count],
    };
    Ok(Answer {
        items,
        retry_after: raw.retry_after,
    })
}

/// Matches results to transactions: refusals carry their `index`, acceptances come in order.
fn items(count: usize, results: Vec<ItemAnswer>) -> Vec<ItemResult> {
    let mut items = vec![ItemResult::Rejected("no_result".into()); count];
    for (position, result) in results.into_iter().enumerate() {
        let index = result.index.unwrap_or(position);
        let Some(slot) = items.get_mut(index) else {
            continue;
        };
        *slot = match result.error {
            None => ItemResult::Accepted,
            Some(e) if BUSY_CODES.contains(&e.code.as_str()) => ItemResult::Busy,
            Some(e) if KNOWN_CODES.contains(&e.code.as_str()) => ItemResult::Accepted,
            Some(e) => ItemResult::Rejected(e.code),
        };
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_results_by_index_and_code() {
        let answer: BatchAnswer = serde_json::from_str(
            r#"{"accepted":2,"results":[
                {"id":"00","status":"pending"},
                {"index":1,"error":{"code":"mempool_full","message":"full"}},
                {"index":2,"error":{"code":"expired","message":"late"}},
                {"index":3,"error":{"code":"duplicate","message":"again"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            items(5, answer.results),
            [
                ItemResult::Accepted,
                ItemResult::Busy,
                ItemResult::Rejected("expired".into()),
                ItemResult::Accepted,
                ItemResult::Rejected("no_result".into()),
            ]
        );
        assert_eq!(batch_body(&[b"{}", b"[]"]), br#"{"transactions":[{},[]]}"#);
    }
}
