//! What enters the consensus state machine.

use crate::Timeout;
use zl_types::{Hash, SignedProposal, SignedVote, ValidatorSet};

/// One input to [`crate::Consensus::process`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The previous height is committed and applied: begin `height` with its validator set.
    StartHeight {
        /// The new height.
        height: u64,
        /// The validators of this height.
        validators: ValidatorSet,
    },
    /// The shell built (or found) the block this validator proposes, answering
    /// [`crate::Output::BuildProposal`].
    ProposalBuilt {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
        /// Hash of the proposed header.
        block_hash: Hash,
        /// The valid round, if the shell re-proposes the valid value it was offered.
        pol_round: Option<u64>,
    },
    /// A proposal whose signature the shell has verified (this validator's own comes back too).
    Proposal(SignedProposal),
    /// The shell's verdict on a proposed block (`valid(v)` of the paper): it executed the block
    /// on its tip and compared the header hash, time and size rules.
    ProposalValidated {
        /// Height.
        height: u64,
        /// The block's header hash.
        block_hash: Hash,
        /// Whether the block is valid.
        valid: bool,
    },
    /// A vote whose signature the shell has verified (this validator's own come back too).
    Vote(SignedVote),
    /// A timeout the state machine scheduled has elapsed.
    TimeoutElapsed(Timeout),
}
