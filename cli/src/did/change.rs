//! The commands that change a DID on chain: `create`, `update`, `rotate` and `deactivate`. Each
//! checks what it can before signing (the document, the current version, the controller's key),
//! submits one `did` call, waits for its block and shows the DID as the chain then resolves it.

use super::chain::{self, Chain, Outcome};
use super::proof::{prove, ControllerSigner};
use super::{document, resolve};
use crate::client::Client;
use anyhow::{bail, Context as _};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zl_types::did::{Did, DidOperation, OperationKind};

/// Bytes of a deactivation reason, at most (the `did` contract's limit).
pub(super) const DEACTIVATE_REASON_BYTES_MAX: usize = 1024;

/// What `zl did rotate` replaces.
pub(super) struct Rotation {
    /// The old key's file, which signs.
    pub(super) old_key: PathBuf,
    /// The method whose key is replaced; found from the old key if not given.
    pub(super) method: Option<String>,
    /// The new key's file (only its public key is read).
    pub(super) new_key: PathBuf,
    /// A new fragment for the method.
    pub(super) new_fragment: Option<String>,
}

/// `zl did create`.
pub(super) fn create(
    client: &Client,
    document_path: &Path,
    key_path: &Path,
    allocation: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let chain = Chain::fetch(client)?;
    let key = chain::load_submitter(key_path, &chain)?;
    let document = document::read(document_path, chain.regulatory_chain())?;
    let did = Did::parse(&document.id, chain.regulatory_chain())?;
    if did.chain != chain.binding.chain_id {
        bail!(
            "{} belongs to chain {:?}, but the node at {} serves chain {:?}; create it through a node of that chain (--node URL)",
            document.id,
            did.chain,
            client.base(),
            chain.binding.chain_id
        );
    }
    let existing = resolve::fetch(client, &document.id, None)?;
    if let Some(metadata) = existing.did_document_metadata {
        bail!(
            "{} exists already (version {}); DIDs are never reused, even after deactivation: change its document with `zl did update`",
            document.id,
            metadata.version_id
        );
    }
    let mut args = json!({"document": document.to_json()});
    if let Some(hex) = allocation {
        let signature: zl_types::Signature = serde_json::from_value(json!(hex.trim()))
            .context("--allocation is the 128 hex characters `zl did allocate` printed")?;
        args["allocation"] = serde_json::to_value(signature)?;
    }
    let outcome = chain::submit(client, &chain, &key, "create", args)?;
    finish(client, &document.id, outcome, "creation")
}

/// `zl did allocate`: the allocator's signature over an investor code on the node's chain.
pub(super) fn allocate(client: &Client, code: &str, key_path: &Path) -> anyhow::Result<ExitCode> {
    let chain = Chain::fetch(client)?;
    let valid = code.len() == 10
        && code.as_bytes()[0].is_ascii_uppercase()
        && code.bytes().skip(1).all(|b| b.is_ascii_digit());
    if !valid {
        bail!(
            "{code:?} is not an investor code: one capital letter and nine digits, e.g. Q123456789"
        );
    }
    let key = crate::keys::load(key_path)?;
    let bytes = zl_types::did::investor_allocation_bytes(
        &chain.binding.chain_id,
        &chain.binding.genesis_hash,
        code,
    );
    println!("{}", key.sign(&bytes).to_hex());
    Ok(ExitCode::SUCCESS)
}

/// `zl did update`.
pub(super) fn update(
    client: &Client,
    did: &str,
    document_path: &Path,
    signer: &ControllerSigner,
    key_path: &Path,
) -> anyhow::Result<ExitCode> {
    let chain = Chain::fetch(client)?;
    let key = chain::load_submitter(key_path, &chain)?;
    let document = document::read(document_path, chain.regulatory_chain())?;
    if document.id != did {
        bail!(
            "{} is a document of {}, not of {did}; a DID keeps its id: give a document whose id is {did}",
            document_path.display(),
            document.id
        );
    }
    let current = active(client, &chain, did)?;
    if document == current.document {
        bail!(
            "{} is the document {did} has now (version {}); change something in it first",
            document_path.display(),
            current.version
        );
    }
    let operation = DidOperation::update(did, current.version, &document, chain.hash_algorithm());
    let proof = prove(
        client,
        &chain,
        &current.document,
        &operation,
        &signer.key_path,
        signer.method.as_deref(),
    )?;
    let args = json!({"did": did, "previous_version": current.version,
        "document": document.to_json(), "proof": proof});
    let outcome = chain::submit(client, &chain, &key, "update", args)?;
    finish(client, did, outcome, "update")
}

