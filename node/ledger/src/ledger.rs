//! The [`Ledger`] handle: the open database, the genesis, and the in-memory tip.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use zl_types::merkle::Frontier;
use zl_types::{Genesis, Hash, HashAlgorithm, Member, PublicKey};

use crate::store::Store;
use crate::tables::{member_key, State};
use crate::{LedgerError, StoredBlock, MEMBER_CACHE_ENTRIES_MAX};

/// A ZhengLian chain stored in RocksDB. `Send + Sync`: reads may run while a block executes or
/// commits; commits are serialised inside.
pub struct Ledger {
    pub(crate) store: Store,
    pub(crate) dir: PathBuf,
    pub(crate) genesis: Genesis,
    pub(crate) genesis_hash: Hash,
    pub(crate) alg: HashAlgorithm,
    pub(crate) tip: RwLock<Tip>,
    /// Held for a whole commit, so two commits never race on the tip.
    pub(crate) commit_lock: Mutex<()>,
    /// Members by state key (`None` caches "not a member"); updated after each commit.
    pub(crate) members: RwLock<HashMap<Vec<u8>, Option<Member>>>,
}

/// The committed tip as kept in memory.
#[derive(Clone, Debug)]
pub(crate) struct Tip {
    /// 0 before the first block.
    pub(crate) height: u64,
    /// The tip's hash, or the genesis hash before the first block.
    pub(crate) hash: Hash,
    /// The tip's time, or the genesis time before the first block.
    pub(crate) time: u64,
    /// The state root after the tip (`state_root(0)` before the first block).
    pub(crate) state_root: Hash,
    /// The evidence log's frontier after the tip.
    pub(crate) frontier: Frontier,
    /// The tip block, `None` before the first block (shared: snapshots stay cheap).
    pub(crate) block: Option<Arc<StoredBlock>>,
}

/// A lock whose holder panicked still guards consistent data here: every update is a single
/// assignment made after the database write succeeded.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Ledger {
    /// The genesis the ledger was opened with.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The genesis hash, which binds every signature on the chain.
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    /// The chain's hash algorithm (of its crypto suite).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    /// The height of the last committed block, 0 before the first block.
    pub fn height(&self) -> u64 {
        read(&self.tip).height
    }

    /// The last committed block, `None` before the first block.
    pub fn tip(&self) -> Option<StoredBlock> {
        read(&self.tip).block.as_deref().cloned()
    }

    /// The number of records in the evidence log after the tip.
    pub fn evidence_log_size(&self) -> u64 {
        read(&self.tip).frontier.size
    }

    /// Bytes on disk: live SST files of every table plus the write-ahead logs.
    pub fn disk_bytes(&self) -> u64 {
        self.store.disk_bytes(&self.dir)
    }

    /// The registered member holding `key`, as of the tip.
    pub fn member(&self, key: &PublicKey) -> Result<Option<Member>, LedgerError> {
        self.member_by_state_key(&member_key(key))
    }

    /// A member by its state key, through the cache.
    pub(crate) fn member_by_state_key(
        &self,
        state_key: &[u8],
    ) -> Result<Option<Member>, LedgerError> {
        if let Some(cached) = read(&self.members).get(state_key) {
            return Ok(cached.clone());
        }
        // Read the database under the write lock: a commit updates the cache only after its
        // write, under the same lock, so a value read here can never overwrite a newer one.
        let mut cache = write(&self.members);
        let member = self.store.get_json::<State, Member>(state_key)?;
        if cache.len() >= MEMBER_CACHE_ENTRIES_MAX {
            cache.clear();
        }
        cache.insert(state_key.to_vec(), member.clone());
        Ok(member)
    }

    /// A snapshot of the tip.
    pub(crate) fn tip_snapshot(&self) -> Tip {
        read(&self.tip).clone()
    }

    /// Replaces the tip after a successful commit.
    pub(crate) fn set_tip(&self, tip: Tip) {
        *write(&self.tip) = tip;
    }

    /// Drops cached members whose entries a commit wrote.
    pub(crate) fn forget_members<'a>(&self, keys: impl Iterator<Item = &'a Vec<u8>>) {
        let mut cache = write(&self.members);
        for key in keys {
            cache.remove(key);
        }
    }

    /// Serialises commits.
    pub(crate) fn lock_commits(&self) -> MutexGuard<'_, ()> {
        self.commit_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
