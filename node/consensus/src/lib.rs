//! ZhengLian consensus as a pure state machine: `process(input) -> outputs`.
//!
//! No I/O, no clock, no randomness: the shell (`zld`) builds and executes proposals, signs votes,
//! runs timers and feeds the results back as inputs. This is the Tendermint message flow
//! (propose, prevote, precommit, commit on more than two thirds of the power); locking, round
//! changes and timeouts for many validators come with the BFT issue.
#![forbid(unsafe_code)]

pub mod error;
pub mod input;
pub mod output;
pub mod state;
pub mod tally;

pub use error::ConsensusError;
pub use input::Input;
pub use output::Output;
pub use state::{Consensus, Step};
