//! What every simulated node shares (the chain's identity, the validator set, the run's knobs)
//! and the per-event context through which a node reaches the clock, the network, the
//! generator and the safety checker.

use crate::block::Message;
use crate::checker::Checker;
use crate::events::{Event, EventQueue};
use crate::network::Network;
use crate::rng::SimRng;
use crate::trace::{Trace, What};
use crate::Report;
use std::rc::Rc;
use zl_consensus::Timeouts;
use zl_types::{Hash, PublicKey, ValidatorSet};

/// The immutable facts of one run.
pub(crate) struct World {
    pub(crate) chain_id: String,
    pub(crate) genesis_hash: Hash,
    pub(crate) validators: ValidatorSet,
    /// Raw Ed25519 key bytes per node, for finding a signer's index without allocating.
    pub(crate) key_bytes: Vec<[u8; 32]>,
    pub(crate) byzantine: Vec<bool>,
    pub(crate) timeouts: Timeouts,
    /// Probability a Byzantine validator equivocates on a message it signs.
    pub(crate) equivocation: f64,
    /// Probability a Byzantine proposer builds a block that fails execution.
    pub(crate) poison: f64,
    /// Restart without the signing record (the mutation the checks must catch).
    pub(crate) forget_signer_state: bool,
}

impl World {
    /// Number of nodes (all are validators).
    pub(crate) fn nodes(&self) -> usize {
        self.key_bytes.len()
    }

    /// The index of the validator with this key.
    pub(crate) fn index_of(&self, key: &PublicKey) -> Option<usize> {
        match key {
            PublicKey::Ed25519(k) => self.key_bytes.iter().position(|b| b == k.as_bytes()),
            PublicKey::Sm2(_) => None,
        }
    }
}

/// Why a node's handling of an event stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The node crashed at a crash point; what it wrote to disk before stays.
    Crashed,
    /// An invariant broke: the run fails with this message.
    Failed(String),
}

/// Shorthand for handlers that may crash or fail.
pub(crate) type Flow = Result<(), Stop>;

/// The world as one node sees it while it handles one event.
pub(crate) struct Ctx<'a> {
    pub(crate) now: u64,
    pub(crate) world: &'a World,
    pub(crate) rng: &'a mut SimRng,
    pub(crate) queue: &'a mut EventQueue,
    pub(crate) net: &'a Network,
    pub(crate) checker: &'a mut Checker,
    pub(crate) stats: &'a mut Report,
    pub(crate) trace: &'a mut Trace,
    /// Crash points left before this node crashes in the middle of the event (`None`: no crash).
    pub(crate) crash_budget: Option<u32>,
}

impl Ctx<'_> {
    /// A point where the node may crash: between a disk write and the send that follows it,
    /// between sends, after a commit.
    pub(crate) fn crash_point(&mut self) -> Flow {
        match &mut self.crash_budget {
            Some(0) => Err(Stop::Crashed),
            Some(left) => {
                *left -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Schedules `event` `after_ms` from now.
    pub(crate) fn schedule(&mut self, after_ms: u64, event: Event) {
        self.queue.push(self.now + after_ms, event);
    }

    /// Sends one message.
    pub(crate) fn send(&mut self, from: usize, to: usize, message: &Rc<Message>) {
        self.net.send(
            from, to, message, self.now, self.rng, self.queue, self.stats,
        );
    }

    /// Records a trace entry for `node`.
    pub(crate) fn trace(&mut self, node: usize, what: What) {
        self.trace.push(self.now, Some(node), what);
    }
}
