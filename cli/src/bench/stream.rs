//! Recording when each benchmark transaction's commit notice arrives on the node's commit
//! stream (`GET /v1/commits`, Server-Sent Events).

use crate::client::Client;
use crate::commits::{read_commits, StreamEvent};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zl_types::Hash;

/// How often a waiter looks at the count of commits.
const WAIT_POLL: Duration = Duration::from_millis(20);

/// What the stream reader has seen so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Recorded {
    /// Per transaction (by index), when its commit notice arrived.
    pub(crate) arrivals: Vec<Option<Instant>>,
    /// Transactions whose notice arrived.
    pub(crate) committed: usize,
    /// Of those, how many failed in execution (`ok: false`).
    pub(crate) failed: usize,
    /// Commit notices the node skipped because this reader was too slow (`event: lagged`).
    pub(crate) lagged: u64,
    /// Whether the stream ended.
    pub(crate) closed: bool,
}

/// A reader thread that follows the commit stream and records arrivals.
pub(crate) struct CommitRecorder {
    shared: Arc<Mutex<Recorded>>,
}

impl CommitRecorder {
    /// Opens the stream (do so before submitting) and records the arrival of each id in `ids`
    /// (id → index). The thread ends when the stream does (the node stops) or with the process.
    pub(crate) fn open(
        client: &Client,
        ids: HashMap<Hash, usize>,
    ) -> anyhow::Result<CommitRecorder> {
        let reader = client.open_stream("/v1/commits")?;
        let shared = Arc::new(Mutex::new(Recorded {
            arrivals: vec![None; ids.len()],
            ..Recorded::default()
        }));
        let writer = shared.clone();
        std::thread::Builder::new()
            .name("bench-commits".into())
            .spawn(move || follow(reader, &ids, &writer))?;
        Ok(CommitRecorder { shared })
    }

    /// Waits until `expected` transactions are committed, the stream ends, or `deadline`.
    pub(crate) fn wait_for(&self, expected: usize, deadline: Instant) {
        loop {
            let (committed, closed) = {
                let recorded = self.lock();
                (recorded.committed, recorded.closed)
            };
            if committed >= expected || closed || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep(WAIT_POLL);
        }
    }

    /// A copy of what was recorded.
    pub(crate) fn snapshot(&self) -> Recorded {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        // A panic in the reader leaves consistent data behind: only counters and slots.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads the stream until it ends, recording each commit notice's arrival instant.
fn follow(reader: impl Read, ids: &HashMap<Hash, usize>, shared: &Mutex<Recorded>) {
    read_commits(reader, |event| {
        let arrived = Instant::now();
        let mut recorded = shared.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            StreamEvent::Commit(commit) => {
                for transaction in commit.transactions {
                    let Some(&index) = ids.get(&transaction.id) else {
                        continue;
                    };
                    if recorded.arrivals[index].is_none() {
                        recorded.arrivals[index] = Some(arrived);
                        recorded.committed += 1;
                        recorded.failed += usize::from(!transaction.ok);
                    }
                }
            }
            StreamEvent::Lagged(skipped) => recorded.lagged += skipped,
        }
        true
    });
    shared.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_arrivals_of_known_ids_once() {
        let (a, b) = (Hash([1; 32]), Hash([2; 32]));
        let ids: HashMap<Hash, usize> = [(a, 0), (b, 1)].into_iter().collect();
        let stream = format!(
            "event: commit\ndata: {{\"height\":1,\"time\":1,\"transactions\":[{{\"id\":\"{a}\",\"ok\":true}},{{\"id\":\"{}\",\"ok\":true}}]}}\n\n\
             event: lagged\ndata: 3\n\n\
             event: commit\ndata: {{\"height\":2,\"time\":2,\"transactions\":[{{\"id\":\"{a}\",\"ok\":true}},{{\"id\":\"{b}\",\"ok\":false}}]}}\n\n",
            Hash([9; 32])
        );
        let shared = Mutex::new(Recorded {
            arrivals: vec![None; 2],
            ..Recorded::default()
        });
        follow(stream.as_bytes(), &ids, &shared);
        let recorded = shared.into_inner().unwrap();
        assert_eq!(recorded.committed, 2);
        assert_eq!(recorded.failed, 1);
        assert_eq!(recorded.lagged, 3);
        assert!(recorded.closed);
        assert!(recorded.arrivals.iter().all(Option::is_some));
    }
}
