//! Submitting signed transactions in batches, waiting as the node asks when it is busy.

use crate::client::{Client, ErrorDetail};
use crate::sign::SignedTransaction;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// Transactions per batch request, at most (the node's limit).
pub(crate) const BATCH_TRANSACTIONS_MAX: usize = 2000;
/// Bytes of transactions per batch request, at most; a larger single transaction goes alone.
pub(crate) const BATCH_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Wait when the node is busy but sends no `Retry-After`.
pub(crate) const RETRY_AFTER_DEFAULT: Duration = Duration::from_secs(1);
/// Longest wait honoured from one `Retry-After`.
pub(crate) const RETRY_AFTER_MAX: Duration = Duration::from_secs(30);
/// Waits for a busy node, at most, before the remaining transactions are given up.
pub(crate) const BUSY_WAITS_MAX: usize = 300;
/// Attempts of one batch whose request failed in transit (resending is safe: same ids).
pub(crate) const TRANSPORT_ATTEMPTS_MAX: usize = 3;
/// Error codes that mean "not now": the transaction is resent after the wait.
const RETRY_CODES: [&str; 2] = ["mempool_full", "quota_exceeded"];
/// Error codes that mean the node already holds the transaction (say, a resend after a lost
/// answer): as good as accepted; its outcome is then found by polling.
const KNOWN_CODES: [&str; 2] = ["duplicate", "already_committed"];

/// What became of one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Submission {
    /// The node accepted it into its mempool.
    Accepted,
    /// The node refused it (or could not be made to take it).
    Refused(ErrorDetail),
}

/// Observers of the submission, for progress and notes.
pub(crate) trait SubmitObserver {
    /// `count` more transactions were accepted or refused for good.
    fn decided(&mut self, count: usize);
    /// The node is busy; waiting `wait` because of `reason`.
    fn waiting(&mut self, wait: Duration, reason: &str);
}

/// Submits all `transactions` in batches; returns what became of each, in order.
pub(crate) fn submit_all(
    client: &Client,
    transactions: &[SignedTransaction],
    observer: &mut dyn SubmitObserver,
) -> Vec<Submission> {
    let mut outcome: Vec<Option<Submission>> = vec![None; transactions.len()];
    let mut queue: VecDeque<usize> = (0..transactions.len()).collect();
    let mut busy_waits = 0;
    while !queue.is_empty() {
        let batch = take_batch(&mut queue, transactions);
        let (verdicts, retry_after) = send_batch(client, transactions, &batch);
        let mut retry = Vec::new();
        let mut decided = 0;
        for (&index, verdict) in batch.iter().zip(verdicts) {
            match verdict {
                Verdict::Decided(submission) => {
                    outcome[index] = Some(submission);
                    decided += 1;
                }
                Verdict::Retry(detail) => retry.push((index, detail)),
            }
        }
        observer.decided(decided);
        if retry.is_empty() {
            continue;
        }
        busy_waits += 1;
        if busy_waits > BUSY_WAITS_MAX {
            let detail = &retry[0].1;
            let reason = format!(
                "the node stayed busy ({}: {}) through {BUSY_WAITS_MAX} waits; submit the rest later",
                detail.code, detail.message
            );
            for index in retry.iter().map(|(i, _)| *i).chain(queue.drain(..)) {
                outcome[index] = Some(Submission::Refused(ErrorDetail {
                    code: "busy".into(),
                    message: reason.clone(),
                }));
            }
            break;
        }
        let wait = retry_after
            .unwrap_or(RETRY_AFTER_DEFAULT)
            .min(RETRY_AFTER_MAX);
        observer.waiting(
            wait,
            &format!("{} ({})", retry[0].1.message, retry[0].1.code),
        );
        // Resend the refused ones first, in their order, so the chain sees them in file order.
        for (index, _) in retry.into_iter().rev() {
            queue.push_front(index);
        }
        std::thread::sleep(wait);
    }
    outcome
        .into_iter()
        .map(|o| o.expect("every transaction is decided before the queue empties"))
        .collect()
}

