//! Reads of the `objects` contract's state as of the tip: an object's head, any snapshot
//! (version and revision), its history, the snapshots that refer to a version, and the proof
//! that a snapshot record is in its block's object root.

use rocksdb::{Direction, IteratorMode};
use zl_contracts::objects::{
    head_key, referrer_prefix, revisions_key, snapshot_key, ObjectHead, Referrer, StoredSnapshot,
};
use zl_types::merkle;
use zl_types::object::{ObjectProof, Reference, OBJECT_PROOF_FORMAT};

use crate::ledger::Ledger;
use crate::store::decode_json;
use crate::tables::{decode_hashes, u64_key, ObjectLeaves, State};
use crate::LedgerError;

/// Snapshots one history or referrer read returns at most, whatever limit is asked.
pub const OBJECT_LIST_MAX: usize = 1_000;

impl Ledger {
    /// An object's head, if the object exists.
    pub fn object_head(&self, object_id: &str) -> Result<Option<ObjectHead>, LedgerError> {
        self.store.get_json::<State, _>(&head_key(object_id))
    }

    /// Snapshot `object_id/version` at `revision`, or at its current revision if `None`.
    pub fn object_snapshot(
        &self,
        object_id: &str,
        version: u64,
        revision: Option<u32>,
    ) -> Result<Option<StoredSnapshot>, LedgerError> {
        let revision = match revision {
            Some(revision) => revision,
            None => {
                let count: Option<u32> = self
                    .store
                    .get_json::<State, _>(&revisions_key(object_id, version))?;
                match count {
                    None | Some(0) => return Ok(None),
                    Some(n) => n - 1,
                }
            }
        };
        self.store
            .get_json::<State, _>(&snapshot_key(object_id, version, revision))
    }

    /// Every snapshot of an object from version `from` on, in (version, revision) order, at
    /// most `limit` (capped at [`OBJECT_LIST_MAX`]).
    pub fn object_history(
        &self,
        object_id: &str,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredSnapshot>, LedgerError> {
        let start = snapshot_key(object_id, from, 0);
        // Every snapshot key of the object: the id, then 0x00.
        let prefix = &start[..start.len() - 12];
        let mut found = Vec::new();
        let mode = IteratorMode::From(&start, Direction::Forward);
        for entry in self.store.db().iterator_cf(self.store.cf::<State>(), mode) {
            let (key, value) = entry?;
            if found.len() >= limit.min(OBJECT_LIST_MAX) || !key.starts_with(prefix) {
                break;
            }
            found.push(decode_json::<State, StoredSnapshot>(&key, &value)?);
        }
        Ok(found)
    }

    /// The snapshots whose bodies refer to `target`, at most `limit` (capped at
    /// [`OBJECT_LIST_MAX`]), in (object id, version, revision) order.
    pub fn object_referrers(
        &self,
        target: &Reference,
        limit: usize,
    ) -> Result<Vec<Referrer>, LedgerError> {
        let prefix = referrer_prefix(target);
        let mut found = Vec::new();
        let mode = IteratorMode::From(&prefix, Direction::Forward);
        for entry in self.store.db().iterator_cf(self.store.cf::<State>(), mode) {
            let (key, value) = entry?;
            if found.len() >= limit.min(OBJECT_LIST_MAX) || !key.starts_with(&prefix) {
                break;
            }
            found.push(decode_json::<State, Referrer>(&key, &value)?);
        }
        Ok(found)
    }

    /// The proof of a snapshot record in its block's object root, with the header, its
    /// certificate and the validator-set changes up to it.
    pub fn object_proof(
        &self,
        object_id: &str,
        version: u64,
        revision: Option<u32>,
    ) -> Result<Option<ObjectProof>, LedgerError> {
        let Some(stored) = self.object_snapshot(object_id, version, revision)? else {
            return Ok(None);
        };
        let record = stored.record;
        let what = format!(
            "snapshot {object_id}/{version} revision {}",
            record.revision
        );
        let height = record.height;
        let leaves = match self.store.get::<ObjectLeaves>(&u64_key(height))? {
            Some(bytes) => decode_hashes(&format!("the object leaves of block {height}"), &bytes)?,
            None => Vec::new(),
        };
        let leaf = record.leaf_hash(self.alg);
        let index = leaves.iter().position(|l| *l == leaf).ok_or_else(|| {
            LedgerError::Corrupt(format!(
                "{what} is not among the objects block {height} recorded"
            ))
        })? as u64;
        let path = merkle::inclusion_proof(self.alg, &leaves, index)
            .map_err(|e| LedgerError::Corrupt(format!("{what}: {e}")))?;
        let block = self.block(height)?.ok_or_else(|| {
            LedgerError::Corrupt(format!("block {height}, which holds {what}, is missing"))
        })?;
        Ok(Some(ObjectProof {
            format: OBJECT_PROOF_FORMAT.into(),
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            record,
            index,
            count: leaves.len() as u64,
            path,
            validator_set_changes: self.validator_set_changes(height)?,
            header: block.header,
            certificate: block.certificate,
        }))
    }
}
