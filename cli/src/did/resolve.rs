//! `zl did resolve`: asks the node's resolver (`GET /1.0/identifiers/<did>`) and prints the
//! JR/T 0325 resolution result, whole or summarised; the other commands read the current
//! version through it.

use super::document::{offline_regulatory_chain, parse_did};
use crate::client::Client;
use anyhow::{bail, Context as _};
use std::process::ExitCode;
use zl_types::did::document::method_type;
use zl_types::did::{DidDocument, Relationship, ResolutionError, ResolutionResult};

/// A DID's current state as the chain holds it.
pub(super) struct Current {
    /// The current document, checked.
    pub(super) document: DidDocument,
    /// Its version.
    pub(super) version: u64,
    /// Whether the DID is deactivated.
    pub(super) deactivated: bool,
}

/// `GET /1.0/identifiers/<did>[?versionId=N]`: the resolution result, found or not.
pub(super) fn fetch(
    client: &Client,
    did: &str,
    version: Option<u64>,
) -> anyhow::Result<ResolutionResult> {
    // The syntax check also keeps characters that would change the URL's meaning out of it.
    parse_did(did)?;
    let path = match version {
        Some(n) => format!("/1.0/identifiers/{did}?versionId={n}"),
        None => format!("/1.0/identifiers/{did}"),
    };
    let raw = client.send("GET", &path, None)?;
    serde_json::from_slice(&raw.body).map_err(|_| {
        anyhow::Error::new(raw.error()).context(format!(
            "the node at {} did not answer with a DID resolution result; is it a ZhengLian node with the DID resolver (JR/T 0325)? Pass --node URL of one",
            client.base()
        ))
    })
}

/// The found document's version, or what the resolver said instead as an error.
fn found(did: &str, result: &ResolutionResult) -> anyhow::Result<u64> {
    let metadata = &result.did_resolution_metadata;
    match (metadata.error, &result.did_document_metadata) {
        (None, Some(document_metadata)) => document_metadata
            .version_id
            .parse()
            .with_context(|| format!("the node gave {did} the version {:?}, which is not a number; is zl older than the node?", document_metadata.version_id)),
        (Some(ResolutionError::NotFound), _) => bail!(
            "{did} is not found: {}; check the DID and --node, or create it with `zl did create`",
            message(result)
        ),
        (Some(error), _) => bail!("the resolver refused {did}: {} ({error:?})", message(result)),
        (None, None) => bail!("the node's resolution result for {did} has no metadata; is zl older than the node?"),
    }
}

fn message(result: &ResolutionResult) -> &str {
    result
        .did_resolution_metadata
        .error_message
        .as_deref()
        .unwrap_or("the resolver gives no reason")
}

/// The current document, version and state of `did`; an error if it is not found.
pub(super) fn current(
    client: &Client,
    did: &str,
    regulatory_chain: Option<&str>,
) -> anyhow::Result<Current> {
    let result = fetch(client, did, None)?;
    let version = found(did, &result)?;
    let document = result.did_document.as_ref().with_context(|| {
        format!("the node resolved {did} without a document; is zl older than the node?")
    })?;
    let document = DidDocument::from_json(document, regulatory_chain)
        .with_context(|| format!("the current document of {did} (version {version}) does not read; is zl older than the node?"))?;
    Ok(Current {
        document,
        version,
        deactivated: result
            .did_document_metadata
            .as_ref()
            .is_some_and(|m| m.deactivated),
    })
}

/// `zl did resolve`: exit 0 found (deactivated too), 1 not found; other resolver errors are
/// errors (exit 2).
pub(super) fn run(
    client: &Client,
    did: &str,
    version: Option<u64>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let result = fetch(client, did, version)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    }
    if result.did_resolution_metadata.error == Some(ResolutionError::NotFound) {
        eprintln!("not found: {}", message(&result));
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    }
    found(did, &result)?;
    if !json {
        print!("{}", render(&result));
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary of a found resolution result, for people.
pub(super) fn render(result: &ResolutionResult) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: &str| out.push_str(&format!("{label:<13}{value}\n"));
    let document = result.did_document.clone().unwrap_or_default();
    let id = document["id"].as_str().unwrap_or("-");
    line("did:", id);
    if let Some(metadata) = &result.did_document_metadata {
        line("version:", &metadata.version_id);
        line("created:", &metadata.created);
        line("updated:", &metadata.updated);
        let deactivated = if metadata.deactivated {
            "true (final: the DID can no longer be used)"
        } else {
            "false"
        };
        line("deactivated:", deactivated);
    }
    match DidDocument::from_json(&document, offline_regulatory_chain(id)) {
        Ok(document) => {
            for controller in &document.controller {
                line("controller:", controller);
            }
            for method in document.methods() {
                let mut uses = Vec::new();
                if document.authentication_method(&method.id).is_some() {
                    uses.push("authentication");
                }
                if asserts(&document, &method.id) {
                    uses.push("assertionMethod");
                }
                let uses = if uses.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", uses.join(", "))
                };
                let key = format!(
                    "{} {} {}{uses}",
                    method.id,
                    method_type(&method.key),
                    method.key
                );
                line("key:", &key);
            }
            for service in &document.service {
                let text = format!(
                    "{} {} {}",
                    service.id,
                    service.types.join("+"),
                    service.endpoint
                );
                line("service:", &text);
            }
        }
        Err(e) => line(
            "document:",
            &format!("not readable by this zl ({e}); see --json"),
        ),
    }
    out
}

fn asserts(document: &DidDocument, id: &str) -> bool {
    document.assertion_method.iter().any(|r| match r {
        Relationship::Reference(reference) => reference == id,
        Relationship::Embedded(m) => m.id == id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use zl_types::did::{to_jwk, DocumentMetadata};
    use zl_types::{CryptoSuite, SecretKey};

    #[test]
    fn summarises_a_found_did() {
        let did = "did:rem:shanghai:91310000564759688N";
        let key = SecretKey::from_seed(CryptoSuite::Sm, &[3; 32])
            .unwrap()
            .public_key();
        let document = json!({
            "@context": ["https://www.w3.org/ns/did/v1"], "id": did, "controller": did,
            "verificationMethod": [{"id": format!("{did}#keys-1"), "type": "SM2VerificationKey2022",
                "controller": did, "publicKeyJwk": to_jwk(&key)}],
            "authentication": [format!("{did}#keys-1")],
        });
        let metadata = DocumentMetadata {
            created: "2024-05-01T08:30:00Z".into(),
            updated: "2024-05-02T08:30:00Z".into(),
            deactivated: true,
            version_id: "3".into(),
        };
        let text = render(&ResolutionResult::found(document, metadata));
        for expected in [
            format!("did:         {did}\n"),
            "version:     3\n".into(),
            "created:     2024-05-01T08:30:00Z\n".into(),
            "updated:     2024-05-02T08:30:00Z\n".into(),
            "deactivated: true".into(),
            format!("controller:  {did}\n"),
            format!("key:         {did}#keys-1 SM2VerificationKey2022 {key} (authentication)\n"),
        ] {
            assert!(text.contains(&expected), "{expected:?} in\n{text}");
        }
    }

    #[test]
    fn not_found_says_what_to_do() {
        let result = ResolutionResult::failed(ResolutionError::NotFound, "no document");
        let error = found("did:rem:shanghai:Q123456789", &result).unwrap_err();
        assert!(error.to_string().contains("zl did create"), "{error}");
    }
}
