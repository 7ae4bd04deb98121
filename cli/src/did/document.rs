//! DID documents on the client: made for a key file (`zl did doc`), read from files and checked,
//! and changed for a key rotation. Every document leaves zl in the form `DidDocument::to_json`
//! writes, after `DidDocument::from_json` accepted it.

use anyhow::{bail, Context as _};
use serde_json::Value;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use zl_types::did::document::DOCUMENT_BYTES_MAX;
use zl_types::did::{Did, DidDocument, Relationship, Service, VerificationMethod};
use zl_types::PublicKey;

/// Size of a document file, at most: a document is at most 16 KiB compact, and pretty-printing
/// adds whitespace.
const DOCUMENT_FILE_BYTES_MAX: u64 = 4 * DOCUMENT_BYTES_MAX as u64;

/// What `zl did doc` makes a document from.
pub(super) struct DocSpec {
    /// The DID.
    pub(super) did: String,
    /// The key file whose public key the method holds.
    pub(super) key_file: PathBuf,
    /// The method's fragment.
    pub(super) fragment: String,
    /// The controllers; empty means the DID itself.
    pub(super) controllers: Vec<String>,
    /// Services as `id=URI,type=T,endpoint=URI`.
    pub(super) services: Vec<String>,
}

/// The regulatory chain's id to check `did` with when the chain is not asked. Offline, zl does
/// not know the regulatory chain's id; taking the DID's own chain as it lets every other check
/// of the syntax run and leaves the chain id to the node, which knows its genesis.
pub(super) fn offline_regulatory_chain(did: &str) -> Option<&str> {
    did.strip_prefix(zl_types::did::DID_PREFIX)
        .and_then(|rest| rest.split(':').next())
}

/// Checks the syntax of a DID given on the command line.
pub(super) fn parse_did(text: &str) -> anyhow::Result<Did> {
    Ok(Did::parse(text, offline_regulatory_chain(text))?)
}

/// `zl did doc`: writes the document to `out` (never overwriting) and says what it holds.
pub(super) fn write(spec: &DocSpec, out: &Path) -> anyhow::Result<()> {
    let document = make(spec)?;
    let mut text = serde_json::to_string_pretty(&document.to_json())?;
    text.push('\n');
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} already exists; zl does not overwrite it: choose another --out or remove the file",
                out.display()
            ),
            _ => anyhow::Error::new(e).context(format!("cannot create {}", out.display())),
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    let method = &document.verification_method[0];
    println!(
        "wrote {}: the DID document of {} with the key {} as {}",
        out.display(),
        document.id,
        method.key,
        method.id
    );
    Ok(())
}

/// The document `spec` describes, checked as the chain will check it.
fn make(spec: &DocSpec) -> anyhow::Result<DidDocument> {
    parse_did(&spec.did).context("--did is not a valid DID")?;
    let key = crate::keys::public_key(&spec.key_file)?;
    for controller in &spec.controllers {
        parse_did(controller).context("--controller is not a valid DID")?;
    }
    let controller = if spec.controllers.is_empty() {
        vec![spec.did.clone()]
    } else {
        spec.controllers.clone()
    };
    let method_id = format!("{}#{}", spec.did, spec.fragment);
    let document = DidDocument {
        id: spec.did.clone(),
        also_known_as: Vec::new(),
        controller,
        verification_method: vec![VerificationMethod {
            id: method_id.clone(),
            controller: spec.did.clone(),
            key,
        }],
        authentication: vec![Relationship::Reference(method_id.clone())],
        assertion_method: vec![Relationship::Reference(method_id)],
        service: spec
            .services
            .iter()
            .map(|s| parse_service(s))
            .collect::<anyhow::Result<_>>()?,
    };
    check(&document, offline_regulatory_chain(&spec.did))
        .context("the options do not make a valid DID document; correct them")
}

/// Reads a document back from its canonical form, as the chain does.
pub(super) fn check(
    document: &DidDocument,
    regulatory_chain: Option<&str>,
) -> anyhow::Result<DidDocument> {
    Ok(DidDocument::from_json(
        &document.to_json(),
        regulatory_chain,
    )?)
}

