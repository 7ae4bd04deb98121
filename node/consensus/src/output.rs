//! What the consensus state machine asks its shell to do.

use zl_types::{CommitCertificate, VoteContent};

/// One output of [`crate::Consensus::process`], to be carried out in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// This validator proposes: build and execute a block for `height`/`round`, then send
    /// [`crate::Input::ProposalBuilt`].
    BuildProposal {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
    },
    /// Sign this vote (after persisting it), broadcast it, and feed it back as [`crate::Input::Vote`].
    SignVote(VoteContent),
    /// The block is final: commit it with this certificate, then start the next height.
    Commit {
        /// The certificate: more than two thirds of the power precommitted the block.
        certificate: CommitCertificate,
    },
}
