//! Full snapshots staged by this node and not yet published: the middle of "stage, commit the
//! digest, publish" (DESIGN §9). After each committed block the node publishes the staged
//! snapshots whose digest the chain now records; one whose transaction never commits is
//! discarded once [`STAGED_TTL_MS`] has passed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zl_ledger::Ledger;
use zl_store::{SnapshotStore, StoreError};
use zl_types::Hash;

/// Snapshots staged and awaiting their commit, at most; staging more answers 503.
pub const STAGED_MAX: usize = 10_000;
/// A staged snapshot whose digest is not on chain this long after staging is discarded. Long
/// beside a transaction's expiry window, so a write signed in time is never discarded early.
pub const STAGED_TTL_MS: u64 = 30 * 60 * 1000;
/// Versions back from an object's latest that publishing searches for a staged digest: an
/// overwrite batch reaches no further (the `objects` contract's span).
const SEARCH_SPAN: u64 = 256;

/// One staged snapshot awaiting its commit.
#[derive(Clone, Debug)]
struct Pending {
    object_id: String,
    staged_at: u64,
}

/// What one publishing pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// Snapshots published.
    pub published: usize,
    /// Staged snapshots discarded after [`STAGED_TTL_MS`] without a commit.
    pub discarded: usize,
    /// Snapshots still waiting.
    pub waiting: usize,
}

/// The node's snapshot store and what it has staged.
pub struct Staging {
    store: Arc<SnapshotStore>,
    pending: Mutex<HashMap<Hash, Pending>>,
}

impl Staging {
    /// Staging over `store`, with nothing pending.
    pub fn new(store: Arc<SnapshotStore>) -> Staging {
        Staging {
            store,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &SnapshotStore {
        &self.store
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<Hash, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves room for a snapshot of `object_id` under `digest`; false when
    /// [`STAGED_MAX`] are waiting. Staging the same digest again takes no more room.
    pub fn reserve(&self, digest: Hash, object_id: &str, now_ms: u64) -> bool {
        let mut pending = self.pending();
        if pending.len() >= STAGED_MAX && !pending.contains_key(&digest) {
            return false;
        }
        pending.insert(
            digest,
            Pending {
                object_id: object_id.to_owned(),
                staged_at: now_ms,
            },
        );
        true
    }

    /// Forgets a reservation whose staging failed.
    pub fn release(&self, digest: &Hash) {
        self.pending().remove(digest);
    }

    /// Publishes every staged snapshot whose digest the ledger records, and discards those
    /// older than [`STAGED_TTL_MS`]. A store that fails leaves the rest for the next pass.
    pub async fn publish_committed(
        &self,
        ledger: &Ledger,
        now_ms: u64,
    ) -> Result<Published, StoreError> {
        let snapshot: Vec<(Hash, Pending)> = self
            .pending()
            .iter()
            .map(|(d, p)| (*d, p.clone()))
            .collect();
        let mut done = Published::default();
        for (digest, pending) in snapshot {
            if let Some((version, revision)) = committed(ledger, &pending.object_id, &digest) {
                self.store
                    .publish(&pending.object_id, version, revision, &digest)
                    .await?;
                self.release(&digest);
                done.published += 1;
            } else if now_ms.saturating_sub(pending.staged_at) > STAGED_TTL_MS {
                self.store.discard(&digest).await?;
                self.release(&digest);
                done.discarded += 1;
            }
        }
        done.waiting = self.pending().len();
        Ok(done)
    }
}

/// The (version, revision) under which the ledger records `digest` for `object_id`, if it does.
fn committed(ledger: &Ledger, object_id: &str, digest: &Hash) -> Option<(u64, u32)> {
    let head = ledger.object_head(object_id).ok()??;
    let from = head.latest.saturating_sub(SEARCH_SPAN);
    ledger
        .object_history(object_id, from, zl_ledger::OBJECT_LIST_MAX)
        .ok()?
        .into_iter()
        .map(|s| s.record)
        .find(|r| &r.snapshot_digest == digest)
        .map(|r| (r.version, r.revision))
}
