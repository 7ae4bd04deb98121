//! `zl vc issue|verify|revoke` and `zl vp create|verify`: credentials and presentations of
//! JR/T 0325 (docs/DID.md §8). Signing happens here, with the issuer's or holder's key file;
//! verification asks a node (`--node`), or works offline from DID documents given as files.

mod offline;

use crate::client::Client;
use anyhow::{bail, Context as _};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::Subcommand;
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zl_credentials::shape::{normalise, Credential, STATUS_TYPE};
use zl_types::Call;

/// Size of a credential or presentation file, at most.
const FILE_BYTES_MAX: u64 = 1024 * 1024;
/// Random bytes of a presentation nonce made here.
const NONCE_BYTES: usize = 16;

/// `zl vc …`
#[derive(Subcommand)]
pub(crate) enum VcCommand {
    /// Sign a credential as its issuer (JR/T 0325 §9.4). Without a `credentialStatus`, one
    /// pointing at `--node`'s status URL is added. With `--register`, the status is registered
    /// on chain (signed by `--key`, one of the issuer's submitter keys).
    Issue {
        /// The unsigned credential (JSON-LD).
        #[arg(long, value_name = "FILE")]
        credential: PathBuf,
        /// The issuer's SM2 key file (the key of `--method`).
        #[arg(long, value_name = "FILE")]
        issuer_key: PathBuf,
        /// The verification method: `<issuer DID>#<fragment>`, in the issuer's assertionMethod.
        #[arg(long, value_name = "ID")]
        method: String,
        /// Where to write the signed credential (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Register the credential's status on chain.
        #[arg(long, requires = "key")]
        register: bool,
        /// The submitter key that registers the status.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Add no `credentialStatus`: only for an authorisation credential (appendix E.3),
        /// which its subject issues and which has no status on chain.
        #[arg(long, conflicts_with = "register")]
        no_status: bool,
    },
    /// Verify a credential (§9.5): by the node, or offline with `--doc` files.
    Verify {
        /// The credential.
        #[arg(long, value_name = "FILE")]
        credential: PathBuf,
        /// Verify offline: DID documents (or resolution results) of the issuer; status and the
        /// issuer's registration are then not checked, and the report says so.
        #[arg(long = "doc", value_name = "FILE")]
        docs: Vec<PathBuf>,
    },
    /// Revoke a credential's status (§9.7), signed by one of the issuer's submitter keys.
    Revoke {
        /// The credential's issuer (its DID).
        #[arg(long, value_name = "DID")]
        issuer: String,
        /// The credential's id.
        #[arg(long, value_name = "ID")]
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The submitter key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
}

/// `zl vp …`
#[derive(Subcommand)]
pub(crate) enum VpCommand {
    /// Present credentials as their holder (§8): sign with the holder's key and a nonce.
    Create {
        /// The holder's DID.
        #[arg(long)]
        holder: String,
        /// The verification method: `<holder DID>#<fragment>`, in the holder's authentication.
        #[arg(long, value_name = "ID")]
        method: String,
        /// The holder's SM2 key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// A credential to present (repeat for several).
        #[arg(long = "credential", value_name = "FILE", required = true)]
        credentials: Vec<PathBuf>,
        /// The nonce (base64url), e.g. a verifier's challenge; default: 16 fresh random bytes.
        #[arg(long)]
        nonce: Option<String>,
        /// Where to write the presentation (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Verify a presentation (§9.6): by the node (which remembers its nonce), or offline with
    /// `--doc` files and a nonce file that remembers accepted nonces.
    Verify {
        /// The presentation.
        #[arg(long, value_name = "FILE")]
        presentation: PathBuf,
        /// Offline: DID documents (or resolution results) of the holder and the issuers.
        #[arg(long = "doc", value_name = "FILE")]
        docs: Vec<PathBuf>,
        /// Offline: the file of nonces already accepted (created if absent).
        #[arg(long, value_name = "FILE", requires = "docs")]
        nonce_store: Option<PathBuf>,
    },
}

/// Reads a JSON file of at most [`FILE_BYTES_MAX`] bytes.
pub(crate) fn read_json(path: &Path) -> anyhow::Result<Value> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > FILE_BYTES_MAX {
        bail!(
            "{} is {size} bytes; at most {FILE_BYTES_MAX}",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

fn write_out(value: &Value, out: Option<&Path>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)? + "\n";
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

pub(crate) fn sm2_key(path: &Path) -> anyhow::Result<zl_types::SecretKey> {
    let key = crate::keys::load(path)?;
    if !matches!(key, zl_types::SecretKey::Sm2(_)) {
        bail!(
            "{} is not an SM2 key; credentials, presentations and object seals are SM2 (`zl keys new --suite sm`)",
            path.display()
        );
    }
    Ok(key)
}

/// The status URL of a credential on the node at `base`.
fn status_url(base: &str, issuer: &str, id: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    format!(
        "{}/v1/credentials/status?issuer={}&id={}",
        base.trim_end_matches('/'),
        encode(issuer),
        encode(id)
    )
}

/// The issuer DID of an unsigned credential (`issuer` or `issuer.id`).
fn issuer_of(credential: &Value) -> anyhow::Result<String> {
    let issuer = &credential["issuer"];
    issuer
        .as_str()
        .or_else(|| issuer["id"].as_str())
        .map(str::to_owned)
        .context("the credential has no issuer DID")
}

/// Runs a `zl vc` command.
pub(crate) fn run_vc(command: VcCommand, client: &Client) -> anyhow::Result<ExitCode> {
    match command {
        VcCommand::Issue {
            credential,
            issuer_key,
            method,
            out,
            register,
            key,
            no_status,
        } => {
            let mut unsigned = read_json(&credential)?;
            if unsigned.get("credentialStatus").is_none() && !no_status {
                let id = unsigned
                    .get("id")
                    .and_then(Value::as_str)
                    .context("the credential has no id")?;
                unsigned["credentialStatus"] = json!({"id": status_url(client.base(), &issuer_of(&unsigned)?, id), "type": STATUS_TYPE});
            }
            let signed = zl_credentials::issue::issue_credential(
                &unsigned,
                &method,
                &sm2_key(&issuer_key)?,
                crate::time::now_ms(),
            )
            .context("the credential cannot be issued")?;
            write_out(&signed, out.as_deref())?;
            if register {
                let vc = Credential::parse(&signed)?;
                let call = Call {
                    contract: "credential".into(),
                    method: "register".into(),
                    args: json!({"id": vc.id, "issuer": vc.issuer, "types": vc.specific_types().collect::<Vec<_>>()}),
                };
                let key = key.expect("clap requires --key with --register");
                return crate::governance::submit_and_report(
                    client,
                    &key,
                    call,
                    "registered the credential's status",
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        VcCommand::Verify { credential, docs } => {
            let vc = read_json(&credential)?;
            if docs.is_empty() {
                return verify_online(client, "/v1/credentials/verify", &vc);
            }
            let env = offline::Documents::load(&docs)?;
            let outcome =
                zl_credentials::verify::verify_credential(&env, &vc, crate::time::now_ms());
            Ok(offline::report(outcome.map(|v| vec![v])))
        }
        VcCommand::Revoke {
            issuer,
            id,
            reason,
            key,
        } => {
            let call = Call {
                contract: "credential".into(),
                method: "revoke".into(),
                args: json!({"issuer": issuer, "id": id, "reason": reason}),
            };
            crate::governance::submit_and_report(client, &key, call, "revoked the credential")
        }
    }
}

/// Runs a `zl vp` command.
pub(crate) fn run_vp(command: VpCommand, client: &Client) -> anyhow::Result<ExitCode> {
    match command {
        VpCommand::Create {
            holder,
            method,
            key,
            credentials,
            nonce,
            out,
        } => {
            let credentials = credentials
                .iter()
                .map(|p| read_json(p).map(|v| normalise(&v)))
                .collect::<Result<Vec<_>, _>>()?;
            let nonce = nonce.unwrap_or_else(|| {
                let mut bytes = [0u8; NONCE_BYTES];
                OsRng.fill_bytes(&mut bytes);
                URL_SAFE_NO_PAD.encode(bytes)
            });
            let vp = zl_credentials::issue::create_presentation(
                &holder,
                &credentials,
                &method,
                &sm2_key(&key)?,
                &nonce,
                crate::time::now_ms(),
            )
            .context("the presentation cannot be created")?;
            write_out(&vp, out.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        VpCommand::Verify {
            presentation,
            docs,
            nonce_store,
        } => {
            let vp = read_json(&presentation)?;
            if docs.is_empty() {
                return verify_online(client, "/v1/presentations/verify", &vp);
            }
            let env = offline::Documents::load(&docs)?;
            let mut nonces = offline::NonceFile::open(nonce_store.as_deref())?;
            let outcome = zl_credentials::verify::verify_presentation(
                &env,
                &mut nonces,
                &vp,
                crate::time::now_ms(),
            );
            nonces.save()?;
            Ok(offline::report(outcome))
        }
    }
}

/// Asks the node to verify; prints its verdict. A refusal is a negative answer (exit 1).
fn verify_online(client: &Client, path: &str, document: &Value) -> anyhow::Result<ExitCode> {
    let raw = client.send("POST", path, Some(&serde_json::to_vec(document)?))?;
    let answer: Value = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    if raw.status == 200 {
        println!("valid (verified by the node at {})", client.base());
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    if raw.status == 422 || raw.status == 409 {
        println!(
            "INVALID: {}",
            answer["error"]["message"]
                .as_str()
                .unwrap_or("the node gives no reason")
        );
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    }
    Err(raw.error().into())
}
