//! Consensus errors: inputs that do not fit the current height, round window or validator set.

/// An input the state machine refused; the shell drops the input (and may log it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsensusError {
    /// A message from a key outside the validator set.
    #[error("message from {0}, which is not a validator of this height; drop it")]
    NotAValidator(String),
    /// An input for another height than the current one.
    #[error("input for height {got} while consensus is at height {current}")]
    WrongHeight {
        /// The input's height.
        got: u64,
        /// The current height.
        current: u64,
    },
    /// A proposal signed by a validator that is not the proposer of its round.
    #[error("proposal for height {height} round {round} from {from}, which is not its proposer")]
    NotProposer {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
        /// The signer.
        from: String,
    },
    /// A message for a round too far ahead to keep (bounds memory against a faulty validator).
    #[error("message for round {round}, more than {max} rounds ahead of round {current}")]
    RoundTooFar {
        /// The message's round.
        round: u64,
        /// The current round.
        current: u64,
        /// The window.
        max: u64,
    },
    /// `StartHeight` with a validator set that fails its checks.
    #[error("the validator set of height {height} is not valid: {reason}")]
    BadValidatorSet {
        /// Height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// No height has been started yet.
    #[error("consensus has not started a height yet; send StartHeight first")]
    NotStarted,
}
