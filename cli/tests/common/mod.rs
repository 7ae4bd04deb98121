//! Helpers shared by the integration tests: an in-memory chain, a fake node, running `zl`.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod chain;
pub mod node;

use std::path::Path;
use std::process::Command;

/// What a `zl` run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `zl` binary with `args` and extra environment variables.
pub fn zl(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zl"));
    command
        .args(args)
        .env_remove("ZL_NODE")
        .env_remove("ZL_PASSPHRASE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("zl runs");
    Run {
        code: output.status.code().expect("zl exits normally"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Path as &str for command lines.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}
