//! What a validator has signed and its locks: the record persisted before any signature is sent,
//! and the rule that keeps it from ever signing two different messages for one slot.

use serde::{Deserialize, Serialize};
use zl_types::Hash;

/// The kind of message signed, in the order a round signs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignedStep {
    /// A proposal.
    Propose,
    /// A prevote.
    Prevote,
    /// A precommit.
    Precommit,
}

/// A round and the block hash it concerns (the paper's `lockedRound`/`lockedValue` pairs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundValue {
    /// The round.
    pub round: u64,
    /// The block hash.
    pub block_hash: Hash,
}

/// The validator's signing record: the last message signed, and the locked and valid values.
/// The shell writes it durably before it sends what it signed; after a crash the validator
/// resumes from it ([`crate::Consensus::new`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerState {
    /// Height of the last signed message.
    pub height: u64,
    /// Its round.
    pub round: u64,
    /// Its step.
    pub step: SignedStep,
    /// The block it named (`None` for a nil vote).
    pub block_hash: Option<Hash>,
    /// The locked round and value at that time.
    pub locked: Option<RoundValue>,
    /// The valid round and value at that time.
    pub valid: Option<RoundValue>,
}

impl SignerState {
    /// Whether signing `(height, round, step, block_hash)` is safe after this record: the slot
    /// must be later than the last one signed, or be that very slot with the same value (a
    /// retransmission of the same message).
    pub fn permits(
        &self,
        height: u64,
        round: u64,
        step: SignedStep,
        block_hash: Option<Hash>,
    ) -> bool {
        let last = (self.height, self.round, self.step);
        let next = (height, round, step);
        next > last || (next == last && block_hash == self.block_hash)
    }
}
