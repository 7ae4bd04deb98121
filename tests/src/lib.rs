//! Harness for end-to-end tests: real `zld` and `zl` processes on 127.0.0.1, each node in its own
//! temporary home, with an API port chosen by the OS and read back from the node's output.

pub mod documents;
pub mod http;
pub mod market;
pub mod moto;
pub mod sign;
pub mod testnet;
pub mod wait;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a node may take to open its ledger and listen.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of a workspace binary built next to the running test (`target/<profile>/<name>`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release --bins` first (make test does)",
        path.display()
    );
    path
}

/// A running `zld`.
pub struct Node {
    child: Child,
    /// The API's base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The node's home directory.
    pub home: PathBuf,
}

impl Node {
    /// `zld dev --home HOME --api 127.0.0.1:0 --suite SUITE`: creates the chain on first use.
    pub fn dev(home: &Path, suite: &str) -> Node {
        let args = [
            "dev",
            "--home",
            path_str(home),
            "--api",
            "127.0.0.1:0",
            "--suite",
            suite,
        ];
        Node::spawn(home, &args)
    }

    /// `zld init --home HOME --chain-id CHAIN_ID --suite SUITE --api 127.0.0.1:0`: creates a node
    /// home (genesis, keys, config) without starting it; panics with zld's output if it fails.
    pub fn init(home: &Path, chain_id: &str, suite: &str) {
        let args = [
            "init",
            "--home",
            path_str(home),
            "--chain-id",
            chain_id,
            "--suite",
            suite,
            "--api",
            "127.0.0.1:0",
            "--p2p",
            "127.0.0.1:0",
        ];
        let output = Command::new(bin("zld"))
            .args(args)
            .output()
            .expect("zld runs");
        assert!(
            output.status.success(),
            "zld init failed: {}",
            text(&output)
        );
    }

    /// `zld start --home HOME` (the API address comes from the home's config).
    pub fn start(home: &Path) -> Node {
        Node::spawn(home, &["start", "--home", path_str(home)])
    }

    fn spawn(home: &Path, args: &[&str]) -> Node {
        let mut child = Command::new(bin("zld"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("zld starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.split("API listening on ").nth(1) {
                    let _ = sender.send(address.trim().to_string());
                }
            }
        });
        let url = receiver
            .recv_timeout(START_TIMEOUT)
            .expect("zld printed its API address");
        Node {
            child,
            url,
            home: home.to_path_buf(),
        }
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL and reaps the process: no chance to flush anything.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL delivered");
        self.child.wait().expect("reaped");
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().expect("reaped")
    }

    /// GET a JSON document from the API.
    pub fn get(&self, path: &str) -> serde_json::Value {
        get_json(&format!("{}{path}", self.url)).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `GET /v1/status`.
    pub fn status(&self) -> serde_json::Value {
        self.get("/v1/status")
    }

    /// The current height from `/v1/status`.
    pub fn height(&self) -> u64 {
        self.status()["height"]
            .as_u64()
            .expect("status has a height")
    }

    /// The home's member key for local use (`HOME/client.key`, a registered submitter).
    pub fn client_key(&self) -> PathBuf {
        self.home.join("client.key")
    }

    /// The home's genesis file.
    pub fn genesis_path(&self) -> PathBuf {
        self.home.join("genesis.json")
    }

    /// Runs `zl --node <this node> ARGS...`.
    pub fn zl(&self, args: &[&str]) -> Output {
        let mut all = vec!["--node", self.url.as_str()];
        all.extend_from_slice(args);
        zl(&all)
    }

    /// Runs `zl --node <this node> ARGS...` and asserts that it exits with `code`.
    pub fn zl_exit(&self, args: &[&str], code: i32) -> Output {
        let output = self.zl(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "zl {}: {}",
            args.join(" "),
            text(&output)
        );
        output
    }

    /// `zl evidence notarize --key KEY [--documents-per-tx N] PATH` with the home's member key,
    /// asserting that it succeeds.
    pub fn notarize(&self, path: &Path, documents_per_tx: Option<&str>) -> Output {
        let key = self.client_key();
        let mut args = vec!["evidence", "notarize", "--key", path_str(&key)];
        if let Some(n) = documents_per_tx {
            args.extend(["--documents-per-tx", n]);
        }
        args.push(path_str(path));
        let output = self.zl(&args);
        assert!(
            output.status.success(),
            "notarize {} failed: {}",
            path.display(),
            text(&output)
        );
        output
    }

    /// Starts `zl --node <this node> ARGS...` in the background; its output goes to files in `logs`.
    pub fn zl_spawn(&self, args: &[&str], logs: &Path) -> Background {
        let mut all = vec!["--node", self.url.as_str()];
        all.extend_from_slice(args);
        Background::spawn(&bin("zl"), &all, logs)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process running in the background, killed when dropped (so a failing test leaves none).
/// Its stdout and stderr go to files, so a chatty process never blocks on a full pipe.
pub struct Background {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Background {
    /// Starts `program ARGS...` with output to `logs/stdout` and `logs/stderr`.
    pub fn spawn(program: &Path, args: &[&str], logs: &Path) -> Background {
        std::fs::create_dir_all(logs).expect("log folder");
        let stdout = logs.join("stdout");
        let stderr = logs.join("stderr");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("the program starts");
        Background {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits up to `timeout` for the process to exit; `None` if it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = &mut self.child;
        wait::poll_until(timeout, || child.try_wait().expect("try_wait works"))
    }

    /// Sends SIGKILL and reaps the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the process wrote so far, stdout then stderr.
    pub fn output_text(&self) -> String {
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        format!("{}{}", read(&self.stdout), read(&self.stderr))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.kill();
    }
}

/// GET `url` and parse the JSON answer (any status).
pub fn get_json(url: &str) -> Result<serde_json::Value, String> {
    match ureq::get(url).call() {
        Ok(response) => response.into_json().map_err(|e| e.to_string()),
        Err(ureq::Error::Status(_, response)) => response.into_json().map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs `zl ARGS...` and returns its output.
pub fn zl(args: &[&str]) -> Output {
    Command::new(bin("zl"))
        .args(args)
        .output()
        .expect("zl runs")
}

/// The UTF-8 text of a process's stdout and stderr together.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Sets `key = value` in `[section]` of `HOME/config.toml` (the key must be there already);
/// `value` is TOML text, e.g. `"1"` or `"\"info\""`.
pub fn set_config(home: &Path, section: &str, key: &str, value: &str) {
    let path = home.join("config.toml");
    let config = std::fs::read_to_string(&path).expect("the home has a config.toml");
    let mut current = String::new();
    let mut replaced = false;
    let lines: Vec<String> = config
        .lines()
        .map(|line| {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                current = trimmed.trim_matches(['[', ']']).to_string();
            } else if current == section && trimmed.split('=').next().map(str::trim) == Some(key) {
                replaced = true;
                return format!("{key} = {value}");
            }
            line.to_string()
        })
        .collect();
    assert!(
        replaced,
        "config.toml has no {key} in [{section}]:\n{config}"
    );
    std::fs::write(&path, lines.join("\n") + "\n").expect("config.toml written");
}

/// A path as UTF-8 text (temporary paths are).
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}
