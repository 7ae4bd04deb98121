//! `zl object seal|verify`: business data objects (docs/DATA-MODEL.md) offline. `seal` signs an
//! object as its owner (PROTOCOL.md §20); `verify` runs every check the node runs on a full
//! snapshot — header, strict schema, the checks the schema misses — and the seal, and prints
//! each violation with its JSON pointer. `put|get|history` go through a node (object/online.rs).

mod online;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::Subcommand;
use serde_json::{json, Value};
use zl_objects::normalise::normalise_pilot_variants;
use zl_types::object::{key_to_hex, seal_object, verify_seal};

use crate::vc::read_json;

/// `zl object …`
#[derive(Subcommand)]
pub(crate) enum ObjectCommand {
    /// Seal an object with the owner's SM2 key (replacing any seal it has); the object must pass
    /// every check first.
    Seal {
        /// The object (JSON).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The owner's SM2 key file (`zl keys new --suite sm`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Where to write the sealed object (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Put a sealed object on chain: the node checks it, verifies the seal, keeps the full
    /// snapshot in its object store and answers the redacted record, which this signs and submits.
    Put {
        /// The sealed object (JSON; `zl object seal` makes one).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The owner's DID: the seal's key must be one of its assertion methods.
        #[arg(long, value_name = "DID")]
        owner: String,
        /// The submitter's chain key (a member holding the submitter role).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Show an object as the chain records it: its head and current snapshot, one version, its
    /// proof, or (to its owner or a regulator) the full snapshot.
    Get {
        /// The object id.
        id: String,
        /// A version (default: the head and the latest).
        #[arg(long)]
        version: Option<u64>,
        /// A revision of the version (default: its current one).
        #[arg(long)]
        revision: Option<u32>,
        /// The record's proof in its block's object root, to verify offline.
        #[arg(long)]
        proof: bool,
        /// The full snapshot, personal fields in clear, with its proof.
        #[arg(long)]
        full: bool,
        /// A login token (`zl login`) for --full.
        #[arg(long, env = "ZL_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// List the records of every snapshot of an object, in (version, revision) order.
    History {
        /// The object id.
        id: String,
        /// The first version listed.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
    /// Check an object as the node would: every violation with its JSON pointer, then the seal.
    /// Exit 1 if anything is wrong.
    Verify {
        /// The object (JSON).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Normalise the pilot's known variants first, as the bridge does, and list the renames.
        #[arg(long)]
        bridge: bool,
        /// Check the content only: an unsealed object is not an error.
        #[arg(long)]
        unsealed: bool,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `zl object …`; `node` serves put, get and history.
pub(crate) fn run(command: ObjectCommand, node: &str) -> anyhow::Result<ExitCode> {
    let client = || crate::client::Client::new(node);
    match command {
        ObjectCommand::Put { file, owner, key } => online::put(&client()?, &file, &owner, &key),
        ObjectCommand::Get {
            id,
            version,
            revision,
            proof,
            full,
            token,
        } => online::get(
            &client()?,
            &online::GetArgs {
                id: &id,
                version,
                revision,
                proof,
                full,
                token: token.as_deref(),
            },
        ),
        ObjectCommand::History { id, from } => online::history(&client()?, &id, from),
        ObjectCommand::Seal { file, key, out } => seal(&file, &key, out.as_deref()),
        ObjectCommand::Verify {
            file,
            bridge,
            unsealed,
            json,
        } => verify(&file, bridge, unsealed, json),
    }
}

fn seal(file: &Path, key: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut object = read_json(file)?;
    if let Err(violations) = zl_objects::check_object(&object) {
        let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
        bail!(
            "{} does not pass the checks, so it is not sealed; fix these first:\n  {}",
            file.display(),
            listed.join("\n  ")
        );
    }
    let key = crate::vc::sm2_key(key)?;
    let seal = seal_object(&mut object, &key).context("the object cannot be sealed")?;
    let text = serde_json::to_string_pretty(&object)? + "\n";
    match out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    eprintln!("sealed with SM2 key {}", key_to_hex(&seal.key));
    Ok(ExitCode::SUCCESS)
}

fn verify(file: &Path, bridge: bool, unsealed: bool, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut object = read_json(file)?;
    let renamed = if bridge {
        normalise_pilot_variants(&mut object)
    } else {
        Vec::new()
    };
    let violations = zl_objects::check_object(&object).err().unwrap_or_default();
    let sealed = object.pointer("/header/seal").is_some_and(|s| !s.is_null());
    let seal = if sealed || !unsealed {
        Some(
            verify_seal(&object)
                .map(|s| key_to_hex(&s.key))
                .map_err(|e| e.to_string()),
        )
    } else {
        None
    };
    let ok = violations.is_empty() && seal.as_ref().is_none_or(Result::is_ok);
    if as_json {
        let verdict = json!({
            "valid": ok,
            "violations": violations.iter().map(|v| json!({
                "pointer": v.pointer, "rule": v.rule.code(), "message": v.message,
            })).collect::<Vec<Value>>(),
            "renamed": renamed.iter().map(|w| json!({"pointer": w.pointer, "message": w.message})).collect::<Vec<Value>>(),
            "seal": match &seal {
                None => json!(null),
                Some(Ok(key)) => json!({"valid": true, "pub_key": key}),
                Some(Err(e)) => json!({"valid": false, "error": e}),
            },
        });
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        for warning in &renamed {
            println!("renamed {}: {}", warning.pointer, warning.message);
        }
        for violation in &violations {
            println!("{violation}");
        }
        match &seal {
            None => println!("seal: not checked (--unsealed)"),
            Some(Ok(key)) => println!("seal: valid, SM2 key {key}"),
            Some(Err(e)) => println!("seal: {e}"),
        }
        println!("{}", if ok { "valid" } else { "INVALID" });
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_NEGATIVE)
    })
}
