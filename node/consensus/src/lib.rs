//! ZhengLian consensus as a pure state machine: `process(input) -> outputs`.
//!
//! Tendermint's Algorithm 1 (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
//! 2018), as written out in `docs/CONSENSUS.md`: rotating weighted proposer, prevote and
//! precommit, locking and valid values, growing round timeouts, decision on more than two thirds
//! of the power. No I/O, no clock, no randomness: the shell builds and validates blocks, signs
//! and sends messages, persists the signing record, runs timers and feeds results back.
#![forbid(unsafe_code)]

pub mod error;
pub mod input;
pub mod output;
pub mod params;
pub mod proposer;
mod rules;
pub mod signer;
pub mod state;
pub mod tally;

pub use error::ConsensusError;
pub use input::Input;
pub use output::Output;
pub use params::{Timeout, TimeoutStep, Timeouts};
pub use proposer::ProposerSchedule;
pub use signer::{RoundValue, SignedStep, SignerState};
pub use state::{Consensus, Step, ROUNDS_AHEAD_MAX};
