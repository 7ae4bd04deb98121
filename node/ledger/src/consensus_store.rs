//! This validator's own consensus records: the signing record it writes (synced) before any
//! signature leaves the node, and the misbehaviour evidence (double votes) it has seen.

use crate::ledger::Ledger;
use crate::store::Batch;
use crate::tables::ConsensusRecords;
use crate::LedgerError;
use rocksdb::{Direction, IteratorMode};
use zl_types::{DoubleVote, VoteKind};

/// Key of the signing record.
const SIGNER_KEY: &[u8] = b"signer";
/// Key of the block this validator last precommitted (so a restart can still decide it).
const LOCKED_BLOCK_KEY: &[u8] = b"locked_block";
/// Prefix of misbehaviour entries.
const MISBEHAVIOUR_PREFIX: &[u8] = b"misbehaviour/";
/// Misbehaviour entries one listing returns at most.
pub const MISBEHAVIOUR_LIST_MAX: usize = 1_000;

impl Ledger {
    /// Writes the signing record (opaque JSON from the consensus crate) durably: the write is
    /// fsynced before this returns, so a signature sent after it survives any crash.
    pub fn save_signer_record(&self, record: &[u8]) -> Result<(), LedgerError> {
        let mut batch = Batch::new(&self.store);
        batch.put::<ConsensusRecords>(SIGNER_KEY, record);
        self.store.write_synced(batch)
    }

    /// The last signing record written, if any.
    pub fn signer_record(&self) -> Result<Option<Vec<u8>>, LedgerError> {
        self.store.get::<ConsensusRecords>(SIGNER_KEY)
    }

    /// Writes the block this validator is about to precommit (opaque JSON from the daemon),
    /// fsynced: after a crash it is still locked on that block and must be able to decide it.
    pub fn save_locked_block(&self, block: &[u8]) -> Result<(), LedgerError> {
        let mut batch = Batch::new(&self.store);
        batch.put::<ConsensusRecords>(LOCKED_BLOCK_KEY, block);
        self.store.write_synced(batch)
    }

    /// The block last written by [`Ledger::save_locked_block`], if any.
    pub fn locked_block(&self) -> Result<Option<Vec<u8>>, LedgerError> {
        self.store.get::<ConsensusRecords>(LOCKED_BLOCK_KEY)
    }

    /// Keeps a double vote (idempotent: one entry per validator, height, round and kind).
    /// Returns whether it was new.
    pub fn record_misbehaviour(&self, evidence: &DoubleVote) -> Result<bool, LedgerError> {
        let key = misbehaviour_key(evidence);
        if self.store.contains::<ConsensusRecords>(&key)? {
            return Ok(false);
        }
        let mut batch = Batch::new(&self.store);
        batch.put_json::<ConsensusRecords, _>(&key, evidence);
        self.store.write_synced(batch)?;
        Ok(true)
    }

    /// The double votes seen, oldest height first, at most `limit` (capped at
    /// [`MISBEHAVIOUR_LIST_MAX`]), starting at height `from`.
    pub fn misbehaviour(&self, from: u64, limit: usize) -> Result<Vec<DoubleVote>, LedgerError> {
        let limit = limit.min(MISBEHAVIOUR_LIST_MAX);
        let mut start = MISBEHAVIOUR_PREFIX.to_vec();
        start.extend_from_slice(&from.to_be_bytes());
        let cf = self.store.cf::<ConsensusRecords>();
        let iter = self
            .store
            .db()
            .iterator_cf(cf, IteratorMode::From(&start, Direction::Forward));
        let mut found = Vec::new();
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(MISBEHAVIOUR_PREFIX) || found.len() >= limit {
                break;
            }
            let evidence = serde_json::from_slice(&value).map_err(|e| {
                LedgerError::Corrupt(format!("a misbehaviour entry does not decode: {e}"))
            })?;
            found.push(evidence);
        }
        Ok(found)
    }
}

fn misbehaviour_key(evidence: &DoubleVote) -> Vec<u8> {
    let vote = &evidence.first.vote;
    let mut key = MISBEHAVIOUR_PREFIX.to_vec();
    key.extend_from_slice(&vote.height.to_be_bytes());
    key.extend_from_slice(&vote.round.to_be_bytes());
    key.push(match vote.kind {
        VoteKind::Prevote => 0,
        VoteKind::Precommit => 1,
    });
    key.extend_from_slice(&evidence.first.validator.to_bytes());
    key
}
