//! Waiting for transactions to commit: the node's commit stream (Server-Sent Events), with
//! polling as the fallback when the stream breaks and as a periodic safety net.

use crate::client::Client;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use zl_types::Hash;

/// Commits buffered between the stream reader and the waiter, at most.
pub(crate) const COMMIT_QUEUE_MAX: usize = 1024;
/// Bytes of one stream line, at most (a commit of a full block of ids is ~1 MB).
pub(crate) const STREAM_LINE_BYTES_MAX: u64 = 16 * 1024 * 1024;
/// Polling interval once the stream is gone.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Even with a live stream, ask for the outcome of what is still pending this often, in case
/// the node dropped an event for a slow reader.
pub(crate) const SAFETY_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// One transaction of a commit event.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct CommittedTransaction {
    /// The transaction id.
    pub(crate) id: Hash,
    /// Whether it executed successfully.
    pub(crate) ok: bool,
}

/// One `event: commit` of `GET /v1/commits`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct Commit {
    /// The committed height.
    pub(crate) height: u64,
    /// The block time, Unix ms.
    #[serde(default)]
    pub(crate) time: u64,
    /// The block's transactions.
    #[serde(default)]
    pub(crate) transactions: Vec<CommittedTransaction>,
}

/// Where a transaction ended up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The height of the block holding it.
    pub(crate) height: u64,
    /// Whether it executed successfully.
    pub(crate) ok: bool,
}

/// What the commit stream tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StreamEvent {
    /// A block was committed.
    Commit(Commit),
    /// The node skipped this many commits because this reader fell behind (`event: lagged`).
    Lagged(u64),
}

/// An open commit stream: a reader thread feeds parsed events into a bounded channel.
pub(crate) struct CommitStream {
    events: Receiver<StreamEvent>,
}

impl CommitStream {
    /// Opens `GET /v1/commits`. Open it before submitting, so no commit can be missed.
    ///
    /// The reader thread is detached: it ends when the stream ends or the stream is dropped
    /// and another commit arrives, or with the process.
    pub(crate) fn open(client: &Client) -> anyhow::Result<CommitStream> {
        let reader = client.open_stream("/v1/commits")?;
        let (sender, events) = sync_channel(COMMIT_QUEUE_MAX);
        std::thread::Builder::new()
            .name("zl-commits".into())
            .spawn(move || {
                read_commits(reader, |event| sender.send(event).is_ok());
            })?;
        Ok(CommitStream { events })
    }
}

/// Reads SSE lines and hands each `commit` and `lagged` event to `deliver` until it returns
/// false or the stream ends. Events of other types and unparsable data are skipped.
pub(crate) fn read_commits(reader: impl Read, mut deliver: impl FnMut(StreamEvent) -> bool) {
    let mut reader = BufReader::with_capacity(256 * 1024, reader);
    let mut parser = SseParser::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader)
            .take(STREAM_LINE_BYTES_MAX)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let Some((event, data)) = parser.line(text.trim_end_matches(['\n', '\r'])) else {
            continue;
        };
        let delivered = match event.as_str() {
            "commit" => match serde_json::from_str::<Commit>(&data) {
                Ok(commit) => StreamEvent::Commit(commit),
                Err(_) => continue,
            },
            "lagged" => StreamEvent::Lagged(data.trim().parse().unwrap_or(1)),
            _ => continue,
        };
        if !deliver(delivered) {
            return;
        }
    }
}

/// The part of the SSE format (WHATWG HTML §9.2) the commit stream uses: `event:` and
/// `data:` fields, comments, and a blank line that dispatches the event.
#[derive(Default)]
pub(crate) struct SseParser {
    event: String,
    data: String,
}

impl SseParser {
    /// Feeds one line (without its end); returns `(event type, data)` when an event is complete.
    pub(crate) fn line(&mut self, line: &str) -> Option<(String, String)> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            if data.is_empty() {
                return None;
            }
            let event = if event.is_empty() {
                "message".to_string()
            } else {
                event
            };
            return Some((event, data));
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value);
            }
            _ => {}
        }
        None
    }
}

/// The state of one transaction as `GET /v1/transactions/{id}` reports it.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct TransactionStatus {
    /// `pending` or `committed`.
    pub(crate) status: String,
    /// The height, once committed.
    #[serde(default)]
    pub(crate) height: Option<u64>,
    /// Whether it executed successfully, once committed.
    #[serde(default)]
    pub(crate) ok: Option<bool>,
    /// The execution error of a failed transaction.
    #[serde(default)]
    pub(crate) error: Option<serde_json::Value>,
    /// The events it emitted.
    #[serde(default)]
    pub(crate) events: Vec<zl_types::Event>,
}

/// Asks the node for one transaction's outcome; `None` while it is not committed (or unknown).
pub(crate) fn poll_outcome(client: &Client, id: &Hash) -> anyhow::Result<Option<Outcome>> {
    let status: Option<TransactionStatus> =
        client.get_json_optional(&format!("/v1/transactions/{id}"))?;
    Ok(
        status.and_then(|s| match (s.status.as_str(), s.height, s.ok) {
            ("committed", Some(height), Some(ok)) => Some(Outcome { height, ok }),
            _ => None,
        }),
    )
}

