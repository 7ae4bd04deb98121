//! `zl-sim`: runs the deterministic consensus simulator over a range of seeds and prints a
//! summary; exits non-zero on the first failure, printing the seed that reproduces it.

use anyhow::Result;
use clap::Parser;
use std::process::ExitCode;
use zl_sim::{run_seed, Options, Report};

/// Deterministic simulation of ZhengLian consensus under crashes, partitions, message loss and
/// equivocation; every run is a pure function of its seed.
#[derive(Parser, Debug)]
#[command(name = "zl-sim", version)]
struct Args {
    /// Number of seeds to run.
    #[arg(long, default_value_t = 1_000)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Print every event of every run (use with `--seeds 1`).
    #[arg(long)]
    verbose: bool,
}

/// Sums over the seeds run.
#[derive(Default)]
struct Totals {
    seeds: u64,
    heights: u64,
    commits: u64,
    synced: u64,
    messages: u64,
    delivered: u64,
    lost: u64,
    duplicated: u64,
    partitioned: u64,
    crashes: u64,
    crashes_mid_event: u64,
    partitions: u64,
    equivocations: u64,
    faults: u64,
    evidence: u64,
    events: u64,
    time_ms: u64,
    liveness_ms_max: u64,
    round_max: u64,
    by_validators: [u64; 8],
    with_byzantine: u64,
}

impl Totals {
    fn add(&mut self, r: &Report) {
        self.seeds += 1;
        self.heights += r.height;
        self.commits += r.commits;
        self.synced += r.synced;
        self.messages += r.messages_sent;
        self.delivered += r.messages_delivered;
        self.lost += r.messages_lost;
        self.duplicated += r.messages_duplicated;
        self.partitioned += r.messages_partitioned;
        self.crashes += r.crashes;
        self.crashes_mid_event += r.crashes_mid_event;
        self.partitions += r.partitions;
        self.equivocations += r.equivocations;
        self.faults += r.faults();
        self.evidence += r.evidence;
        self.events += r.events;
        self.time_ms += r.time_ms;
        self.liveness_ms_max = self.liveness_ms_max.max(r.liveness_ms);
        self.round_max = self.round_max.max(r.round_max);
        self.by_validators[r.validators.min(7)] += 1;
        self.with_byzantine += u64::from(r.byzantine > 0);
    }

    fn print(&self, wall_seconds: f64) {
        println!("seeds run:                 {}", self.seeds);
        println!(
            "validators (N=1..7):       {:?}; seeds with Byzantine validators: {}",
            &self.by_validators[1..],
            self.with_byzantine
        );
        println!(
            "heights committed (total): {} (every honest validator reached them)",
            self.heights
        );
        println!(
            "blocks committed by consensus / by block sync, all nodes: {} / {}",
            self.commits, self.synced
        );
        println!(
            "messages sent / delivered: {} / {}",
            self.messages, self.delivered
        );
        println!(
            "faults injected:           {} (lost {}, duplicated {}, cut by partitions {}, \
             crashes {} of which mid-event {}, partitions {}, equivocations {})",
            self.faults,
            self.lost,
            self.duplicated,
            self.partitioned,
            self.crashes,
            self.crashes_mid_event,
            self.partitions,
            self.equivocations
        );
        println!(
            "double-vote evidence seen: {} (each verified, each against a Byzantine validator)",
            self.evidence
        );
        println!(
            "simulated time:            {:.1} h in total; longest recovery after faults {} ms; \
             highest round {}",
            self.time_ms as f64 / 3_600_000.0,
            self.liveness_ms_max,
            self.round_max
        );
        println!("events processed:          {}", self.events);
        if wall_seconds > 0.0 {
            println!(
                "wall time:                 {wall_seconds:.1} s ({:.0} seeds/s)",
                self.seeds as f64 / wall_seconds
            );
        }
    }
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    let options = Options {
        verbose: args.verbose,
        ..Options::default()
    };
    // Wall time only measures this command's speed; the simulation never reads a clock.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let mut totals = Totals::default();
    let end = args.start.saturating_add(args.seeds);
    for seed in args.start..end {
        match run_seed(seed, &options) {
            Ok(report) => totals.add(&report),
            Err(failure) => {
                eprintln!("{failure}");
                totals.print(started.elapsed().as_secs_f64());
                eprintln!("FAILED at seed {seed}");
                return Ok(ExitCode::FAILURE);
            }
        }
        if (seed - args.start + 1) % 10_000 == 0 {
            eprintln!("... {} seeds passed", seed - args.start + 1);
        }
    }
    totals.print(started.elapsed().as_secs_f64());
    println!("all {} seeds passed", totals.seeds);
    Ok(ExitCode::SUCCESS)
}