/// `zl did rotate`: an update that replaces one method's key, signed with the old key.
pub(super) fn rotate(
    client: &Client,
    did: &str,
    rotation: &Rotation,
    key_path: &Path,
) -> anyhow::Result<ExitCode> {
    let chain = Chain::fetch(client)?;
    let key = chain::load_submitter(key_path, &chain)?;
    let current = active(client, &chain, did)?;
    let old_key = crate::keys::public_key(&rotation.old_key)?;
    let new_key = crate::keys::public_key(&rotation.new_key)?;
    let method = match &rotation.method {
        Some(method) => method.clone(),
        None => current
            .document
            .methods()
            .find(|m| m.key == old_key)
            .map(|m| m.id.clone())
            .with_context(|| {
                format!(
                    "no method of {did} holds the key of {} ({old_key}); give the key file of the key being replaced as --controller-key, or name the method with --method",
                    rotation.old_key.display()
                )
            })?,
    };
    let document = document::rotate(
        &current.document,
        &method,
        &new_key,
        rotation.new_fragment.as_deref(),
        chain.regulatory_chain(),
    )?;
    let operation = DidOperation::update(did, current.version, &document, chain.hash_algorithm());
    let proof = prove(
        client,
        &chain,
        &current.document,
        &operation,
        &rotation.old_key,
        None,
    )?;
    let args = json!({"did": did, "previous_version": current.version,
        "document": document.to_json(), "proof": proof});
    let outcome = chain::submit(client, &chain, &key, "update", args)?;
    let committed = matches!(outcome, Outcome::Committed);
    let code = finish(client, did, outcome, "rotation")?;
    if committed {
        eprintln!(
            "the old key no longer signs for {did}; sign later changes with {}",
            rotation.new_key.display()
        );
    }
    Ok(code)
}

/// `zl did deactivate`: by the DID authority (no controller key) or with a controller's proof.
pub(super) fn deactivate(
    client: &Client,
    did: &str,
    reason: &str,
    signer: Option<&ControllerSigner>,
    key_path: &Path,
) -> anyhow::Result<ExitCode> {
    if reason.trim().is_empty() || reason.len() > DEACTIVATE_REASON_BYTES_MAX {
        bail!("give --reason a reason of 1 to {DEACTIVATE_REASON_BYTES_MAX} bytes; it is kept on chain");
    }
    let chain = Chain::fetch(client)?;
    let key = chain::load_submitter(key_path, &chain)?;
    let current = active(client, &chain, did)?;
    let mut args = json!({"did": did, "previous_version": current.version, "reason": reason});
    if let Some(signer) = signer {
        let operation = DidOperation {
            operation: OperationKind::Deactivate,
            did: did.to_string(),
            previous_version: current.version,
            document_digest: None,
        };
        let proof = prove(
            client,
            &chain,
            &current.document,
            &operation,
            &signer.key_path,
            signer.method.as_deref(),
        )?;
        args["proof"] = serde_json::to_value(proof)?;
    }
    let outcome = chain::submit(client, &chain, &key, "deactivate", args)?;
    if signer.is_none() && matches!(outcome, Outcome::Failed(_)) {
        eprintln!("note: without --controller-key only the DID authority deactivates; a controller attaches its proof with --controller-key KEY");
    }
    finish(client, did, outcome, "deactivation")
}

/// The current state of `did`, which must be active to change.
fn active(client: &Client, chain: &Chain, did: &str) -> anyhow::Result<resolve::Current> {
    let current = resolve::current(client, did, chain.regulatory_chain())?;
    if current.deactivated {
        bail!(
            "{did} is deactivated (version {}); deactivation is final, so it can no longer be updated, rotated or deactivated: create a new DID if the subject needs one",
            current.version
        );
    }
    Ok(current)
}

/// After a change: shows the DID if it committed; otherwise says why not (exit 1).
fn finish(client: &Client, did: &str, outcome: Outcome, what: &str) -> anyhow::Result<ExitCode> {
    match outcome {
        Outcome::Committed => {
            let result = resolve::fetch(client, did, None)?;
            print!("{}", resolve::render(&result));
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Failed(reason) => {
            eprintln!("error: the chain refused the {what} of {did}: {reason}");
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
        Outcome::Expired(id) => {
            eprintln!(
                "error: transaction {id} was not committed before it expired; check the node (`zl status`), then resolve {did} and try again"
            );
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
    }
}
