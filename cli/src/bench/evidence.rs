//! `zl bench evidence`: starts a node, runs `zl bench load` against it as a separate process,
//! and adds what only the orchestrator sees: the node's peak memory and CPU, bytes on disk per
//! record, and the machine's signature capacity with the share the committed rate uses.

use super::capacity::{self, Capacity};
use super::load::{self, LoadReport};
use super::node::{self, BenchNode};
use super::proc::{self, ChildGuard, FolderBytes};
use super::stats::ms_text;
use anyhow::{bail, Context as _};
use serde::Serialize;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use zl_types::CryptoSuite;

/// How long the load generator may take beyond its window and commit wait (pre-signing).
const LOAD_OVERHEAD: Duration = Duration::from_secs(600);

/// What `zl bench evidence` is asked to do.
#[derive(Clone, Debug)]
pub(crate) struct EvidenceOptions {
    /// Seconds of offered load.
    pub(crate) duration_s: u64,
    /// Offered transactions per second.
    pub(crate) rate: u64,
    /// The chain's crypto suite.
    pub(crate) suite: CryptoSuite,
    /// Transactions per batch request.
    pub(crate) batch: usize,
    /// Sending connections of the load generator.
    pub(crate) connections: usize,
    /// The `zld` to run.
    pub(crate) zld: Option<PathBuf>,
}

/// Everything the evidence benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct EvidenceFigures {
    /// The chain suite.
    pub(crate) suite: String,
    /// The load generator's report.
    pub(crate) load: LoadReport,
    /// zld's peak resident memory (VmHWM), bytes.
    pub(crate) node_peak_rss_bytes: Option<u64>,
    /// CPU seconds zld used while the load generator ran.
    pub(crate) node_cpu_s: Option<f64>,
    /// `node_cpu_s` over the window plus the drain: cores the node kept busy.
    pub(crate) node_cores_busy: Option<f64>,
    /// Blocks at the end.
    pub(crate) height: u64,
    /// Records in the evidence log at the end.
    pub(crate) evidence_log_size: u64,
    /// Bytes of the node's data folder after a clean stop: all, tables, write-ahead logs.
    pub(crate) data_bytes: FolderBytes,
    /// `data_bytes.total / evidence_log_size`.
    pub(crate) bytes_per_record: Option<f64>,
    /// `data_bytes.sst / evidence_log_size`: the part in table files, without the logs.
    pub(crate) sst_bytes_per_record: Option<f64>,
    /// Signature capacity of this machine, measured after the node stopped.
    pub(crate) capacity: Capacity,
    /// `committed_tps / capacity.signatures_per_s`.
    pub(crate) share_of_capacity: f64,
    /// One-minute load average before and after the run.
    pub(crate) load_average: (Option<f64>, Option<f64>),
}

