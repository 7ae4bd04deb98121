//! Deterministic simulator of ZhengLian consensus: N validators, each running the real
//! `zl_consensus::Consensus` with real Ed25519 keys, in one thread over a simulated network,
//! clock and disk, with every choice drawn from one `u64` seed.
//!
//! A run has two phases. During the fault phase, messages are delayed, lost, duplicated and
//! reordered, the network partitions and heals, validators crash (also in the middle of handling
//! an event) and restart from their disk, and up to f validators equivocate. Safety is checked
//! at every step: no two honest validators commit different blocks at one height, every
//! committed block carries a certificate that verifies against the validator set, every chain is
//! a hash chain of valid blocks, no honest validator ever signs two different messages for one
//! (height, round, step) — across crashes — and all double-vote evidence verifies and names a
//! Byzantine validator. Then the faults stop, and every honest validator must commit a target
//! height within a bound of simulated time. A failure carries the seed that reproduces it.
#![forbid(unsafe_code)]

mod block;
mod byzantine;
mod checker;
mod events;
mod network;
mod node;
mod receive;
mod report;
mod rng;
mod setup;
mod shell;
mod sim;
mod trace;
mod world;

pub use report::{Failure, Options, Report};
pub use setup::VALIDATORS_MAX;
pub use sim::EVENTS_MAX;

/// Runs the simulation of `seed`: `Ok` with what it saw, or the first invariant it broke.
pub fn run_seed(seed: u64, options: &Options) -> Result<Report, Failure> {
    sim::Sim::new(seed, options).run()
}
