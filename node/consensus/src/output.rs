//! What the consensus state machine asks its shell to do.

use crate::{SignerState, Timeout};
use zl_types::{CommitCertificate, DoubleVote, Hash, ProposalContent, VoteContent};

/// One output of [`crate::Consensus::process`], to be carried out in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// This validator proposes in `height`/`round`: build and execute a block (or re-use the
    /// offered valid block if the shell holds it), then answer [`crate::Input::ProposalBuilt`].
    BuildProposal {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
        /// The valid value and its round, which the paper re-proposes (line 15).
        valid: Option<(u64, Hash)>,
    },
    /// Persist `signer`, then sign the proposal, send it with its block, and feed it back.
    SignProposal {
        /// The proposal.
        proposal: ProposalContent,
        /// The record to write durably before the signature leaves the node.
        signer: SignerState,
    },
    /// Persist `signer`, then sign the vote, send it, and feed it back.
    SignVote {
        /// The vote.
        vote: VoteContent,
        /// The record to write durably before the signature leaves the node.
        signer: SignerState,
    },
    /// Report [`crate::Input::TimeoutElapsed`] for `timeout` after `duration_ms`.
    ScheduleTimeout {
        /// Which timeout.
        timeout: Timeout,
        /// After how long.
        duration_ms: u64,
    },
    /// The block is decided: commit it with this certificate, then send `StartHeight`.
    Commit {
        /// More than two thirds of the power precommitted the block.
        certificate: CommitCertificate,
    },
    /// A validator signed two different votes for one slot: keep and report the evidence.
    Misbehaviour(Box<DoubleVote>),
}