/// Runs the benchmark.
pub(crate) fn run(options: &EvidenceOptions) -> anyhow::Result<EvidenceFigures> {
    let zld = node::find_zld(options.zld.as_deref())?;
    let load_before = proc::load_average();
    let mut node = BenchNode::start(&zld, options.suite)?;
    eprintln!(
        "zl bench evidence: node at {} ({} suite); starting the load generator",
        node.url(),
        options.suite.name()
    );
    let out = node.home().join("load.json");
    let cpu_before = proc::cpu_seconds(&node.pid().to_string()).ok();
    let exe = std::env::current_exe().context("cannot find zl's own executable")?;
    let mut command = Command::new(exe);
    command
        .args(["--node", node.url(), "bench", "load", "--key"])
        .arg(node.client_key())
        .args([
            "--duration",
            &options.duration_s.to_string(),
            "--rate",
            &options.rate.to_string(),
            "--batch",
            &options.batch.to_string(),
            "--connections",
            &options.connections.to_string(),
            "--out",
        ])
        .arg(&out);
    let started = Instant::now();
    let limit = Duration::from_secs(options.duration_s + super::COMMIT_WAIT_S) + LOAD_OVERHEAD;
    let status = ChildGuard::spawn("zl bench load", &mut command)?.wait(limit)?;
    if !status.success() {
        bail!("the load generator failed ({status}); see its message above");
    }
    let report: LoadReport = serde_json::from_slice(
        &std::fs::read(&out).with_context(|| format!("cannot read {}", out.display()))?,
    )
    .context("the load generator's report is not understood")?;
    let (node_peak_rss_bytes, cpu_after) = node::process_figures(node.pid());
    let node_cpu_s = cpu_before.zip(cpu_after).map(|(b, a)| a - b);
    let busy_s = report.window_s as f64 + report.drain_s;
    let status = node.status()?;
    node.stop()?;
    let data_bytes = proc::folder_bytes(&node.data_dir())?;
    drop(node);
    eprintln!(
        "zl bench evidence: load done in {:.0} s; measuring signature capacity",
        started.elapsed().as_secs_f64()
    );
    let capacity = capacity::measure(options.suite)?;
    let share_of_capacity = report.committed_tps / capacity.signatures_per_s;
    Ok(EvidenceFigures {
        suite: options.suite.name().into(),
        node_peak_rss_bytes,
        node_cpu_s,
        node_cores_busy: node_cpu_s.map(|cpu| cpu / busy_s),
        height: status.height,
        evidence_log_size: status.evidence_log_size,
        data_bytes,
        bytes_per_record: per_record(data_bytes.total, status.evidence_log_size),
        sst_bytes_per_record: per_record(data_bytes.sst, status.evidence_log_size),
        capacity,
        share_of_capacity,
        load_average: (load_before, proc::load_average()),
        load: report,
    })
}

/// A readable summary.
pub(crate) fn summary(f: &EvidenceFigures) -> String {
    format!(
        "evidence benchmark, {} suite\n{}\n\
         node: peak RSS {}, CPU {} s ({} cores busy); {} blocks, {} records, {} bytes on disk = {} bytes per record ({} in table files, the rest mostly write-ahead log)\n\
         signature capacity: {:.0} batched verifications/s on {} threads ({:.0} full admission checks/s); the committed rate uses {:.1} % of it\n\
         load average before/after: {}/{}",
        f.suite,
        load::summary(&f.load),
        mib_text(f.node_peak_rss_bytes),
        opt_text(f.node_cpu_s, 1),
        opt_text(f.node_cores_busy, 2),
        f.height,
        f.evidence_log_size,
        f.data_bytes.total,
        opt_text(f.bytes_per_record, 0),
        opt_text(f.sst_bytes_per_record, 0),
        f.capacity.signatures_per_s,
        f.capacity.threads,
        f.capacity.admissions_per_s,
        100.0 * f.share_of_capacity,
        opt_text(f.load_average.0, 2),
        opt_text(f.load_average.1, 2),
    )
}

/// The markdown table header matching [`table_row`].
pub(crate) const TABLE_HEADER: &str = "| suite | window s | offered tx/s | committed tx/s | min tx/s in a second | p50 ms | p99 ms | max ms | busy refusals | node peak RSS | node cores busy | bytes/record | signatures/s (2 threads) | share |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// One markdown table row.
pub(crate) fn table_row(f: &EvidenceFigures) -> String {
    let l = &f.load;
    format!(
        "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.1} % |",
        f.suite,
        l.window_s,
        l.offered as f64 / l.window_s as f64,
        l.committed_tps,
        l.committed_per_second_min,
        ms_text(l.latency.p50_ms),
        ms_text(l.latency.p99_ms),
        ms_text(l.latency.max_ms),
        l.refusals_busy,
        mib_text(f.node_peak_rss_bytes),
        opt_text(f.node_cores_busy, 2),
        opt_text(f.bytes_per_record, 0),
        f.capacity.signatures_per_s,
        100.0 * f.share_of_capacity,
    )
}

/// `bytes / records`, when there are records.
fn per_record(bytes: u64, records: u64) -> Option<f64> {
    (records > 0).then(|| bytes as f64 / records as f64)
}

/// Bytes as `123.4 MiB`, or `-`.
pub(crate) fn mib_text(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "-".into(),
        |b| format!("{:.1} MiB", b as f64 / 1048576.0),
    )
}

/// A number with `decimals`, or `-`.
pub(crate) fn opt_text(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}
