//! The chain a `zl did` command changes: what signatures bind to (from the node's status), the
//! submitter's key, and a transaction of calls submitted and followed to its block (`zl did`
//! and `zl object put` share it).

use crate::client::Client;
use crate::commits::{self, CommitStream, TransactionStatus};
use crate::sign::{self, ChainBinding};
use crate::status::NodeStatus;
use anyhow::{bail, Context as _};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use zl_types::{Call, Hash, HashAlgorithm, SecretKey};

/// The `did` system contract's name in calls.
const DID_CONTRACT: &str = "did";
/// How long past its expiry a transaction is waited for (a block may commit it late).
const COMMIT_GRACE: Duration = Duration::from_secs(15);

/// The chain behind the node: its binding and, on the regulatory chain, its id (the one chain id
/// besides JR/T 0325 table 2 that DIDs may name).
pub(crate) struct Chain {
    /// Chain id, genesis hash and suite: what transactions and controller proofs bind to.
    pub(crate) binding: ChainBinding,
    regulatory_chain: Option<String>,
}

impl Chain {
    /// Asks the node which chain it serves.
    pub(crate) fn fetch(client: &Client) -> anyhow::Result<Chain> {
        let status = NodeStatus::fetch(client)?;
        let regulatory_chain =
            (status.role.as_str() == Some("regulatory")).then(|| status.chain_id.clone());
        Ok(Chain {
            binding: ChainBinding {
                chain_id: status.chain_id,
                genesis_hash: status.genesis_hash,
                suite: status.crypto_suite,
            },
            regulatory_chain,
        })
    }

    /// The regulatory chain's id if this is it, for checking DIDs as the chain does.
    pub(crate) fn regulatory_chain(&self) -> Option<&str> {
        self.regulatory_chain.as_deref()
    }

    /// The chain's hash algorithm (it digests documents in update operations).
    pub(crate) fn hash_algorithm(&self) -> HashAlgorithm {
        self.binding.suite.hash_algorithm()
    }
}

/// Loads the key that signs the transaction; it must be of the chain's suite.
pub(crate) fn load_submitter(path: &Path, chain: &Chain) -> anyhow::Result<SecretKey> {
    let key = crate::keys::load(path)?;
    if key.suite() != chain.binding.suite {
        bail!(
            "{} holds an {} key but chain {} uses the {} suite; give --key a member's key of that suite",
            path.display(),
            key.suite().name(),
            chain.binding.chain_id,
            chain.binding.suite.name()
        );
    }
    Ok(key)
}

/// What became of a submitted transaction.
pub(crate) enum Outcome {
    /// Committed and executed successfully.
    Committed,
    /// Committed, but the contract refused it: the node's reason.
    Failed(String),
    /// Not committed before it expired.
    Expired(Hash),
}

/// Signs `did.<method>(args)` with `key`, submits it and waits for its block.
pub(crate) fn submit(
    client: &Client,
    chain: &Chain,
    key: &SecretKey,
    method: &str,
    args: Value,
) -> anyhow::Result<Outcome> {
    let call = Call {
        contract: DID_CONTRACT.into(),
        method: method.into(),
        args,
    };
    submit_calls(client, chain, key, vec![call])
}

/// Signs a transaction of `calls` with `key`, submits it and waits for its block.
pub(crate) fn submit_calls(
    client: &Client,
    chain: &Chain,
    key: &SecretKey,
    calls: Vec<Call>,
) -> anyhow::Result<Outcome> {
    let what: Vec<String> = calls
        .iter()
        .map(|c| format!("{}.{}", c.contract, c.method))
        .collect();
    let method = what.join(", ");
    let now = crate::time::now_ms();
    let signed = sign::sign_calls(key, &chain.binding, calls, now, sign::random_salt())?;
    // Follow commits before submitting, so the commit cannot be missed.
    let stream = CommitStream::open(client).ok();
    let _: Value = client
        .post_json("/v1/transactions", &signed.json)
        .with_context(|| format!("the node refused the {method} transaction"))?;
    eprintln!("submitted transaction {}; waiting for its block", signed.id);
    let remaining = signed.expires_at.saturating_sub(crate::time::now_ms());
    let deadline = Instant::now() + Duration::from_millis(remaining) + COMMIT_GRACE;
    let outcomes = commits::wait_for_commits(client, stream, &[signed.id], deadline, |_| {});
    Ok(match outcomes.get(&signed.id) {
        None => Outcome::Expired(signed.id),
        Some(outcome) if outcome.ok => Outcome::Committed,
        Some(_) => {
            let status: TransactionStatus =
                client.get_json(&format!("/v1/transactions/{}", signed.id))?;
            Outcome::Failed(status.error.map_or("the node gives no reason".into(), |e| {
                e.get("message")
                    .and_then(Value::as_str)
                    .map_or(e.to_string(), str::to_string)
            }))
        }
    })
}
