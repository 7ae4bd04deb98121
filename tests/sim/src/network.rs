//! The simulated network: per-message delay, loss, duplication, reordering (random delays) and
//! partitions, all drawn from the run's generator.

use crate::block::Message;
use crate::events::{Event, EventQueue};
use crate::rng::SimRng;
use crate::Report;
use std::rc::Rc;

/// The network's fault knobs and its current partition.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    /// Probability a message is lost.
    pub(crate) loss: f64,
    /// Probability a message is delivered twice.
    pub(crate) duplicate: f64,
    /// Ordinary delay range, milliseconds.
    pub(crate) delay_ms: (u64, u64),
    /// Probability of a long delay instead (strong reordering).
    pub(crate) long_delay: f64,
    /// Long delay upper bound, milliseconds.
    pub(crate) long_delay_ms_max: u64,
    /// Partition group of each node; nodes talk only within their group.
    pub(crate) groups: Vec<u8>,
    /// Id of the current partition (0: none), so a stale heal does nothing.
    pub(crate) partition: u64,
}

impl Network {
    /// A fault-free network of `nodes` nodes with the given delay range.
    pub(crate) fn calm(nodes: usize, delay_ms: (u64, u64)) -> Network {
        Network {
            loss: 0.0,
            duplicate: 0.0,
            delay_ms,
            long_delay: 0.0,
            long_delay_ms_max: 0,
            groups: vec![0; nodes],
            partition: 0,
        }
    }

    /// Whether `a` and `b` are on the same side of the partition.
    pub(crate) fn connected(&self, a: usize, b: usize) -> bool {
        self.groups[a] == self.groups[b]
    }

    /// Splits the nodes into 2 or 3 random groups; returns the partition's id.
    pub(crate) fn partition(&mut self, rng: &mut SimRng) -> u64 {
        let groups = rng.range(2, 3);
        for g in &mut self.groups {
            *g = rng.below(groups) as u8;
        }
        self.partition += 1;
        self.partition
    }

    /// Removes the partition.
    pub(crate) fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
    }

    /// Ends every fault: no loss, no duplicates, no long delays, no partition.
    pub(crate) fn stop_faults(&mut self) {
        self.loss = 0.0;
        self.duplicate = 0.0;
        self.long_delay = 0.0;
        self.heal();
    }

    /// Sends `message` from `from` to `to`, subject to the faults.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send(
        &self,
        from: usize,
        to: usize,
        message: &Rc<Message>,
        now: u64,
        rng: &mut SimRng,
        queue: &mut EventQueue,
        stats: &mut Report,
    ) {
        stats.messages_sent += 1;
        if !self.connected(from, to) {
            stats.messages_partitioned += 1;
            return;
        }
        if rng.chance(self.loss) {
            stats.messages_lost += 1;
            return;
        }
        let copies = if rng.chance(self.duplicate) {
            stats.messages_duplicated += 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = if rng.chance(self.long_delay) {
                rng.range(self.delay_ms.1, self.long_delay_ms_max.max(self.delay_ms.1))
            } else {
                rng.range(self.delay_ms.0, self.delay_ms.1)
            };
            queue.push(
                now + delay,
                Event::Deliver {
                    from,
                    to,
                    message: Rc::clone(message),
                },
            );
        }
    }
}
