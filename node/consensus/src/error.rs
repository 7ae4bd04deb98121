//! Consensus errors: inputs that do not fit the current height or validator set.

/// An input the state machine refused; the shell logs it and drops the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsensusError {
    /// A vote from a key outside the validator set.
    #[error("vote from {0}, which is not a validator of this height; drop it")]
    NotAValidator(String),
    /// An input for another height than the current one.
    #[error("input for height {got} while consensus is at height {current}")]
    WrongHeight {
        /// The input's height.
        got: u64,
        /// The current height.
        current: u64,
    },
    /// A proposal built when this validator is not the proposer.
    #[error(
        "proposal built for height {height} round {round}, but this validator is not its proposer"
    )]
    NotProposer {
        /// Height.
        height: u64,
        /// Round.
        round: u64,
    },
}
