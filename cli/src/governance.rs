//! `zl governance`: propose changes to the member registry and the validator set, vote on
//! proposals, and show one (docs/GOVERNANCE.md).

use crate::client::Client;
use crate::commits::{self, CommitStream, TransactionStatus};
use crate::sign::{self, ChainBinding};
use crate::status::NodeStatus;
use anyhow::{bail, Context as _};
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zl_types::governance::{proposal_id, GOVERNANCE_CONTRACT};
use zl_types::{Call, GovernanceAction, Hash, ProposeArgs, VoteArgs};

/// Size of an action file, at most (an action is a few hundred bytes).
const ACTION_FILE_BYTES_MAX: u64 = 1024 * 1024;
/// How long past its expiry a transaction is waited for (a block may commit it late).
const COMMIT_GRACE: Duration = Duration::from_secs(15);

/// `zl governance …`
#[derive(Subcommand)]
pub(crate) enum GovernanceCommand {
    /// Propose an action (governors only); prints the proposal id, waits for the commit and
    /// shows the proposal. Proposing counts as your approval.
    Propose {
        /// The governor's key file (ZL_PASSPHRASE opens an encrypted one).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The action as inline JSON (`{"type": "add_member", "member": {...}}`) or a JSON file;
        /// see docs/GOVERNANCE.md for every action.
        #[arg(long, value_name = "JSON|FILE")]
        action: String,
        /// Why, for the other governors (at most 1024 bytes).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Vote on an open proposal (governors only); a later vote replaces yours.
    Vote {
        /// The governor's key file (ZL_PASSPHRASE opens an encrypted one).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The proposal id, 64 hex characters.
        #[arg(long, value_name = "ID")]
        proposal: String,
        /// Approve the proposal.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        /// Reject the proposal.
        #[arg(long)]
        reject: bool,
    },
    /// Show a proposal: its action, votes, status and tally.
    Show {
        /// The proposal id, 64 hex characters.
        id: String,
        /// Print the node's raw JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `zl governance` command.
pub(crate) fn run(command: GovernanceCommand, client: &Client) -> anyhow::Result<ExitCode> {
    match command {
        GovernanceCommand::Propose {
            key,
            action,
            reason,
        } => {
            let args = ProposeArgs {
                action: parse_action(&action)?,
                reason,
            };
            args.check().context("the proposal is not valid")?;
            let call = governance_call("propose", serde_json::to_value(&args)?);
            let (id, ok) = submit(client, &key, call, |tx_id, alg| {
                let id = proposal_id(alg, tx_id, 0);
                println!("proposal {id}");
                id
            })?;
            finish(client, &id, ok)
        }
        GovernanceCommand::Vote {
            key,
            proposal,
            approve,
            reject,
        } => {
            debug_assert!(
                approve != reject,
                "clap makes them exclusive and one required"
            );
            let id = parse_id(&proposal)?;
            let args = VoteArgs {
                proposal: id,
                approve,
            };
            let call = governance_call("vote", serde_json::to_value(&args)?);
            let (_, ok) = submit(client, &key, call, |_, _| ())?;
            finish(client, &id, ok)
        }
        GovernanceCommand::Show { id, json } => show(client, &parse_id(&id)?, json),
    }
}

fn governance_call(method: &str, args: Value) -> Call {
    Call {
        contract: GOVERNANCE_CONTRACT.into(),
        method: method.into(),
        args,
    }
}

fn parse_id(text: &str) -> anyhow::Result<Hash> {
    Hash::from_hex(&text.trim().to_ascii_lowercase())
        .context("give the proposal id as the 64 hex characters `zl governance propose` printed")
}

/// An action given inline (text starting with `{`) or as a JSON file.
fn parse_action(text: &str) -> anyhow::Result<GovernanceAction> {
    let (json, source) = if text.trim_start().starts_with('{') {
        (text.to_string(), "the --action JSON".to_string())
    } else {
        (read_action_file(Path::new(text))?, text.to_string())
    };
    serde_json::from_str(&json).with_context(|| {
        format!("{source} is not a governance action; see docs/GOVERNANCE.md for the actions and their JSON")
    })
}

fn read_action_file(path: &Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path)
        .with_context(|| {
            format!(
                "cannot read action file {} (inline JSON starts with '{{')",
                path.display()
            )
        })?
        .len();
    if size > ACTION_FILE_BYTES_MAX {
        bail!(
            "{} is {size} bytes, too large for a governance action",
            path.display()
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Signs `call`, submits it and waits for its block. `announce` sees the transaction id and
/// the chain's hash algorithm before anything is sent (a proposal's id is known by then).
/// Returns what `announce` returned and whether the transaction committed successfully
/// (`None`: not committed before it expired).
fn submit<T>(
    client: &Client,
    key_path: &Path,
    call: Call,
    announce: impl FnOnce(&Hash, zl_types::HashAlgorithm) -> T,
) -> anyhow::Result<(T, Option<bool>)> {
    let key = crate::keys::load(key_path)?;
    let status = NodeStatus::fetch(client)?;
    if key.suite() != status.crypto_suite {
        bail!(
            "the key is an {} key but chain {} uses the {} suite; sign with a governor's key of that suite",
            key.suite().name(),
            status.chain_id,
            status.crypto_suite.name()
        );
    }
    let chain = ChainBinding {
        chain_id: status.chain_id.clone(),
        genesis_hash: status.genesis_hash,
        suite: status.crypto_suite,
    };
    let now = crate::time::now_ms();
    let signed = sign::sign_calls(&key, &chain, vec![call], now, sign::random_salt())?;
    let announced = announce(&signed.id, status.crypto_suite.hash_algorithm());
    // Follow commits before submitting, so the commit cannot be missed.
    let stream = CommitStream::open(client).ok();
    let _: Value = client.post_json("/v1/transactions", &signed.json)?;
    eprintln!("submitted transaction {}; waiting for its block", signed.id);
    let remaining = signed.expires_at.saturating_sub(crate::time::now_ms());
    let deadline = Instant::now() + Duration::from_millis(remaining) + COMMIT_GRACE;
    let outcomes = commits::wait_for_commits(client, stream, &[signed.id], deadline, |_| {});
    let ok = outcomes.get(&signed.id).map(|outcome| outcome.ok);
    if ok == Some(false) {
        let status: TransactionStatus =
            client.get_json(&format!("/v1/transactions/{}", signed.id))?;
        let reason = status.error.map_or("the node gives no reason".into(), |e| {
            e.get("message")
                .and_then(Value::as_str)
                .map_or(e.to_string(), str::to_string)
        });
        eprintln!("the transaction failed: {reason}");
    }
    Ok((announced, ok))
}

/// Signs `call` with `key_path`, submits it, waits for its block and says `done` on success;
/// a failed or expired transaction is a negative answer.
pub(crate) fn submit_and_report(
    client: &Client,
    key_path: &Path,
    call: Call,
    done: &str,
) -> anyhow::Result<ExitCode> {
    let (_, ok) = submit(client, key_path, call, |_, _| ())?;
    match ok {
        Some(true) => {
            eprintln!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        Some(false) => Ok(ExitCode::from(crate::EXIT_NEGATIVE)),
        None => {
            eprintln!(
                "the transaction was not committed before it expired; check the node and try again"
            );
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
    }
}

/// After a propose or vote: shows the proposal if the transaction succeeded.
fn finish(client: &Client, id: &Hash, ok: Option<bool>) -> anyhow::Result<ExitCode> {
    match ok {
        Some(true) => show(client, id, false),
        Some(false) => Ok(ExitCode::from(crate::EXIT_NEGATIVE)),
        None => {
            eprintln!(
                "the transaction was not committed before it expired; check the node and try again"
            );
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
    }
}

/// `zl governance show ID`.
fn show(client: &Client, id: &Hash, raw: bool) -> anyhow::Result<ExitCode> {
    let Some(answer) =
        client.get_json_optional::<Value>(&format!("/v1/governance/proposals/{id}"))?
    else {
        eprintln!(
            "no governance proposal {id} on this chain (or its transaction is not committed yet)"
        );
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    };
    if raw {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", render(&answer));
    }
    Ok(ExitCode::SUCCESS)
}

/// The proposal answer for people.
fn render(answer: &Value) -> String {
    let proposal = &answer["proposal"];
    let text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let mut out = format!(
        "proposal:  {}\n\
         action:    {}\n\
         reason:    {}\n\
         proposer:  {}\n\
         proposed:  at height {}, open until height {}\n\
         status:    {} at height {}\n\
         tally:     {} of {} governors approve ({} needed to pass), {} reject ({} needed to reject)\n",
        text(&proposal["id"]),
        proposal["action"],
        text(&proposal["reason"]),
        text(&proposal["proposer"]),
        text(&proposal["height"]),
        text(&proposal["expires_after"]),
        text(&answer["status"]),
        text(&answer["height"]),
        text(&answer["approvals"]),
        text(&answer["governors"]),
        text(&answer["approvals_needed"]),
        text(&answer["rejections"]),
        text(&answer["rejections_needed"]),
    );
    if let Some(height) = proposal.get("decided_at") {
        out.push_str(&format!("decided:   at height {}\n", text(height)));
    }
    if let Some(height) = proposal.get("effective_height") {
        out.push_str(&format!(
            "effective: the new validator set signs from height {}\n",
            text(height)
        ));
    }
    for vote in proposal["votes"].as_array().into_iter().flatten() {
        let verdict = if vote["approve"] == json!(true) {
            "approve"
        } else {
            "reject"
        };
        out.push_str(&format!(
            "vote:      {} {verdict} (height {})\n",
            text(&vote["governor"]),
            text(&vote["height"])
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_come_inline_or_from_a_file() {
        let key = zl_types::SecretKey::from_seed(zl_types::CryptoSuite::Ed25519, &[1; 32])
            .unwrap()
            .public_key();
        let inline = format!(r#" {{"type": "remove_member", "public_key": "{key}"}}"#);
        assert_eq!(parse_action(&inline).unwrap().kind(), "remove_member");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("action.json");
        std::fs::write(&path, inline.trim()).unwrap();
        assert_eq!(
            parse_action(path.to_str().unwrap()).unwrap().kind(),
            "remove_member"
        );
        let bad = parse_action(r#"{"type": "make_king"}"#).unwrap_err();
        assert!(format!("{bad:#}").contains("docs/GOVERNANCE.md"), "{bad:#}");
        let missing = parse_action("no-such-file.json").unwrap_err();
        assert!(
            format!("{missing:#}").contains("inline JSON"),
            "{missing:#}"
        );
    }

    #[test]
    fn renders_a_passed_validator_proposal() {
        let answer = json!({
            "status": "passed", "height": 12, "governors": 4, "approvals": 3, "rejections": 0,
            "approvals_needed": 3, "rejections_needed": 2,
            "proposal": {
                "id": "ab", "proposer": "ed25519:01", "reason": "new bank",
                "action": {"type": "remove_validator", "public_key": "ed25519:02"},
                "tx_id": "cd", "height": 9, "expires_after": 1_000_009, "status": "passed",
                "votes": [{"governor": "ed25519:01", "approve": true, "height": 9},
                          {"governor": "ed25519:03", "approve": false, "height": 10}],
                "decided_at": 11, "effective_height": 13
            }
        });
        let text = render(&answer);
        for line in [
            "status:    passed at height 12",
            "tally:     3 of 4 governors approve (3 needed to pass), 0 reject (2 needed to reject)",
            "decided:   at height 11",
            "effective: the new validator set signs from height 13",
            "vote:      ed25519:03 reject (height 10)",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
    }
}
