//! Round timeouts: a base per step that grows linearly with the round, so rounds slow down until
//! the network's real delay fits in them (the paper's partial-synchrony assumption).

use serde::{Deserialize, Serialize};

/// The step a timeout belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeoutStep {
    /// Waiting for the proposal (`OnTimeoutPropose`, line 57).
    Propose,
    /// Waiting for a prevote quorum on one value (`OnTimeoutPrevote`, line 61).
    Prevote,
    /// Waiting for a precommit quorum on one value (`OnTimeoutPrecommit`, line 65).
    Precommit,
}

/// A timeout the shell schedules and reports back with [`crate::Input::TimeoutElapsed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timeout {
    /// Height it was scheduled at.
    pub height: u64,
    /// Round it was scheduled in.
    pub round: u64,
    /// Step it guards.
    pub step: TimeoutStep,
}

/// Round timeouts in milliseconds: `base + round * delta` per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Wait for a proposal, round 0.
    pub propose_ms: u64,
    /// Added per round to the propose wait.
    pub propose_delta_ms: u64,
    /// Wait after a prevote quorum on mixed values, round 0.
    pub prevote_ms: u64,
    /// Added per round to the prevote wait.
    pub prevote_delta_ms: u64,
    /// Wait after a precommit quorum on mixed values, round 0.
    pub precommit_ms: u64,
    /// Added per round to the precommit wait.
    pub precommit_delta_ms: u64,
}

/// Rounds after which timeouts stop growing, so a long outage does not leave minute-long rounds.
pub const TIMEOUT_GROWTH_ROUNDS_MAX: u64 = 64;

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            propose_ms: 1_000,
            propose_delta_ms: 500,
            prevote_ms: 500,
            prevote_delta_ms: 250,
            precommit_ms: 500,
            precommit_delta_ms: 250,
        }
    }
}

impl Timeouts {
    /// How long the timeout of `step` in `round` lasts.
    pub fn duration_ms(&self, step: TimeoutStep, round: u64) -> u64 {
        let (base, delta) = match step {
            TimeoutStep::Propose => (self.propose_ms, self.propose_delta_ms),
            TimeoutStep::Prevote => (self.prevote_ms, self.prevote_delta_ms),
            TimeoutStep::Precommit => (self.precommit_ms, self.precommit_delta_ms),
        };
        let rounds = round.min(TIMEOUT_GROWTH_ROUNDS_MAX);
        base.saturating_add(delta.saturating_mul(rounds))
    }
}
