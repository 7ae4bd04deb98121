//! `zl bench bridge`: the communication bridge on one validator. A throw-away `sm` node of chain
//! `shanghai` runs the bridge (`[bridge] owner` is the market's DID, whose assertion method is
//! the seal key); `--connections` keep-alive clients offer `user_registration/account` commands
//! of 1–4 objects each for `--seconds`; then, on one thread here, the per-object rates beside.

mod drive;

use crate::bench::node::{self, BenchNode, ChainSetup};
use crate::bench::{objects, stats};
use anyhow::{bail, Context as _};
use rand_core::OsRng;
use serde::Serialize;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use zl_types::{CryptoSuite, KeyFile, Role, SecretKey};

/// The chain the bridge runs on.
const CHAIN_ID: &str = "shanghai";
/// The market's DID (a valid unified social credit code with its check character).
const MARKET_DID: &str = "did:rem:shanghai:91310000564759688N";
/// The seal key file in the node's home (`[bridge] seal_key`).
const SEAL_KEY_FILE: &str = "bridge-seal.key";
/// Clients offering commands, at most.
pub(crate) const CONNECTIONS_MAX: u64 = 512;
/// Seconds of offered load, at most.
pub(crate) const SECONDS_MAX: u64 = 300;
/// Seconds each one-thread rate is measured.
const RATE_SECONDS: u64 = 3;
/// Target: bridge commands committed per second.
const TARGET_COMMANDS_PER_S: f64 = 500.0;
/// Target: p99 command latency, milliseconds.
const TARGET_P99_MS: f64 = 1_000.0;

/// What was measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct BridgeFigures {
    /// How the figures are defined.
    pub(crate) definitions: String,
    /// The chain and its suite.
    pub(crate) chain_id: String,
    /// Seconds during which commands were offered.
    pub(crate) window_s: u64,
    /// Concurrent keep-alive clients.
    pub(crate) connections: usize,
    /// Commands answered 200 (committed).
    pub(crate) commands: u64,
    /// Objects those commands wrote.
    pub(crate) objects: u64,
    /// Seconds from the start to the last answer.
    pub(crate) elapsed_s: f64,
    /// `commands / elapsed_s`.
    pub(crate) commands_per_s: f64,
    /// `objects / elapsed_s`.
    pub(crate) objects_per_s: f64,
    /// Command latency (request sent → 200 answer read) over the committed commands only.
    pub(crate) latency: stats::Latency,
    /// Answers other than 200, by error code (or HTTP status / transport failure).
    pub(crate) errors: std::collections::BTreeMap<String, u64>,
    /// The first error seen, for diagnosis.
    pub(crate) first_error: Option<String>,
    /// One-thread rates of this process.
    pub(crate) one_thread: objects::ObjectFigures,
    /// Raw SM2 signatures of a 64-byte message per second, one thread.
    pub(crate) sm2_signs_per_s: f64,
    /// `objects_per_s / one_thread.seal_verifications_per_s`.
    pub(crate) share_of_seal_verification_bound: f64,
    /// CPU seconds zld used during the window.
    pub(crate) node_cpu_s: Option<f64>,
}

/// Runs the benchmark.
pub(crate) fn run(seconds: u64, connections: usize) -> anyhow::Result<BridgeFigures> {
    let zld = node::find_zld(None)?;
    let setup = ChainSetup {
        chain_id: Some(CHAIN_ID.into()),
        client_roles: vec![Role::DidAuthority],
        node_roles: vec![Role::Submitter],
        prepare: Some(prepare_home),
    };
    let node = BenchNode::start_chain(&zld, CryptoSuite::Sm, &setup)?;
    eprintln!(
        "zl bench bridge: node at {} (sm chain {CHAIN_ID}); creating the market DID",
        node.url()
    );
    create_market_did(&node)?;
    drive::register_market(&node)?;
    eprintln!(
        "zl bench bridge: offering user_registration/account commands for {seconds} s over {connections} connections"
    );
    let cpu_before = node::process_figures(node.pid()).1;
    let load = drive::run(node.url(), Duration::from_secs(seconds), connections)?;
    let node_cpu_s = cpu_before
        .zip(node::process_figures(node.pid()).1)
        .map(|(b, a)| a - b);
    drop(node);
    eprintln!(
        "zl bench bridge: {:.0} commands/s; measuring one-thread rates",
        load.commands as f64 / load.elapsed_s
    );
    let one_thread = objects::run(RATE_SECONDS)?;
    let key = SecretKey::generate(CryptoSuite::Sm, &mut OsRng);
    let message = [0x5a_u8; 64];
    let sm2_signs_per_s = objects::rate(Duration::from_secs(RATE_SECONDS), || {
        std::hint::black_box(key.sign(&message));
        Ok(())
    })?;
    let objects_per_s = load.objects as f64 / load.elapsed_s;
    Ok(BridgeFigures {
        definitions: "closed loop: each connection sends its next POST /v1/bridge/user_registration/account (1–4 fresh objects in turn: one account of an earlier investor, or an investor subject with 1–3 accounts; fresh Idempotency-Key) when the last answer is read; commands_per_s and objects_per_s = 200 answers (committed) and their objects ÷ time from start to the last answer; latency = request sent to 200 answer read".into(),
        chain_id: CHAIN_ID.into(),
        window_s: seconds,
        connections,
        commands: load.commands,
        objects: load.objects,
        elapsed_s: load.elapsed_s,
        commands_per_s: load.commands as f64 / load.elapsed_s,
        objects_per_s,
        latency: stats::latency(&load.latencies),
        errors: load.errors,
        first_error: load.first_error,
        share_of_seal_verification_bound: objects_per_s / one_thread.seal_verifications_per_s,
        one_thread,
        sm2_signs_per_s,
        node_cpu_s,
    })
}

