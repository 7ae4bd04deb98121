//! `zl login`: proof of control of a DID (JR/T 0325 §9.3): asks the node for a challenge, signs
//! it with a key in the DID's `authentication` (PROTOCOL §18.3), optionally sends a presentation
//! of role credentials made for that challenge, and prints the session token.

use crate::client::Client;
use anyhow::Context as _;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use zl_types::did::auth_bytes;

/// `zl login` arguments.
#[derive(clap::Args)]
pub(crate) struct LoginArgs {
    /// The DID logging in.
    #[arg(long)]
    did: String,
    /// The verification method: `<DID>#<fragment>`, in the DID's authentication.
    #[arg(long, value_name = "ID")]
    method: String,
    /// The method's key file.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Credentials whose roles to claim, presented with the challenge as nonce.
    #[arg(long = "credential", value_name = "FILE")]
    credentials: Vec<PathBuf>,
}

/// Runs `zl login`.
pub(crate) fn run(args: LoginArgs, client: &Client) -> anyhow::Result<ExitCode> {
    let key = crate::keys::load(&args.key)?;
    let status = crate::status::NodeStatus::fetch(client)?;
    let raw = client.send(
        "POST",
        "/v1/auth/challenge",
        Some(&serde_json::to_vec(&json!({"did": args.did}))?),
    )?;
    if raw.status == 401 {
        return Ok(refused(&raw.body));
    }
    if raw.status != 200 {
        return Err(raw.error().into());
    }
    let opened: Value =
        serde_json::from_slice(&raw.body).context("the node's answer is not JSON")?;
    let challenge = opened["challenge"]
        .as_str()
        .context("the node answered no challenge")?;
    let bytes = auth_bytes(
        &status.chain_id,
        &status.genesis_hash,
        &args.did,
        &args.method,
        challenge,
    );
    let mut body = json!({
        "did": args.did,
        "verification_method": args.method,
        "challenge": challenge,
        "signature": key.sign(&bytes),
    });
    if !args.credentials.is_empty() {
        let credentials = args
            .credentials
            .iter()
            .map(|p| crate::vc::read_json(p))
            .collect::<Result<Vec<_>, _>>()?;
        body["presentation"] = zl_credentials::issue::create_presentation(
            &args.did,
            &credentials,
            &args.method,
            &key,
            challenge,
            crate::time::now_ms(),
        )?;
    }
    let raw = client.send("POST", "/v1/auth/login", Some(&serde_json::to_vec(&body)?))?;
    if raw.status == 401 {
        return Ok(refused(&raw.body));
    }
    if raw.status != 200 {
        return Err(raw.error().into());
    }
    let answer: Value =
        serde_json::from_slice(&raw.body).context("the node's answer is not JSON")?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(ExitCode::SUCCESS)
}

/// Prints the node's reason for refusing the login: a negative answer.
fn refused(body: &[u8]) -> ExitCode {
    let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let reason = answer["error"]["message"]
        .as_str()
        .unwrap_or("no reason given");
    println!("REFUSED: {reason}");
    ExitCode::from(crate::EXIT_NEGATIVE)
}
