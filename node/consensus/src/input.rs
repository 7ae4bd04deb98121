//! What enters the consensus state machine.

use zl_types::{Hash, PublicKey, Signature, VoteContent};

/// One input to [`crate::Consensus::process`].
// Inputs are moved one at a time, never stored in bulk, so their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Begin `height` (the previous height is committed and applied).
    StartHeight {
        /// The new height.
        height: u64,
    },
    /// The shell built and executed this validator's proposal.
    ProposalBuilt {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
        /// Hash of the proposed header.
        block_hash: Hash,
    },
    /// A signed vote whose signature the shell has verified (this validator's own votes come back this way).
    Vote {
        /// The voter.
        validator: PublicKey,
        /// What it voted.
        vote: VoteContent,
        /// Its signature over the vote's signing bytes.
        signature: Signature,
    },
}