/// How long the node may stay unreachable (stream closed, every poll failing) before the wait
/// gives up, so a dead node does not hold the client until the transactions expire.
pub(crate) const UNREACHABLE_GIVE_UP: Duration = Duration::from_secs(10);

/// Waits until every id in `ids` is committed, `deadline` passes, or the node has been
/// unreachable for [`UNREACHABLE_GIVE_UP`]; hands each batch of new outcomes to `on_commit` as it
/// arrives (so receipts can be written at once) and returns all the outcomes found. `stream` should have been opened before the transactions were submitted; without
/// one (or once it breaks) the node is polled every [`POLL_INTERVAL`].
pub(crate) fn wait_for_commits(
    client: &Client,
    mut stream: Option<CommitStream>,
    ids: &[Hash],
    deadline: Instant,
    mut on_commit: impl FnMut(&[(Hash, Outcome)]),
) -> HashMap<Hash, Outcome> {
    let mut pending: HashSet<Hash> = ids.iter().copied().collect();
    let mut outcomes = HashMap::with_capacity(ids.len());
    let mut next_poll = Instant::now() + SAFETY_POLL_INTERVAL;
    let mut poll_warned = false;
    let mut unreachable_since: Option<Instant> = None;
    while !pending.is_empty() && Instant::now() < deadline {
        if let Some(live) = &stream {
            let wait = next_poll
                .min(deadline)
                .saturating_duration_since(Instant::now());
            match live.events.recv_timeout(wait) {
                // Commits were skipped: ask for the pending outcomes now.
                Ok(StreamEvent::Lagged(_)) => next_poll = Instant::now(),
                Ok(StreamEvent::Commit(commit)) => {
                    let mut found = Vec::new();
                    for transaction in commit.transactions {
                        if pending.remove(&transaction.id) {
                            let outcome = Outcome {
                                height: commit.height,
                                ok: transaction.ok,
                            };
                            outcomes.insert(transaction.id, outcome);
                            found.push((transaction.id, outcome));
                        }
                    }
                    if !found.is_empty() {
                        on_commit(&found);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    eprintln!("note: the node's commit stream closed; polling for the remaining transactions");
                    stream = None;
                }
            }
        } else {
            std::thread::sleep(
                next_poll
                    .min(deadline)
                    .saturating_duration_since(Instant::now()),
            );
        }
        if stream.is_some() && Instant::now() < next_poll {
            continue;
        }
        let mut found = Vec::new();
        let mut reachable = true;
        for id in &pending {
            match poll_outcome(client, id) {
                Ok(Some(outcome)) => found.push((*id, outcome)),
                Ok(None) => {}
                Err(error) => {
                    if !poll_warned {
                        eprintln!("warning: {error:#}; still waiting");
                        poll_warned = true;
                    }
                    // One failure tells enough: do not hammer a dead node once per transaction.
                    reachable = false;
                    break;
                }
            }
        }
        if reachable {
            unreachable_since = None;
        } else if stream.is_none() {
            let since = *unreachable_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= UNREACHABLE_GIVE_UP {
                eprintln!(
                    "error: the node has been unreachable for {} s; giving up on {} uncommitted transactions",
                    UNREACHABLE_GIVE_UP.as_secs(),
                    pending.len()
                );
                break;
            }
        }
        for (id, outcome) in &found {
            pending.remove(id);
            outcomes.insert(*id, *outcome);
        }
        if !found.is_empty() {
            on_commit(&found);
        }
        next_poll = Instant::now()
            + if stream.is_some() {
                SAFETY_POLL_INTERVAL
            } else {
                POLL_INTERVAL
            };
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_comments_and_multiline_data() {
        let mut parser = SseParser::default();
        let lines = [
            ": keep-alive",
            "",
            "event: commit",
            "data: {\"a\":",
            "data:1}",
            "",
            "data: x",
            "",
            "retry: 5",
        ];
        let events: Vec<(String, String)> = lines.iter().filter_map(|l| parser.line(l)).collect();
        assert_eq!(
            events,
            [
                ("commit".to_string(), "{\"a\":\n1}".to_string()),
                ("message".to_string(), "x".to_string())
            ]
        );
    }

    #[test]
    fn reads_commit_and_lagged_events_from_a_stream() {
        let id = Hash([3; 32]).to_hex();
        let stream = format!(
            ": hello\n\nevent: commit\ndata: {{\"height\":7,\"hash\":\"ab\",\"time\":5,\"transactions\":[{{\"id\":\"{id}\",\"ok\":true}}]}}\n\n\
             event: other\ndata: {{}}\n\nevent: lagged\ndata: 3\n\nevent: commit\r\ndata: {{\"height\":8,\"time\":6,\"transactions\":[]}}\r\n\r\n"
        );
        let mut events = Vec::new();
        read_commits(stream.as_bytes(), |event| {
            events.push(event);
            true
        });
        let first = Commit {
            height: 7,
            time: 5,
            transactions: vec![CommittedTransaction {
                id: Hash([3; 32]),
                ok: true,
            }],
        };
        let second = Commit {
            height: 8,
            time: 6,
            transactions: Vec::new(),
        };
        assert_eq!(
            events,
            [
                StreamEvent::Commit(first),
                StreamEvent::Lagged(3),
                StreamEvent::Commit(second)
            ]
        );
    }
}
