//! A throw-away single-validator node for a benchmark: `zld init` in a temporary home,
//! `zld start`, its API address read from its output, and SIGTERM at the end.

use super::proc::{self, ChildGuard, TempDir};
use crate::client::Client;
use crate::status::NodeStatus;
use anyhow::{bail, Context as _};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zl_types::{CryptoSuite, Genesis, Role};

/// How long a node may take to start and answer `/readyz`.
const NODE_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `zld init` may take.
const INIT_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between `/readyz` probes while the node starts.
const READY_POLL: Duration = Duration::from_millis(50);
/// What `zld start` prints before the API address.
const LISTENING_MARKER: &str = "API listening on http://";
/// Waiting transactions one member may hold in the benchmark node's mempool: all of the
/// mempool (`mempool.transactions_max`, 100,000 by default), because the benchmark's whole
/// load comes from one member key (the home's `client.key`).
pub(crate) const PER_MEMBER_MAX_BENCH: u64 = 100_000;
/// The node home's config file (zld's `zl_config::CONFIG_FILE`).
const CONFIG_FILE: &str = "config.toml";
/// Characters of the node's log shown when it fails to start.
const LOG_TAIL_CHARS: usize = 2_000;
/// The node home's genesis file (zld's `home::GENESIS`).
const GENESIS_FILE: &str = "genesis.json";

/// The chain a benchmark node runs, beyond its suite.
#[derive(Clone, Debug, Default)]
pub(crate) struct ChainSetup {
    /// The chain id (`zld init --chain-id`); `None` keeps zld's default.
    pub(crate) chain_id: Option<String>,
    /// Roles added in the genesis to the member of the home's `client.key` (which has
    /// `submitter`), so the benchmark needs no governance round before it starts.
    pub(crate) client_roles: Vec<Role>,
    /// Roles added in the genesis to the member of the home's `node.key` (the bridge signs
    /// with it).
    pub(crate) node_roles: Vec<Role>,
    /// Run on the fresh home after `zld init` and before the first start (e.g. to write
    /// extra key files and edit config.toml).
    pub(crate) prepare: Option<fn(&Path) -> anyhow::Result<()>>,
}

/// A running benchmark node. Dropping it stops the node and removes its home.
pub(crate) struct BenchNode {
    // Declared first so it drops first: the node stops before its home is removed.
    process: Option<ChildGuard>,
    url: String,
    home: PathBuf,
    log: PathBuf,
    _folder: TempDir,
}

impl BenchNode {
    /// Creates a home for a chain of `suite` and starts `zld` on a free local port.
    pub(crate) fn start(zld: &Path, suite: CryptoSuite) -> anyhow::Result<BenchNode> {
        BenchNode::start_chain(zld, suite, &ChainSetup::default())
    }

    /// As [`BenchNode::start`], for the chain `setup` describes.
    pub(crate) fn start_chain(
        zld: &Path,
        suite: CryptoSuite,
        setup: &ChainSetup,
    ) -> anyhow::Result<BenchNode> {
        let folder = TempDir::new("node")?;
        let home = folder.path().join("home");
        let log = folder.path().join("zld.log");
        let mut init = Command::new(zld);
        init.args(["init", "--home"])
            .arg(&home)
            .args(["--api", "127.0.0.1:0", "--suite", suite.name()])
            .args(
                setup
                    .chain_id
                    .iter()
                    .flat_map(|id| ["--chain-id", id.as_str()]),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let status = ChildGuard::spawn("zld init", &mut init)?.wait(INIT_TIMEOUT)?;
        if !status.success() {
            bail!("`zld init` failed ({status}); see its message above");
        }
        raise_member_quota(&home.join(CONFIG_FILE))?;
        if !setup.client_roles.is_empty() {
            grant_roles(&home, "client.key", &setup.client_roles)?;
        }
        if !setup.node_roles.is_empty() {
            grant_roles(&home, "node.key", &setup.node_roles)?;
        }
        if let Some(prepare) = setup.prepare {
            prepare(&home)?;
        }
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut start = Command::new(zld);
        start
            .args(["start", "--home"])
            .arg(&home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        let mut process = ChildGuard::spawn("zld", &mut start)?;
        let stdout = process
            .child_mut()
            .stdout
            .take()
            .context("zld's stdout was not captured")?;
        let (address_tx, address_rx) = mpsc::sync_channel(1);
        // Reads the address, then keeps draining stdout so the node never blocks on a full pipe.
        std::thread::Builder::new()
            .name("zld-stdout".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some((_, address)) = line.split_once(LISTENING_MARKER) {
                        let _ = address_tx.try_send(address.trim().to_string());
                    }
                }
            })?;
        let mut node = BenchNode {
            process: Some(process),
            url: String::new(),
            home,
            log,
            _folder: folder,
        };
        let address = address_rx.recv_timeout(NODE_START_TIMEOUT).map_err(|_| {
            node.failure(&format!(
                "zld did not print its API address within {} s",
                NODE_START_TIMEOUT.as_secs()
            ))
        })?;
        node.url = format!("http://{address}");
        node.wait_ready()?;
        Ok(node)
    }