/// Runs the benchmark and prints its figures, as text or JSON.
pub(crate) fn report(seconds: u64, connections: u64, json: bool) -> anyhow::Result<()> {
    // Bounded by its value parser.
    let figures = run(seconds, connections as usize)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        println!("{}", summary(&figures));
    }
    Ok(())
}

/// Writes the SM2 seal key into the fresh home and names the market as the bridge's owner.
fn prepare_home(home: &Path) -> anyhow::Result<()> {
    let key = SecretKey::generate(CryptoSuite::Sm, &mut OsRng);
    let mut text = serde_json::to_string_pretty(&KeyFile::plain(&key))?;
    text.push('\n');
    std::fs::write(home.join(SEAL_KEY_FILE), text).context("cannot write the seal key")?;
    let config = home.join("config.toml");
    let text = std::fs::read_to_string(&config)?;
    if !text.contains("\nowner = \"\"") {
        bail!(
            "config.toml has no empty [bridge] owner; zld's config changed, update the benchmark"
        );
    }
    let text = text
        .replacen("\nowner = \"\"", &format!("\nowner = \"{MARKET_DID}\""), 1)
        .replacen(
            "\nseal_key = \"bridge-seal.key\"",
            &format!("\nseal_key = \"{SEAL_KEY_FILE}\""),
            1,
        );
    std::fs::write(&config, text).context("cannot write config.toml")
}

/// Creates the market's DID with the seal key as its method, by this zl's own `did doc` and
/// `did create` (signed with client.key, the DID authority).
fn create_market_did(node: &BenchNode) -> anyhow::Result<()> {
    let zl = std::env::current_exe().context("cannot find zl's own executable")?;
    let document = node.home().join("market-did.json");
    let seal = node.home().join(SEAL_KEY_FILE);
    let client = node.client_key();
    let steps: [Vec<&std::ffi::OsStr>; 2] = [
        vec![
            "did".as_ref(),
            "doc".as_ref(),
            "--did".as_ref(),
            MARKET_DID.as_ref(),
            "--key-file".as_ref(),
            seal.as_os_str(),
            "--out".as_ref(),
            document.as_os_str(),
        ],
        vec![
            "did".as_ref(),
            "create".as_ref(),
            "--document".as_ref(),
            document.as_os_str(),
            "--key".as_ref(),
            client.as_os_str(),
        ],
    ];
    for args in steps {
        let output = Command::new(&zl)
            .args(["--node", node.url()])
            .args(&args)
            .output()?;
        if !output.status.success() {
            bail!(
                "zl {:?} failed: {}",
                args,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    // did create answers once committed; give the resolver a moment anyway.
    let deadline = Instant::now() + Duration::from_secs(10);
    let client = node.client()?;
    while Instant::now() < deadline {
        let path = format!("/1.0/identifiers/{MARKET_DID}");
        if matches!(client.send("GET", &path, None), Ok(r) if r.status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the market DID does not resolve after did create")
}

/// A readable report, ending with the targets.
pub(crate) fn summary(f: &BridgeFigures) -> String {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let o = &f.one_thread;
    let l = &f.latency;
    let errors: Vec<String> = f.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!(
        "bridge benchmark, sm chain {}, {} connections for {} s\n\
         committed: {} commands = {:.0}/s, {} objects = {:.0}/s ({:.2} objects per command)\n\
         latency: p50 {} ms, p99 {} ms, max {} ms\n\
         errors: {}\n\
         node CPU: {} s over {:.1} s\n\
         one thread: {:.0} validations/s, {:.0} seal verifications/s, {:.0} raw SM2 verifications/s, {:.0} raw SM2 signatures/s\n\
         share: objects/s ÷ seal verifications/s = {:.2}\n\n\
         | target | measured | |\n|---|---|---|\n\
         | ≥ {TARGET_COMMANDS_PER_S:.0} bridge commands/s | {:.0} | {} |\n\
         | p99 command latency < {TARGET_P99_MS:.0} ms | {} ms | {} |",
        f.chain_id,
        f.connections,
        f.window_s,
        f.commands,
        f.commands_per_s,
        f.objects,
        f.objects_per_s,
        f.objects as f64 / (f.commands.max(1)) as f64,
        stats::ms_text(l.p50_ms),
        stats::ms_text(l.p99_ms),
        stats::ms_text(l.max_ms),
        if errors.is_empty() {
            "none".into()
        } else {
            format!(
                "{} (first: {})",
                errors.join(", "),
                f.first_error.clone().unwrap_or_default()
            )
        },
        f.node_cpu_s.map_or("-".into(), |s| format!("{s:.1}")),
        f.elapsed_s,
        o.validations_per_s,
        o.seal_verifications_per_s,
        o.sm2_verifications_per_s,
        f.sm2_signs_per_s,
        f.share_of_seal_verification_bound,
        f.commands_per_s,
        met(f.commands_per_s >= TARGET_COMMANDS_PER_S),
        stats::ms_text(l.p99_ms),
        met(l.p99_ms.is_some_and(|p| p < TARGET_P99_MS)),
    )
}
