//! The JSON-LD contexts the node knows, bundled in the binary: W3C credentials v1, W3C DID v1
//! and the rem context this project defines (docs/DID.md §8). Nothing is ever fetched; a
//! document naming any other context is refused.

use crate::CredentialError;
use iref::IriBuf;
use json_ld::syntax::Parse;
use json_ld::RemoteDocument;
use std::collections::HashMap;
use std::sync::OnceLock;

/// W3C Verifiable Credentials Data Model v1.1 context.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// W3C DID Core v1 context.
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// The rem context (JR/T 0325 appendix E.1 names this URL).
pub const REM_V1: &str = zl_types::did::REM_CONTEXT;
/// The same rem context under the URL appendix E.2 uses; read as an alias (docs/DID.md §8).
pub const REM_V1_ALIAS: &str = "https://www.w3.org/2018/credentials/rems/v1";

/// The bundled contexts: URL and text.
pub const BUNDLED: [(&str, &str); 4] = [
    (
        CREDENTIALS_V1,
        include_str!("../contexts/credentials-v1.jsonld"),
    ),
    (DID_V1, include_str!("../contexts/did-v1.jsonld")),
    (REM_V1, include_str!("../contexts/rem-v1.jsonld")),
    (REM_V1_ALIAS, include_str!("../contexts/rem-v1.jsonld")),
];

/// The URLs a document may name in `@context`.
pub fn known_urls() -> String {
    BUNDLED.map(|(url, _)| url).join(", ")
}

/// Whether `url` is a bundled context.
pub fn is_bundled(url: &str) -> bool {
    BUNDLED.iter().any(|(known, _)| *known == url)
}

/// The loader json-ld uses: the bundled contexts only, parsed once.
pub(crate) fn loader() -> &'static HashMap<IriBuf, RemoteDocument> {
    static LOADER: OnceLock<HashMap<IriBuf, RemoteDocument>> = OnceLock::new();
    LOADER.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|(url, text)| {
                let iri = IriBuf::new((*url).to_owned()).expect("bundled context URLs are IRIs");
                let (value, _) = json_ld::syntax::Value::parse_str(text)
                    .expect("bundled contexts are JSON (tested)");
                let document = RemoteDocument::new(
                    Some(iri.clone()),
                    Some("application/ld+json".parse().expect("a media type")),
                    value,
                );
                (iri, document)
            })
            .collect()
    })
}

/// Checks that every `@context` in `document` (at the top and in embedded credentials) names
/// bundled URLs only: inline context objects are refused, so a document cannot redefine a term
/// the verifier relies on.
pub fn check_contexts(document: &serde_json::Value) -> Result<(), CredentialError> {
    if document.get("@context").is_none() {
        return Err(CredentialError::malformed("document", "it has no @context"));
    }
    walk(document)
}

fn check_context_value(value: &serde_json::Value) -> Result<(), CredentialError> {
    let urls: Vec<&serde_json::Value> = match value {
        serde_json::Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    for url in urls {
        match url.as_str() {
            Some(url) if is_bundled(url) => {}
            Some(url) => return Err(CredentialError::UnknownContext(url.into(), known_urls())),
            None => {
                return Err(CredentialError::UnknownContext(
                    "an inline context object".into(),
                    known_urls(),
                ))
            }
        }
    }
    Ok(())
}

fn walk(value: &serde_json::Value) -> Result<(), CredentialError> {
    match value {
        serde_json::Value::Object(members) => members.iter().try_for_each(|(key, member)| {
            if key == "@context" {
                check_context_value(member)
            } else {
                walk(member)
            }
        }),
        serde_json::Value::Array(items) => items.iter().try_for_each(walk),
        _ => Ok(()),
    }
}