/// Takes the next batch off the queue: up to the count and byte limits, at least one.
fn take_batch(queue: &mut VecDeque<usize>, transactions: &[SignedTransaction]) -> Vec<usize> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    while let Some(&index) = queue.front() {
        let size = transactions[index].json.len() + 1;
        if !batch.is_empty()
            && (batch.len() == BATCH_TRANSACTIONS_MAX || bytes + size > BATCH_BYTES_MAX)
        {
            break;
        }
        batch.push(index);
        bytes += size;
        queue.pop_front();
    }
    batch
}

/// What the node said about one transaction of a batch.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Decided(Submission),
    Retry(ErrorDetail),
}

/// Sends one batch; returns a verdict per transaction and the node's `Retry-After`.
fn send_batch(
    client: &Client,
    transactions: &[SignedTransaction],
    batch: &[usize],
) -> (Vec<Verdict>, Option<Duration>) {
    let body = batch_body(batch.iter().map(|&i| transactions[i].json.as_slice()));
    let mut attempt = 0;
    let raw = loop {
        attempt += 1;
        match client.send("POST", "/v1/transactions/batch", Some(&body)) {
            Ok(raw) => break raw,
            Err(error) if attempt < TRANSPORT_ATTEMPTS_MAX => {
                eprintln!("warning: {error:#}; resending the batch");
                std::thread::sleep(RETRY_AFTER_DEFAULT);
            }
            Err(error) => {
                let detail = ErrorDetail {
                    code: "unreachable".into(),
                    message: format!("{error:#}"),
                };
                return (
                    batch
                        .iter()
                        .map(|_| Verdict::Decided(Submission::Refused(detail.clone())))
                        .collect(),
                    None,
                );
            }
        }
    };
    let ids: Vec<String> = batch.iter().map(|&i| transactions[i].id.to_hex()).collect();
    let results = serde_json::from_slice::<Value>(&raw.body)
        .ok()
        .and_then(|v| v.get("results").and_then(Value::as_array).cloned());
    let verdicts = match (raw.status, results) {
        (200..=299 | 429 | 503, Some(results)) => verdicts(&ids, &results),
        (429 | 503, None) => {
            let error = raw.error();
            let detail = ErrorDetail {
                code: error.code,
                message: error.message,
            };
            ids.iter().map(|_| Verdict::Retry(detail.clone())).collect()
        }
        _ => {
            let error = raw.error();
            let detail = ErrorDetail {
                code: error.code,
                message: error.message,
            };
            ids.iter()
                .map(|_| Verdict::Decided(Submission::Refused(detail.clone())))
                .collect()
        }
    };
    (verdicts, raw.retry_after)
}

/// `{"transactions":[...]}` from already-encoded transactions.
fn batch_body<'a>(transactions: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut body = b"{\"transactions\":[".to_vec();
    for (position, json) in transactions.enumerate() {
        if position > 0 {
            body.push(b',');
        }
        body.extend_from_slice(json);
    }
    body.extend_from_slice(b"]}");
    body
}

