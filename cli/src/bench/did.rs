//! `zl bench did` (issue 4): a throw-away `sm` node of the JR/T 0325 local chain `shanghai`
//! whose `client.key` is the DID authority from the genesis on; it creates `--dids` DIDs, then
//! measures resolutions per second and their latency over keep-alive HTTP, and last, in this
//! process on one core, credential verifications per second beside raw SM2 verifications.

mod create;
mod resolve;
mod vc;

use super::evidence::{mib_text, opt_text};
use super::node::{self, BenchNode, ChainSetup};
use super::proc::{self, FolderBytes};
use super::stats::ms_text;
use serde::Serialize;
use std::path::PathBuf;
use zl_types::{CryptoSuite, Role};

pub(crate) use resolve::{CONNECTIONS_MAX, DURATION_S_MAX};

/// The chain's id: a local business chain id of JR/T 0325 table 2, so `did:rem:shanghai:…`
/// DIDs live on it.
const CHAIN_ID: &str = "shanghai";
/// DIDs one run may create, at most (the signed transactions, ~10 KB per 16 DIDs, are held in
/// memory; enterprise codes have 6 digits).
pub(crate) const DIDS_MAX: u64 = 500_000;
/// Target: resolutions per second on one node with 100,000 DIDs.
const TARGET_RESOLUTIONS_PER_S: f64 = 10_000.0;
/// Target: p99 resolution latency, milliseconds.
const TARGET_P99_MS: f64 = 20.0;

const _: () = assert!(DIDS_MAX as usize <= create::ENTERPRISE_NUMBERS);

/// What `zl bench did` is asked to do.
#[derive(Clone, Debug)]
pub(crate) struct DidOptions {
    /// DIDs to create.
    pub(crate) dids: usize,
    /// Seconds of resolving.
    pub(crate) duration_s: u64,
    /// Resolving connections.
    pub(crate) connections: usize,
    /// The `zld` to run.
    pub(crate) zld: Option<PathBuf>,
}

/// Everything the DID benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DidFigures {
    /// The chain's id.
    pub(crate) chain_id: String,
    /// The chain suite (always `sm`: JR/T 0325 keys are SM2).
    pub(crate) suite: String,
    /// Phase 1: creating the DIDs.
    pub(crate) create: create::CreateFigures,
    /// Phase 2: resolving them.
    pub(crate) resolve: resolve::ResolveFigures,
    /// zld's peak resident memory (VmHWM), bytes.
    pub(crate) node_peak_rss_bytes: Option<u64>,
    /// Bytes of the node's data folder after a clean stop.
    pub(crate) data_bytes: FolderBytes,
    /// `data_bytes.total / dids`.
    pub(crate) bytes_per_did: Option<f64>,
    /// Phase 3: credential verification on one core.
    pub(crate) vc: vc::VcFigures,
    /// One-minute load average before and after the run.
    pub(crate) load_average: (Option<f64>, Option<f64>),
}

/// Runs the benchmark.
pub(crate) fn run(options: &DidOptions) -> anyhow::Result<DidFigures> {
    let zld = node::find_zld(options.zld.as_deref())?;
    let load_before = proc::load_average();
    let setup = ChainSetup {
        chain_id: Some(CHAIN_ID.into()),
        client_roles: vec![Role::DidAuthority],
        ..ChainSetup::default()
    };
    let mut node = BenchNode::start_chain(&zld, CryptoSuite::Sm, &setup)?;
    eprintln!(
        "zl bench did: node at {} (sm chain {CHAIN_ID}); creating {} DIDs",
        node.url(),
        options.dids
    );
    let (create, dids) = create::run(&node, options.dids)?;
    eprintln!(
        "zl bench did: created {} DIDs in {:.1} s ({:.0}/s); resolving for {} s over {} connections",
        create.dids, create.elapsed_s, create.dids_per_s, options.duration_s, options.connections
    );
    let resolve = resolve::run(&node, &dids, options.duration_s, options.connections)?;
    let (node_peak_rss_bytes, _) = node::process_figures(node.pid());
    node.stop()?;
    let data_bytes = proc::folder_bytes(&node.data_dir())?;
    drop(node);
    eprintln!(
        "zl bench did: {:.0} resolutions/s; measuring credential verification on one core",
        resolve.resolutions_per_s
    );
    let vc = vc::measure()?;
    Ok(DidFigures {
        chain_id: CHAIN_ID.into(),
        suite: CryptoSuite::Sm.name().into(),
        bytes_per_did: (create.dids > 0).then(|| data_bytes.total as f64 / create.dids as f64),
        create,
        resolve,
        node_peak_rss_bytes,
        data_bytes,
        vc,
        load_average: (load_before, proc::load_average()),
    })
}

/// A readable report, ending with the targets.
pub(crate) fn summary(f: &DidFigures) -> String {
    let c = &f.create;
    let r = &f.resolve;
    let v = &f.vc;
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let busy = |cpu: Option<f64>| opt_text(cpu.map(|s| s / r.elapsed_s), 2);
    format!(
        "DID benchmark, {} chain {}\n\
         create: {} DIDs in {} transactions of up to {} (signed in {:.1} s); all committed in {:.2} s = {:.0} DIDs/s; busy refusals {}; transaction latency p50 {} ms, p99 {} ms\n\
         resolve: {} connections for {} s: {} resolutions = {:.0}/s (per second: min {}, median {}); latency p50 {} ms, p99 {} ms, max {} ms; cores busy: node {}, clients {}\n\
         node: peak RSS {}, {} bytes on disk = {} bytes per DID\n\
         one core: {:.0} credential verifications/s ({:.2} ms each; {} bytes, {} quads), {:.0} raw SM2 verifications/s, canonicalisation {:.2} ms per credential\n\
         load average before/after: {}/{}\n\n\
         | target | measured | |\n|---|---|---|\n\
         | ≥ {TARGET_RESOLUTIONS_PER_S:.0} resolutions/s with {} DIDs | {:.0} | {} |\n\
         | p99 resolution latency < {TARGET_P99_MS:.0} ms | {} ms | {} |",
        f.suite,
        f.chain_id,
        c.dids,
        c.transactions,
        c.dids_per_transaction,
        c.presign_s,
        c.elapsed_s,
        c.dids_per_s,
        c.refusals_busy,
        ms_text(c.latency.p50_ms),
        ms_text(c.latency.p99_ms),
        r.connections,
        r.window_s,
        r.resolutions,
        r.resolutions_per_s,
        r.per_second_min,
        r.per_second_median,
        ms_text(r.p50_ms),
        ms_text(r.p99_ms),
        ms_text(r.max_ms),
        busy(r.node_cpu_s),
        busy(r.client_cpu_s),
        mib_text(f.node_peak_rss_bytes),
        f.data_bytes.total,
        opt_text(f.bytes_per_did, 0),
        v.vc_verifications_per_s,
        1000.0 / v.vc_verifications_per_s,
        v.credential_bytes,
        v.quads,
        v.sm2_verifications_per_s,
        v.canonicalisation_ms,
        opt_text(f.load_average.0, 2),
        opt_text(f.load_average.1, 2),
        c.dids,
        r.resolutions_per_s,
        met(r.resolutions_per_s >= TARGET_RESOLUTIONS_PER_S),
        ms_text(r.p99_ms),
        met(r.p99_ms.is_some_and(|p| p < TARGET_P99_MS)),
    )
}