    /// The node's API URL (`http://127.0.0.1:PORT`).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A client of the node.
    pub(crate) fn client(&self) -> anyhow::Result<Client> {
        Client::new(&self.url)
    }

    /// The node's home.
    pub(crate) fn home(&self) -> &Path {
        &self.home
    }

    /// The member key the benchmark submits with.
    pub(crate) fn client_key(&self) -> PathBuf {
        self.home.join("client.key")
    }

    /// The node's ledger folder.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.home.join("data")
    }

    /// The node's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.process.as_ref().map_or(0, ChildGuard::id)
    }

    /// The node's status.
    pub(crate) fn status(&self) -> anyhow::Result<NodeStatus> {
        NodeStatus::fetch(&self.client()?)
    }

    /// Stops the node with SIGTERM and waits for its clean exit; the home stays until drop.
    pub(crate) fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(process) = self.process.take() {
            let status = process.terminate()?;
            if !status.success() {
                return Err(self.failure(&format!("zld exited with {status} on SIGTERM")));
            }
        }
        Ok(())
    }

    fn wait_ready(&self) -> anyhow::Result<()> {
        let client = self.client()?;
        let deadline = Instant::now() + NODE_START_TIMEOUT;
        while Instant::now() < deadline {
            if matches!(client.send("GET", "/readyz", None), Ok(r) if r.status == 200) {
                return Ok(());
            }
            std::thread::sleep(READY_POLL);
        }
        Err(self.failure(&format!(
            "zld did not become ready within {} s",
            NODE_START_TIMEOUT.as_secs()
        )))
    }

    /// An error that shows the end of the node's log.
    fn failure(&self, what: &str) -> anyhow::Error {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.len().saturating_sub(LOG_TAIL_CHARS);
        let tail = log.get(start..).unwrap_or(&log);
        anyhow::anyhow!("{what}; the end of its log:\n{tail}")
    }
}

/// Sets `mempool.per_member_max` in a fresh home's config to [`PER_MEMBER_MAX_BENCH`].
fn raise_member_quota(config: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let mut found = false;
    let tuned: Vec<String> = text
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("per_member_max") {
                found = true;
                format!("per_member_max = {PER_MEMBER_MAX_BENCH}")
            } else {
                line.to_string()
            }
        })
        .collect();
    if !found {
        bail!(
            "{} has no per_member_max line; zld's config format changed, update the benchmark",
            config.display()
        );
    }
    std::fs::write(config, tuned.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", config.display()))
}

/// Adds `roles` to the genesis member whose key is the home's key file `key_file`, before the
/// node's first start (the genesis hash is computed then).
fn grant_roles(home: &Path, key_file: &str, roles: &[Role]) -> anyhow::Result<()> {
    let client = crate::keys::load(&home.join(key_file))?.public_key();
    let path = home.join(GENESIS_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut genesis = Genesis::from_json(&text)
        .with_context(|| format!("{} is not a genesis zl understands", path.display()))?;
    let Some(member) = genesis.members.iter_mut().find(|m| m.public_key == client) else {
        bail!(
            "{} has no member for {key_file}; zld init changed, update the benchmark",
            path.display()
        );
    };
    for role in roles {
        if !member.roles.contains(role) {
            member.roles.push(*role);
        }
    }
    genesis
        .check()
        .context("the benchmark's genesis with the added roles is refused")?;
    std::fs::write(&path, serde_json::to_vec_pretty(&genesis)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Finds `zld`: `--zld PATH` if given, else beside this `zl` executable.
pub(crate) fn find_zld(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let exe = std::env::current_exe().context("cannot find zl's own executable")?;
    let zld = exe.with_file_name("zld");
    if !zld.is_file() {
        bail!(
            "no zld beside {}; build it (`cargo build --release --bins`) or pass --zld PATH",
            exe.display()
        );
    }
    Ok(zld)
}

/// Peak RSS and CPU seconds of a running process (`None` when `/proc` cannot be read).
pub(crate) fn process_figures(pid: u32) -> (Option<u64>, Option<f64>) {
    (
        proc::peak_rss_bytes(pid).ok(),
        proc::cpu_seconds(&pid.to_string()).ok(),
    )
}