/// `id=URI,type=T,endpoint=URI` (type may repeat).
fn parse_service(text: &str) -> anyhow::Result<Service> {
    let usage = "write --service id=URI,type=NAME,endpoint=URI, e.g. id=did:rem:shanghai:SH000001F.S2101#hub,type=LinkedDomains,endpoint=https://example.com";
    let (mut id, mut types, mut endpoint) = (None, Vec::new(), None);
    for part in text.split(',') {
        match part.split_once('=') {
            Some(("id", value)) if id.is_none() => id = Some(value.to_string()),
            Some(("type", value)) => types.push(value.to_string()),
            Some(("endpoint", value)) if endpoint.is_none() => endpoint = Some(value.to_string()),
            _ => bail!("--service {text:?}: {part:?} is not id=, type= or endpoint= (or repeats id/endpoint); {usage}"),
        }
    }
    match (id, endpoint) {
        (Some(id), Some(endpoint)) if !types.is_empty() => Ok(Service {
            id,
            types,
            endpoint,
        }),
        _ => bail!("--service {text:?} lacks id, type or endpoint; {usage}"),
    }
}

/// Reads and checks a document file.
pub(super) fn read(path: &Path, regulatory_chain: Option<&str>) -> anyhow::Result<DidDocument> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read the document file {}", path.display()))?
        .len();
    if size > DOCUMENT_FILE_BYTES_MAX {
        bail!(
            "{} is {size} bytes, too large for a DID document (at most {DOCUMENT_BYTES_MAX} bytes compact)",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the document file {}", path.display()))?;
    let value: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON; give a DID document (`zl did doc` writes one)",
            path.display()
        )
    })?;
    DidDocument::from_json(&value, regulatory_chain).with_context(|| {
        format!(
            "{} is not a valid DID document; correct it (docs/DID.md §5) or write one with `zl did doc`",
            path.display()
        )
    })
}

/// `document` with the key of method `method_id` replaced by `new_key`, and the method renamed
/// to `<DID>#<new_fragment>` (references too) if a new fragment is given.
pub(super) fn rotate(
    document: &DidDocument,
    method_id: &str,
    new_key: &PublicKey,
    new_fragment: Option<&str>,
    regulatory_chain: Option<&str>,
) -> anyhow::Result<DidDocument> {
    let Some(old) = document.method(method_id) else {
        bail!(
            "{} has no verification method {method_id}; its methods are {}; pass one of them as --method",
            document.id,
            method_ids(document)
        );
    };
    if &old.key == new_key {
        bail!(
            "{method_id} holds that key already; create a new key with `zl keys new` and give it as --new-key"
        );
    }
    let new_id = match new_fragment {
        Some(fragment) => {
            let (owner, _) = method_id.split_once('#').unwrap_or((&document.id, ""));
            format!("{owner}#{fragment}")
        }
        None => method_id.to_string(),
    };
    let replace = |method: &VerificationMethod| {
        if method.id == method_id {
            VerificationMethod {
                id: new_id.clone(),
                controller: method.controller.clone(),
                key: new_key.clone(),
            }
        } else {
            method.clone()
        }
    };
    let relationship = |r: &Relationship| match r {
        Relationship::Reference(id) if id == method_id => Relationship::Reference(new_id.clone()),
        Relationship::Reference(id) => Relationship::Reference(id.clone()),
        Relationship::Embedded(m) => Relationship::Embedded(Box::new(replace(m))),
    };
    let rotated = DidDocument {
        verification_method: document.verification_method.iter().map(replace).collect(),
        authentication: document.authentication.iter().map(relationship).collect(),
        assertion_method: document.assertion_method.iter().map(relationship).collect(),
        ..document.clone()
    };
    check(&rotated, regulatory_chain)
        .context("the rotated document is not valid (is --new-fragment taken or malformed?)")
}

