//! The simulated clock: a priority queue of events ordered by (simulated time, sequence number),
//! so two runs of one seed see the same events in the same order.

use crate::block::Message;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;
use zl_consensus::Timeout;
use zl_types::Hash;

/// Something that happens at a simulated instant.
#[derive(Debug)]
pub(crate) enum Event {
    /// A message arrives.
    Deliver {
        from: usize,
        to: usize,
        message: Rc<Message>,
    },
    /// A node's timer fires (ignored if the node crashed since: `incarnation` changed).
    Timer {
        node: usize,
        incarnation: u64,
        timer: Timer,
    },
    /// A crashed node comes back.
    Restart { node: usize },
    /// The fault injector draws its next fault.
    FaultTick,
    /// A partition heals.
    Heal { partition: u64 },
    /// The fault phase ends: the liveness phase begins.
    FaultsEnd,
}

/// A node's own timers.
#[derive(Debug)]
pub(crate) enum Timer {
    /// A timeout consensus scheduled.
    Consensus(Timeout),
    /// The shell finished building the block it proposes.
    Built {
        height: u64,
        round: u64,
        block_hash: Hash,
        pol_round: Option<u64>,
    },
    /// The shell finished applying the committed block: start the next height.
    Enter(u64),
    /// Re-send own messages of the current height (and, when stuck, everything held).
    Resend,
}

struct Scheduled {
    at: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Scheduled {}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap and the earliest event must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events; ties in time break by insertion order.
#[derive(Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Scheduled>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at simulated time `at` (milliseconds).
    pub(crate) fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at,
            seq: self.seq,
            event,
        });
    }

    /// The earliest event and its time.
    pub(crate) fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|s| (s.at, s.event))
    }
}
