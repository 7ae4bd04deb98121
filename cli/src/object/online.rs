//! `zl object put|get|history`: business data objects through a node. `put` stages the full
//! sealed object (the node checks it, verifies the seal, redacts personal fields and keeps the
//! full snapshot in its object store), then signs and submits the `objects.write` call it
//! answers and waits for the block; `get` shows what the chain records, or with `--full` the
//! full snapshot to its owner or a regulator; `history` lists every snapshot.

use crate::client::Client;
use crate::did::chain::{self, Chain, Outcome};
use anyhow::{bail, Context as _};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use zl_types::Call;

/// `zl object put`: stage, commit, show the record.
pub(crate) fn put(
    client: &Client,
    file: &Path,
    owner: &str,
    key: &Path,
) -> anyhow::Result<ExitCode> {
    let object = crate::vc::read_json(file)?;
    let chain = Chain::fetch(client)?;
    let key = chain::load_submitter(key, &chain)?;
    let body = serde_json::to_vec(&serde_json::json!({"owner": owner, "object": object}))?;
    let raw = client.send("POST", "/v1/objects/stage", Some(&body))?;
    if raw.status == 422 {
        let error = raw.error();
        eprintln!(
            "error: the node refused {}: {}",
            file.display(),
            error.message
        );
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    }
    if raw.status != 200 {
        return Err(raw.error().into());
    }
    let staged: Value =
        serde_json::from_slice(&raw.body).context("the node's answer is not JSON")?;
    let call: Call = serde_json::from_value(staged["call"].clone())
        .context("the node's answer holds no objects.write call")?;
    let (id, version) = (
        staged["object_id"].as_str().unwrap_or_default().to_owned(),
        staged["version"].as_u64().unwrap_or_default(),
    );
    eprintln!(
        "staged {id}/{version} (digest {}); {} personal field(s) redacted",
        staged["snapshot_digest"].as_str().unwrap_or_default(),
        staged["redacted"].as_array().map_or(0, Vec::len)
    );
    match chain::submit_calls(client, &chain, &key, vec![call])? {
        Outcome::Committed => {
            let record: Value = client.get_json(&format!("/v1/objects/{id}/versions/{version}"))?;
            println!("{}", serde_json::to_string_pretty(&record["record"])?);
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Failed(reason) => {
            eprintln!("error: the chain refused {id}/{version}: {reason}");
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
        Outcome::Expired(tx) => {
            eprintln!("error: transaction {tx} was not committed before it expired; check the node (`zl status`) and put the object again");
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
    }
}

/// What `zl object get` shows.
pub(crate) struct GetArgs<'a> {
    pub(crate) id: &'a str,
    pub(crate) version: Option<u64>,
    pub(crate) revision: Option<u32>,
    pub(crate) proof: bool,
    pub(crate) full: bool,
    pub(crate) token: Option<&'a str>,
}

/// `zl object get`: the head and current snapshot, one version, its proof, or its full snapshot.
pub(crate) fn get(client: &Client, args: &GetArgs<'_>) -> anyhow::Result<ExitCode> {
    let id = args.id;
    let revision = args
        .revision
        .map_or(String::new(), |r| format!("?revision={r}"));
    let path = match (args.version, args.proof, args.full) {
        (_, true, true) => {
            bail!("--proof and --full do not go together: --full includes the proof")
        }
        (None, false, false) if args.revision.is_none() => format!("/v1/objects/{id}"),
        (None, _, _) => bail!("--revision, --proof and --full need --version"),
        (Some(v), false, false) => format!("/v1/objects/{id}/versions/{v}{revision}"),
        (Some(v), true, false) => format!("/v1/objects/{id}/versions/{v}/proof{revision}"),
        (Some(v), false, true) => format!("/v1/objects/{id}/versions/{v}/snapshot{revision}"),
    };
    let token = match (args.full, args.token) {
        (true, None) => bail!("--full needs a login token: --token <T> or ZL_TOKEN (from `zl login` as the owner or a regulator)"),
        (true, token) => token,
        (false, _) => None,
    };
    show(client, &path, token)
}

/// `zl object history`: every snapshot's record from version `from` on.
pub(crate) fn history(client: &Client, id: &str, from: u64) -> anyhow::Result<ExitCode> {
    show(
        client,
        &format!("/v1/objects/{id}/history?from={from}&limit=1000"),
        None,
    )
}

fn show(client: &Client, path: &str, token: Option<&str>) -> anyhow::Result<ExitCode> {
    let raw = client.send_as("GET", path, None, token)?;
    if raw.status == 404 {
        eprintln!("error: {}", raw.error().message);
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    }
    if raw.status != 200 {
        return Err(raw.error().into());
    }
    let answer: Value =
        serde_json::from_slice(&raw.body).context("the node's answer is not JSON")?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(ExitCode::SUCCESS)
}
