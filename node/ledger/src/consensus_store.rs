//! This validator's own consensus records: the signing record, the signed message and (for a
//! precommit of a block) that block, written in one synced batch before the signature leaves
//! the node; the own messages of the current height, for re-sending after a restart; and the
//! misbehaviour evidence (double votes) it has seen.

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
/// Prefix of the own signed messages: `own/` ‖ height ‖ sequence number, both u64 big-endian.
const OWN_PREFIX: &[u8] = b"own/";
/// Own signed messages kept per height, at most (about three per round: proposal, prevote,
/// precommit). Later ones are sent but not kept; only re-sending after a restart misses them.
pub const OWN_MESSAGES_MAX: u64 = 512;
/// Prefix of misbehaviour entries.
const MISBEHAVIOUR_PREFIX: &[u8] = b"misbehaviour/";
/// Misbehaviour entries one listing returns at most.
pub const MISBEHAVIOUR_LIST_MAX: usize = 1_000;

/// What a validator writes, fsynced in one batch, before a signature leaves the node.
#[derive(Clone, Copy, Debug)]
pub struct SigningWrite<'a> {
    /// The signing record (opaque JSON from the consensus crate).
    pub record: &'a [u8],
    /// The height the message belongs to.
    pub height: u64,
    /// The message's position among this validator's messages of the height (0 for the first).
    pub sequence: u64,
    /// The signed message (opaque bytes from the daemon), kept for re-sending after a restart.
    pub message: &'a [u8],
    /// For a precommit of a block: that block (opaque bytes), so that after a crash the
    /// validator, still locked on it, can decide it.
    pub locked_block: Option<&'a [u8]>,
}

impl Ledger {
    /// Writes a signature's records durably (see [`SigningWrite`]): one fsynced batch, so the
    /// signature sent after it survives any crash. The first message of a height drops the own
    /// messages of earlier heights.
    pub fn save_signing(&self, write: SigningWrite<'_>) -> Result<(), LedgerError> {
        let mut batch = Batch::new(&self.store);
        batch.put::<ConsensusRecords>(SIGNER_KEY, write.record);
        if write.sequence == 0 {
            batch.delete_range::<ConsensusRecords>(&own_key(0, 0), &own_key(write.height, 0));
        }
        if write.sequence < OWN_MESSAGES_MAX {
            batch.put::<ConsensusRecords>(&own_key(write.height, write.sequence), write.message);
        }
        if let Some(block) = write.locked_block {
            batch.put::<ConsensusRecords>(LOCKED_BLOCK_KEY, block);
        }
        self.store.write_synced(batch)
    }

    /// This validator's own signed messages of `height`, in the order they were signed.
    pub fn own_messages(&self, height: u64) -> Result<Vec<Vec<u8>>, LedgerError> {
        let start = own_key(height, 0);
        let prefix = &start[..OWN_PREFIX.len() + 8];
        let cf = self.store.cf::<ConsensusRecords>();
        let iter = self
            .store
            .db()
            .iterator_cf(cf, IteratorMode::From(&start, Direction::Forward));
        let mut found = Vec::new();
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(prefix) || found.len() as u64 >= OWN_MESSAGES_MAX {
                break;
            }
            found.push(value.to_vec());
        }
        Ok(found)
    }

    /// The last signing record written, if any.
    pub fn signer_record(&self) -> Result<Option<Vec<u8>>, LedgerError> {
        self.store.get::<ConsensusRecords>(SIGNER_KEY)
    }

    /// The block last written with a precommit by [`Ledger::save_signing`], if any.
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

fn own_key(height: u64, sequence: u64) -> Vec<u8> {
    let mut key = OWN_PREFIX.to_vec();
    key.extend_from_slice(&height.to_be_bytes());
    key.extend_from_slice(&sequence.to_be_bytes());
    key
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
