//! What a run is asked to do ([`Options`]), what it saw ([`Report`]) and how it failed
//! ([`Failure`]).

use std::fmt;

/// Knobs of a run. The defaults are what CI runs; tests narrow them to target one behaviour.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of validators; `None` draws 1 to 7 from the seed.
    pub validators: Option<usize>,
    /// Number of equivocating validators; `None` draws 0 to f = (N-1)/3. Fewer are used if
    /// their power would reach a third of the total.
    pub byzantine: Option<usize>,
    /// All validators get power 1 (otherwise the seed draws equal, small or wide powers).
    pub equal_power: bool,
    /// Probability that a Byzantine validator equivocates on a message it signs; `None` draws.
    pub equivocation: Option<f64>,
    /// Message loss, duplication, long delays and partitions during the fault phase.
    pub network_faults: bool,
    /// Crashes and restarts during the fault phase (including crashes in the middle of an event).
    pub crashes: bool,
    /// Probability per fault tick (every 0.1 to 1 s) of crashing a node; `None` draws.
    pub crash_probability: Option<f64>,
    /// Probability per handled event of crashing in the middle of it; `None` draws.
    pub crash_mid_event_probability: Option<f64>,
    /// The fault phase ends when an honest validator commits this height...
    pub fault_heights: u64,
    /// ... or at this simulated time, whichever comes first.
    pub fault_time_ms: u64,
    /// After the faults stop, every honest validator must commit this many heights more...
    pub liveness_heights: u64,
    /// ... within this much simulated time.
    pub liveness_bound_ms: u64,
    /// A deliberately broken node for the simulator's own tests: restart validators WITHOUT
    /// their signing record. The safety checks must catch the double signing this allows.
    pub forget_signer_state: bool,
    /// Print every event as it happens.
    pub verbose: bool,
    /// Events kept for the trace tail of a failure.
    pub trace_tail: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            validators: None,
            byzantine: None,
            equal_power: false,
            equivocation: None,
            network_faults: true,
            crashes: true,
            crash_probability: None,
            crash_mid_event_probability: None,
            fault_heights: 8,
            fault_time_ms: 30_000,
            liveness_heights: 2,
            liveness_bound_ms: 120_000,
            forget_signer_state: false,
            verbose: false,
            trace_tail: 40,
        }
    }
}

/// What one seed's run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Validators.
    pub validators: usize,
    /// Of which Byzantine (equivocating).
    pub byzantine: usize,
    /// Height every honest validator reached at the end.
    pub height: u64,
    /// Blocks committed by consensus, over all nodes.
    pub commits: u64,
    /// Blocks obtained by block sync, over all nodes.
    pub synced: u64,
    /// Highest round any honest validator reached.
    pub round_max: u64,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages delivered.
    pub messages_delivered: u64,
    /// Messages lost.
    pub messages_lost: u64,
    /// Messages delivered twice.
    pub messages_duplicated: u64,
    /// Messages dropped by a partition.
    pub messages_partitioned: u64,
    /// Crashes (between events or in the middle of one).
    pub crashes: u64,
    /// Of which in the middle of handling an event.
    pub crashes_mid_event: u64,
    /// Restarts.
    pub restarts: u64,
    /// Restarts in the middle of a height the validator had signed in: consensus resumed from
    /// the signing record.
    pub resumed: u64,
    /// Partitions.
    pub partitions: u64,
    /// Conflicting messages signed by Byzantine validators.
    pub equivocations: u64,
    /// Double-vote evidence reported by honest validators (each verified).
    pub evidence: u64,
    /// Inputs consensus refused (wrong height, round too far, not the proposer...).
    pub refused: u64,
    /// Events processed.
    pub events: u64,
    /// Simulated time at the end, milliseconds.
    pub time_ms: u64,
    /// Simulated time from the end of the faults to the liveness target, milliseconds.
    pub liveness_ms: u64,
}

impl Report {
    /// Faults injected: lost, duplicated and partitioned messages, crashes, partitions and
    /// equivocations.
    pub fn faults(&self) -> u64 {
        self.messages_lost
            + self.messages_duplicated
            + self.messages_partitioned
            + self.crashes
            + self.partitions
            + self.equivocations
    }
}

/// A violated invariant (or a missed liveness bound), with what is needed to reproduce it.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The seed that reproduces it.
    pub seed: u64,
    /// Simulated time of the failure, milliseconds.
    pub time_ms: u64,
    /// What went wrong.
    pub message: String,
    /// The last events before the failure.
    pub trace: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seed {} failed at {} ms: {}",
            self.seed, self.time_ms, self.message
        )?;
        writeln!(f, "last {} events:", self.trace.len())?;
        for line in &self.trace {
            writeln!(f, "  {line}")?;
        }
        write!(
            f,
            "reproduce with: cargo run --release -p zl-sim -- --seeds 1 --start {} --verbose",
            self.seed
        )
    }
}

impl std::error::Error for Failure {}
