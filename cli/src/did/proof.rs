//! Controller proofs (PROTOCOL §18): the signature over a DID operation by a method in the
//! `authentication` of a controller's current document. zl checks against the chain's current
//! documents what the contract will check, so a key that cannot sign is refused here with what
//! to do, before a transaction is spent on it.

use super::chain::Chain;
use super::resolve;
use crate::client::Client;
use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use zl_types::did::{ControllerProof, DidDocument, DidOperation};

/// The controller key that signs a change, and optionally the method it signs as.
pub(super) struct ControllerSigner {
    /// The controller's key file.
    pub(super) key_path: PathBuf,
    /// `<controller DID>#<fragment>`; found from the key if not given.
    pub(super) method: Option<String>,
}

/// The current document of `controller` (the subject's own if it controls itself); `None` if the
/// controller is deactivated, whose keys sign nothing.
fn controller_document(
    client: &Client,
    chain: &Chain,
    subject: &DidDocument,
    controller: &str,
) -> anyhow::Result<Option<DidDocument>> {
    if controller == subject.id {
        return Ok(Some(subject.clone()));
    }
    let current =
        resolve::current(client, controller, chain.regulatory_chain()).with_context(|| {
            format!(
                "cannot read the document of {controller}, a controller of {}",
                subject.id
            )
        })?;
    Ok((!current.deactivated).then_some(current.document))
}

/// Signs `operation` on `subject` (its current document) with the key in `key_path`, as
/// `method` or as the controller's authentication method that holds the key.
pub(super) fn prove(
    client: &Client,
    chain: &Chain,
    subject: &DidDocument,
    operation: &DidOperation,
    key_path: &Path,
    method: Option<&str>,
) -> anyhow::Result<ControllerProof> {
    let key = crate::keys::load(key_path)?;
    let public = key.public_key();
    let did = &subject.id;
    let controllers = format!("[{}]", subject.controller.join(", "));
    let method_id = match method {
        Some(id) => {
            let (controller, _) = id.split_once('#').with_context(|| {
                format!("--method {id:?} is not <DID>#<fragment>, e.g. {did}#keys-1")
            })?;
            if !subject.controller.iter().any(|c| c == controller) {
                bail!(
                    "{controller} is not a controller of {did}, so its keys cannot change it; the controllers are {controllers}: sign with a key of one of them (--controller-key, --method)"
                );
            }
            let Some(document) = controller_document(client, chain, subject, controller)? else {
                bail!("the controller {controller} is deactivated, so its keys sign nothing; sign with another controller's key");
            };
            let Some(found) = document.authentication_method(id) else {
                bail!(
                    "{id} is not an authentication method in the current document of {controller}, whose methods are {}; give --method one listed in its authentication",
                    super::document::method_ids(&document)
                );
            };
            if found.key != public {
                bail!(
                    "{id} holds the key {}, not the key of {} ({public}); sign with the key file of that method's current key (after a rotation, the new key)",
                    found.key,
                    key_path.display()
                );
            }
            id.to_string()
        }
        None => {
            let mut found = None;
            for controller in &subject.controller {
                if let Some(document) = controller_document(client, chain, subject, controller)? {
                    found = document
                        .methods()
                        .find(|m| {
                            m.key == public && document.authentication_method(&m.id).is_some()
                        })
                        .map(|m| m.id.clone());
                }
                if found.is_some() {
                    break;
                }
            }
            found.with_context(|| {
                format!(
                    "no authentication method of {did}'s controllers {controllers} holds the key of {} ({public}), so it cannot sign for {did}; sign with a controller's current key (after a rotation, the new key)",
                    key_path.display()
                )
            })?
        }
    };
    let bytes = operation.signing_bytes(&chain.binding.chain_id, &chain.binding.genesis_hash);
    Ok(ControllerProof {
        verification_method: method_id,
        signature: key.sign(&bytes),
    })
}
