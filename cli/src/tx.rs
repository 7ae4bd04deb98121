//! `zl tx`: submit a signed transaction file and look transactions up, for scripts.

use crate::client::Client;
use crate::commits::{self, CommitStream};
use anyhow::Context as _;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zl_types::{Hash, Transaction};

/// Size of a transaction file, at most (the protocol's limit plus JSON slack).
const TRANSACTION_FILE_BYTES_MAX: u64 = 2 * zl_types::transaction::TRANSACTION_BYTES_MAX as u64;

/// `zl tx submit FILE [--wait]`: posts the transaction and prints the node's answer; with
/// `--wait`, waits for the commit and prints the outcome (exit 1 if it failed or expired).
pub(crate) fn submit(client: &Client, path: &Path, wait: bool) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > TRANSACTION_FILE_BYTES_MAX {
        anyhow::bail!(
            "{} is {size} bytes, larger than any transaction may be",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let transaction: Transaction = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a signed transaction ({{\"body\": ..., \"signature\": ...}})",
            path.display()
        )
    })?;
    // Follow commits before submitting, so the commit cannot be missed.
    let stream = if wait {
        CommitStream::open(client).ok()
    } else {
        None
    };
    let answer: Value = client.post_json("/v1/transactions", &bytes)?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    if !wait {
        return Ok(ExitCode::SUCCESS);
    }
    let id = answer
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Hash::from_hex(id).ok())
        .context("the node's answer names no transaction id")?;
    let remaining = transaction
        .body
        .expires_at
        .saturating_sub(crate::time::now_ms());
    let deadline = Instant::now() + Duration::from_millis(remaining) + Duration::from_secs(15);
    let outcomes = commits::wait_for_commits(client, stream, &[id], deadline, |_| {});
    let Some(outcome) = outcomes.get(&id) else {
        eprintln!("transaction {id} was not committed before it expired");
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    };
    let status: Value = client.get_json(&format!("/v1/transactions/{id}"))?;
    println!("{}", serde_json::to_string_pretty(&status)?);
    Ok(if outcome.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_NEGATIVE)
    })
}

/// `zl tx get ID`: prints the node's view of a transaction.
pub(crate) fn get(client: &Client, id: &str) -> anyhow::Result<()> {
    let id = Hash::from_hex(&id.to_ascii_lowercase())
        .context("give the transaction id as 64 hex characters")?;
    let status: Value = client.get_json(&format!("/v1/transactions/{id}"))?;
    println!("{}", serde_json::to_string_pretty(&status)?);
    Ok(())
}
