//! The run of one seed: the event loop, the fault injector, and the two phases — faults (safety
//! under crashes, partitions, loss and equivocation), then liveness (faults stop; every honest
//! validator must reach the target height within the bound).

use crate::checker::Checker;
use crate::events::{Event, EventQueue};
use crate::network::Network;
use crate::node::{Node, Work};
use crate::rng::SimRng;
use crate::setup::{draw, Faults};
use crate::trace::{Summary, Trace, What};
use crate::world::{Ctx, Flow, Stop, World};
use crate::{Failure, Options, Report};

/// Events one run may process, at most (a run that needs more is live-locked).
pub const EVENTS_MAX: u64 = 5_000_000;

enum Phase {
    Faults,
    Liveness { since: u64, target: u64 },
}

/// One seed's simulation.
pub(crate) struct Sim {
    seed: u64,
    options: Options,
    world: World,
    nodes: Vec<Node>,
    rng: SimRng,
    queue: EventQueue,
    net: Network,
    faults: Faults,
    checker: Checker,
    stats: Report,
    trace: Trace,
    now: u64,
    phase: Phase,
}

impl Sim {
    /// Draws the run of `seed`.
    pub(crate) fn new(seed: u64, options: &Options) -> Sim {
        let mut rng = SimRng::new(seed);
        let drawn = draw(&mut rng, options);
        let stats = Report {
            seed,
            validators: drawn.world.nodes(),
            byzantine: drawn.world.byzantine.iter().filter(|b| **b).count(),
            ..Report::default()
        };
        Sim {
            seed,
            options: options.clone(),
            world: drawn.world,
            nodes: drawn.nodes,
            rng,
            queue: EventQueue::default(),
            net: drawn.net,
            faults: drawn.faults,
            checker: Checker::default(),
            stats,
            trace: Trace::new(options.trace_tail, options.verbose),
            now: 0,
            phase: Phase::Faults,
        }
    }

    /// Runs to the liveness target, or to the first failure.
    pub(crate) fn run(mut self) -> Result<Report, Failure> {
        let powers = self.world.validators.validators.iter().map(|v| v.power);
        let what = What::Setup {
            powers: powers.collect(),
            byzantine: self.world.byzantine.clone(),
        };
        self.trace.push(0, None, what);
        for i in 0..self.nodes.len() {
            self.with_node(i, false, |node, ctx| node.boot(ctx))?;
        }
        self.queue
            .push(self.options.fault_time_ms, Event::FaultsEnd);
        let tick = self.rng.range(self.faults.tick_ms.0, self.faults.tick_ms.1);
        self.queue.push(tick, Event::FaultTick);
        loop {
            let Some((at, event)) = self.queue.pop() else {
                return Err(self.failure("the event queue ran dry".into()));
            };
            self.now = at;
            self.stats.events += 1;
            if self.stats.events > EVENTS_MAX {
                return Err(self.failure(format!("more than {EVENTS_MAX} events: live-lock")));
            }
            if let Phase::Liveness { since, target } = self.phase {
                if at > since + self.options.liveness_bound_ms {
                    let message = format!(
                        "LIVENESS: {} ms after the faults stopped, not every honest validator \
                         reached height {target}: {}",
                        self.options.liveness_bound_ms,
                        self.describe_nodes()
                    );
                    return Err(self.failure(message));
                }
            }
            self.handle(event)?;
            match self.phase {
                Phase::Faults if self.honest_heights().max() >= self.options.fault_heights => {
                    self.end_faults()?
                }
                Phase::Liveness { since, target } if self.honest_heights().min() >= target => {
                    return self.finish(since);
                }
                _ => {}
            }
        }
    }

    fn handle(&mut self, event: Event) -> Result<(), Failure> {
        match event {
            Event::Deliver { from, to, message } => {
                if !self.net.connected(from, to) {
                    self.stats.messages_partitioned += 1;
                    return Ok(());
                }
                if self.nodes[to].memory.is_none() {
                    return Ok(());
                }
                self.stats.messages_delivered += 1;
                let summary = Summary::of(&message, &self.world);
                let what = What::Deliver {
                    from,
                    message: summary,
                };
                self.trace.push(self.now, Some(to), what);
                let work = Work::Message(from, message);
                self.with_node(to, true, |node, ctx| node.run(work, ctx))
            }
            Event::Timer {
                node,
                incarnation,
                timer,
            } => {
                let n = &self.nodes[node];
                if n.memory.is_none() || n.incarnation != incarnation {
                    return Ok(());
                }
                self.with_node(node, true, |n, ctx| n.on_timer(timer, ctx))
            }
            Event::Restart { node } => self.restart(node),
            Event::FaultTick => self.fault_tick(),
            Event::Heal { partition } => {
                if partition == self.net.partition {
                    self.net.heal();
                    self.trace.push(self.now, None, What::Heal);
                }
                Ok(())
            }
            Event::FaultsEnd => self.end_faults(),
        }
    }

