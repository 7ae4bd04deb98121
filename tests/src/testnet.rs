//! A local multi-validator network made by `zl testnet`, for end-to-end tests of consensus.

use crate::{path_str, text, zl, Node};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Ports a network may use above its base: the API at `base + i`, peers at `base + 100 + i`.
const PORT_SPAN: u16 = 200;

/// The files of a network written by `zl testnet`.
pub struct Testnet {
    /// The output folder (genesis.json, client.key, node0..).
    pub dir: PathBuf,
    /// Nodes in all (validators first).
    pub nodes: usize,
}

impl Testnet {
    /// `zl testnet --validators V --full-nodes F --out DIR --base-port P`, with a base port that
    /// differs between test processes (ports below the kernel's ephemeral range).
    pub fn create(dir: &Path, validators: usize, full_nodes: usize) -> Testnet {
        let base = 20_000 + (std::process::id() % 40) as u16 * PORT_SPAN;
        let out = dir.join("net");
        let output = zl(&[
            "testnet",
            "--validators",
            &validators.to_string(),
            "--full-nodes",
            &full_nodes.to_string(),
            "--out",
            path_str(&out),
            "--base-port",
            &base.to_string(),
        ]);
        assert!(
            output.status.success(),
            "zl testnet failed: {}",
            text(&output)
        );
        // The harness's `Node::notarize` signs with `<home>/client.key`.
        for i in 0..validators + full_nodes {
            let home = out.join(format!("node{i}"));
            std::fs::copy(out.join("client.key"), home.join("client.key")).expect("copy key");
        }
        Testnet {
            dir: out,
            nodes: validators + full_nodes,
        }
    }

    /// Home of node `i`.
    pub fn home(&self, i: usize) -> PathBuf {
        self.dir.join(format!("node{i}"))
    }

    /// Starts node `i`.
    pub fn start(&self, i: usize) -> Node {
        Node::start(&self.home(i))
    }

    /// The submitter key of the network.
    pub fn client_key(&self) -> PathBuf {
        self.dir.join("client.key")
    }

    /// The genesis file.
    pub fn genesis(&self) -> PathBuf {
        self.dir.join("genesis.json")
    }
}

/// Sends a signal (`STOP`, `CONT`) to a process.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid} failed");
}