/// The ids of a document's methods, for messages.
pub(super) fn method_ids(document: &DidDocument) -> String {
    let ids: Vec<&str> = document.methods().map(|m| m.id.as_str()).collect();
    format!("[{}]", ids.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::{CryptoSuite, SecretKey};

    const DID: &str = "did:rem:shanghai:SH000001F.S2101";

    fn key(seed: u8) -> PublicKey {
        SecretKey::from_seed(CryptoSuite::Sm, &[seed; 32])
            .unwrap()
            .public_key()
    }

    fn spec(dir: &Path, services: &[&str]) -> DocSpec {
        let key_file = dir.join("k.key");
        if !key_file.exists() {
            crate::keys::new(&key_file, "sm", false).unwrap();
        }
        DocSpec {
            did: DID.into(),
            key_file,
            fragment: "keys-1".into(),
            controllers: Vec::new(),
            services: services.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn doc_makes_a_self_controlled_document_with_one_key_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let service =
            format!("id={DID}#hub,type=LinkedDomains,type=Hub,endpoint=https://a.example");
        let spec = spec(dir.path(), &[&service]);
        let out = dir.path().join("doc.json");
        write(&spec, &out).unwrap();
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let document = DidDocument::from_json(&value, None).unwrap();
        assert_eq!(value, document.to_json(), "written in canonical form");
        assert_eq!(document.controller, [DID]);
        let method = document.authentication_method(&format!("{DID}#keys-1"));
        let public = crate::keys::public_key(&spec.key_file).unwrap();
        assert_eq!(method.map(|m| &m.key), Some(&public));
        assert_eq!(
            value["assertionMethod"],
            serde_json::json!([format!("{DID}#keys-1")])
        );
        assert_eq!(
            value["service"][0]["type"],
            serde_json::json!(["LinkedDomains", "Hub"])
        );
        let again = write(&spec, &out).unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
    }

    #[test]
    fn doc_refuses_bad_options_with_what_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let bad = |spec: DocSpec| format!("{:#}", make(&spec).unwrap_err());
        let mut wrong_did = spec(dir.path(), &[]);
        wrong_did.did = "did:rem:shanghai:nope".into();
        assert!(bad(wrong_did).contains("not a valid DID"));
        let no_endpoint = bad(spec(dir.path(), &["id=https://a.example,type=T"]));
        assert!(no_endpoint.contains("endpoint=URI"), "{no_endpoint}");
        let unknown = bad(spec(dir.path(), &["id=x:y,kind=T,endpoint=x:z"]));
        assert!(unknown.contains("\"kind=T\""), "{unknown}");
        let mut fragment = spec(dir.path(), &[]);
        fragment.fragment = "-x".into();
        assert!(bad(fragment).contains("fragment"));
    }

    #[test]
    fn rotation_replaces_the_key_and_renames_references() {
        let id = format!("{DID}#keys-1");
        let document = DidDocument {
            id: DID.into(),
            also_known_as: Vec::new(),
            controller: vec![DID.into()],
            verification_method: vec![VerificationMethod {
                id: id.clone(),
                controller: DID.into(),
                key: key(1),
            }],
            authentication: vec![Relationship::Reference(id.clone())],
            assertion_method: vec![Relationship::Reference(id.clone())],
            service: Vec::new(),
        };
        let same = rotate(&document, &id, &key(2), None, None).unwrap();
        assert_eq!(same.authentication_method(&id).unwrap().key, key(2));
        let renamed = rotate(&document, &id, &key(2), Some("keys-2"), None).unwrap();
        let new_id = format!("{DID}#keys-2");
        assert_eq!(renamed.authentication_method(&new_id).unwrap().key, key(2));
        assert_eq!(renamed.assertion_method, [Relationship::Reference(new_id)]);
        assert!(renamed.method(&id).is_none());
        let unchanged = rotate(&document, &id, &key(1), None, None).unwrap_err();
        assert!(unchanged.to_string().contains("zl keys new"), "{unchanged}");
        let missing = rotate(&document, &format!("{DID}#keys-9"), &key(2), None, None);
        assert!(missing.unwrap_err().to_string().contains("--method"));
    }
}