    /// Runs `f` on node `index` with a context; a crash point may crash it if `may_crash`.
    fn with_node(
        &mut self,
        index: usize,
        may_crash: bool,
        f: impl FnOnce(&mut Node, &mut Ctx) -> Flow,
    ) -> Result<(), Failure> {
        let crash_budget = (may_crash
            && matches!(self.phase, Phase::Faults)
            && self.rng.chance(self.faults.crash_mid_event))
        .then(|| self.rng.below(8) as u32);
        let mut ctx = Ctx {
            now: self.now,
            world: &self.world,
            rng: &mut self.rng,
            queue: &mut self.queue,
            net: &self.net,
            checker: &mut self.checker,
            stats: &mut self.stats,
            trace: &mut self.trace,
            crash_budget,
        };
        match f(&mut self.nodes[index], &mut ctx) {
            Ok(()) => Ok(()),
            Err(Stop::Crashed) => {
                self.stats.crashes_mid_event += 1;
                self.crash(index, true);
                Ok(())
            }
            Err(Stop::Failed(message)) => Err(self.failure(message)),
        }
    }

    fn crash(&mut self, index: usize, mid_event: bool) {
        self.nodes[index].crash();
        self.stats.crashes += 1;
        self.trace
            .push(self.now, Some(index), What::Crash { mid_event });
        let (low, high) = self.faults.downtime_ms;
        let downtime = self.rng.range(low, high);
        self.queue
            .push(self.now + downtime, Event::Restart { node: index });
    }

    fn restart(&mut self, index: usize) -> Result<(), Failure> {
        if self.nodes[index].memory.is_some() {
            return Ok(());
        }
        self.stats.restarts += 1;
        self.with_node(index, false, |node, ctx| node.boot(ctx))
    }

    /// Draws the next fault: maybe a crash, maybe a partition.
    fn fault_tick(&mut self) -> Result<(), Failure> {
        if !matches!(self.phase, Phase::Faults) {
            return Ok(());
        }
        if self.rng.chance(self.faults.crash) {
            let victim = self.rng.index(self.nodes.len());
            if self.nodes[victim].memory.is_some() {
                self.crash(victim, false);
            }
        }
        let partitioned = self.net.groups.iter().any(|g| *g != 0);
        if !partitioned && self.nodes.len() > 1 && self.rng.chance(self.faults.partition) {
            let id = self.net.partition(&mut self.rng);
            self.stats.partitions += 1;
            let groups = self.net.groups.clone();
            self.trace.push(self.now, None, What::Partition { groups });
            let (low, high) = self.faults.partition_ms;
            let after = self.rng.range(low, high);
            self.queue
                .push(self.now + after, Event::Heal { partition: id });
        }
        let (low, high) = self.faults.tick_ms;
        let after = self.rng.range(low, high);
        self.queue.push(self.now + after, Event::FaultTick);
        Ok(())
    }

    /// Stops every fault (Byzantine validators keep equivocating: BFT must stay live with
    /// them) and sets the liveness target.
    fn end_faults(&mut self) -> Result<(), Failure> {
        if !matches!(self.phase, Phase::Faults) {
            return Ok(());
        }
        self.net.stop_faults();
        let target = self.honest_heights().max() + self.options.liveness_heights;
        self.phase = Phase::Liveness {
            since: self.now,
            target,
        };
        self.trace.push(self.now, None, What::FaultsEnd { target });
        for i in 0..self.nodes.len() {
            self.restart(i)?;
        }
        Ok(())
    }

    fn finish(mut self, since: u64) -> Result<Report, Failure> {
        for node in &self.nodes {
            if !self.world.byzantine[node.index] {
                self.checker
                    .check_chain(node.index, self.world.genesis_hash, &node.disk.blocks)
                    .map_err(|m| self.failure(m))?;
            }
        }
        self.stats.height = self.honest_heights().min();
        self.stats.time_ms = self.now;
        self.stats.liveness_ms = self.now - since;
        Ok(self.stats)
    }

    fn honest_heights(&self) -> MinMax {
        let mut heights = self
            .nodes
            .iter()
            .filter(|n| !self.world.byzantine[n.index])
            .map(|n| n.disk.height());
        let first = heights.next().expect("at least one honest validator");
        heights.fold(MinMax(first, first), |m, h| MinMax(m.0.min(h), m.1.max(h)))
    }

    fn describe_nodes(&self) -> String {
        let parts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| {
                let role = if self.world.byzantine[n.index] {
                    "byzantine"
                } else {
                    "honest"
                };
                match &n.memory {
                    None => format!(
                        "n{} ({role}) crashed at height {}",
                        n.index,
                        n.disk.height()
                    ),
                    Some(m) => format!(
                        "n{} ({role}) committed {} at h{} r{} {:?} locked {:?}",
                        n.index,
                        n.disk.height(),
                        m.consensus.height(),
                        m.consensus.round(),
                        m.consensus.step(),
                        m.consensus
                            .locked()
                            .map(|l| (l.round, crate::block::short(&l.block_hash)))
                    ),
                }
            })
            .collect();
        parts.join("; ")
    }

    fn failure(&self, message: String) -> Failure {
        Failure {
            seed: self.seed,
            time_ms: self.now,
            message,
            trace: self.trace.lines(),
        }
    }
}

/// The lowest and highest committed height of the honest validators.
struct MinMax(u64, u64);

impl MinMax {
    fn min(&self) -> u64 {
        self.0
    }
    fn max(&self) -> u64 {
        self.1
    }
}