/// Matches batch results to transactions: by `index` if given, else by `id`, else by position.
fn verdicts(ids: &[String], results: &[Value]) -> Vec<Verdict> {
    let by_id: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut verdicts: Vec<Option<Verdict>> = ids.iter().map(|_| None).collect();
    for (position, result) in results.iter().enumerate() {
        let id = result.get("id").and_then(Value::as_str);
        let index = match result.get("index").and_then(Value::as_u64) {
            Some(index) => usize::try_from(index).unwrap_or(usize::MAX),
            None => id.and_then(|id| by_id.get(id).copied()).unwrap_or(position),
        };
        let Some(slot) = verdicts.get_mut(index) else {
            continue;
        };
        *slot = Some(match result.get("error") {
            Some(error) => {
                let detail = ErrorDetail {
                    code: error.get("code").and_then(Value::as_str).unwrap_or("unknown").to_string(),
                    message: error.get("message").and_then(Value::as_str).unwrap_or("refused").to_string(),
                };
                if RETRY_CODES.contains(&detail.code.as_str()) {
                    Verdict::Retry(detail)
                } else if KNOWN_CODES.contains(&detail.code.as_str()) {
                    Verdict::Decided(Submission::Accepted)
                } else {
                    Verdict::Decided(Submission::Refused(detail))
                }
            }
            None if id.is_some_and(|id| id != ids[index]) => Verdict::Decided(Submission::Refused(ErrorDetail {
                code: "id_mismatch".into(),
                message: format!(
                    "the node names this transaction {} but zl computed {}; zl and the node disagree on the format: upgrade the older one",
                    id.unwrap_or_default(),
                    ids[index]
                ),
            })),
            None => Verdict::Decided(Submission::Accepted),
        });
    }
    let missing = ErrorDetail {
        code: "no_result".into(),
        message: "the node's batch answer had no result for this transaction".into(),
    };
    verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Verdict::Decided(Submission::Refused(missing.clone()))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use zl_types::Hash;

    fn signed(n: u8, size: usize) -> SignedTransaction {
        SignedTransaction {
            id: Hash([n; 32]),
            expires_at: 0,
            json: vec![b'x'; size],
        }
    }

    #[test]
    fn batches_respect_count_and_byte_limits() {
        let transactions: Vec<SignedTransaction> =
            (0..5).map(|n| signed(n, BATCH_BYTES_MAX / 2)).collect();
        let mut queue: VecDeque<usize> = (0..5).collect();
        assert_eq!(take_batch(&mut queue, &transactions), [0]);
        let small: Vec<SignedTransaction> =
            (0..2500).map(|n| signed((n % 256) as u8, 10)).collect();
        let mut queue: VecDeque<usize> = (0..2500).collect();
        assert_eq!(take_batch(&mut queue, &small).len(), BATCH_TRANSACTIONS_MAX);
        assert_eq!(take_batch(&mut queue, &small).len(), 500);
        let huge = vec![signed(1, BATCH_BYTES_MAX * 2)];
        assert_eq!(take_batch(&mut (0..1).collect(), &huge), [0]);
    }

    #[test]
    fn builds_the_batch_body() {
        let body = batch_body([b"{\"a\":1}".as_slice(), b"{\"b\":2}".as_slice()].into_iter());
        assert_eq!(body, br#"{"transactions":[{"a":1},{"b":2}]}"#);
    }

    #[test]
    fn matches_results_and_sorts_out_retries() {
        let ids: Vec<String> = (1..=5u8).map(|n| Hash([n; 32]).to_hex()).collect();
        let results = [
            json!({"id": ids[0], "status": "pending"}),
            json!({"index": 1, "error": {"code": "mempool_full", "message": "full"}}),
            json!({"index": 2, "error": {"code": "unauthorized", "message": "no role"}}),
            json!({"id": Hash([9; 32]).to_hex(), "status": "pending", "index": 3}),
        ];
        let verdicts = verdicts(&ids, &results);
        assert_eq!(verdicts[0], Verdict::Decided(Submission::Accepted));
        assert!(matches!(&verdicts[1], Verdict::Retry(d) if d.code == "mempool_full"));
        assert!(
            matches!(&verdicts[2], Verdict::Decided(Submission::Refused(d)) if d.code == "unauthorized")
        );
        assert!(
            matches!(&verdicts[3], Verdict::Decided(Submission::Refused(d)) if d.code == "id_mismatch")
        );
        assert!(
            matches!(&verdicts[4], Verdict::Decided(Submission::Refused(d)) if d.code == "no_result")
        );
    }
}
