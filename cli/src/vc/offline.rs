//! Offline verification for `zl vc verify --doc` and `zl vp verify --doc`: DID documents from
//! files, no status and no issuer registry (the report says so), and a nonce file.

use anyhow::{bail, Context as _};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zl_credentials::verify::{Acceptance, Environment, NonceMemory, StatusAnswer, Verified};
use zl_credentials::CredentialError;
use zl_types::did::DidDocument;

/// Nonces a nonce file holds at most (a verifier prunes it by hand or starts a new one).
const NONCE_FILE_ENTRIES_MAX: usize = 100_000;

/// DID documents given as files: bare documents or resolution results.
pub(crate) struct Documents {
    documents: HashMap<String, Value>,
}

impl Documents {
    /// Reads each file; a resolution result of a deactivated DID is kept as deactivated.
    pub(crate) fn load(paths: &[PathBuf]) -> anyhow::Result<Documents> {
        let mut documents = HashMap::new();
        for path in paths {
            let value = super::read_json(path)?;
            let (document, deactivated) = match value.get("didDocument") {
                Some(doc) => (
                    doc.clone(),
                    value["didDocumentMetadata"]["deactivated"] == true,
                ),
                None => (value, false),
            };
            let id = document
                .get("id")
                .and_then(Value::as_str)
                .with_context(|| format!("{} holds no DID document (no id)", path.display()))?
                .to_owned();
            let entry = if deactivated { Value::Null } else { document };
            documents.insert(id, entry);
        }
        Ok(Documents { documents })
    }
}

impl Environment for Documents {
    fn regulatory_chain(&self) -> Option<&str> {
        None
    }

    fn resolve(&self, did: &str) -> Result<DidDocument, String> {
        match self.documents.get(did) {
            None => Err("no --doc file holds its document".into()),
            Some(Value::Null) => Err("it is deactivated".into()),
            Some(document) => DidDocument::from_json(document, None).map_err(|e| e.to_string()),
        }
    }

    fn status(&self, _issuer: &str, _id: &str) -> Result<Option<StatusAnswer>, String> {
        Ok(None)
    }

    fn may_issue(&self, _issuer: &str, _credential_type: &str) -> Result<Option<bool>, String> {
        Ok(None)
    }
}

/// Nonces accepted earlier, one per line in a file.
pub(crate) struct NonceFile {
    path: Option<PathBuf>,
    nonces: HashSet<String>,
    changed: bool,
}

impl NonceFile {
    /// Opens the file (absent: empty); `None` remembers nothing beyond this run.
    pub(crate) fn open(path: Option<&Path>) -> anyhow::Result<NonceFile> {
        let nonces = match path {
            Some(p) if p.exists() => std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the nonce file {}", p.display()))?
                .lines()
                .map(str::to_owned)
                .collect(),
            _ => HashSet::new(),
        };
        Ok(NonceFile {
            path: path.map(Path::to_path_buf),
            nonces,
            changed: false,
        })
    }

    /// Writes the file back if a nonce was added.
    pub(crate) fn save(&self) -> anyhow::Result<()> {
        let (Some(path), true) = (&self.path, self.changed) else {
            return Ok(());
        };
        if self.nonces.len() > NONCE_FILE_ENTRIES_MAX {
            bail!(
                "{} holds more than {NONCE_FILE_ENTRIES_MAX} nonces; start a new nonce file",
                path.display()
            );
        }
        let mut lines: Vec<&str> = self.nonces.iter().map(String::as_str).collect();
        lines.sort_unstable();
        std::fs::write(path, lines.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

impl NonceMemory for NonceFile {
    fn accept_once(&mut self, _holder: &str, nonce: &str, _now_ms: u64) -> Acceptance {
        if self.nonces.len() >= NONCE_FILE_ENTRIES_MAX {
            return Acceptance::Full;
        }
        if !self.nonces.insert(nonce.to_owned()) {
            return Acceptance::Replayed;
        }
        self.changed = true;
        Acceptance::Fresh
    }
}

/// Prints the verdict; exit 0 valid, 1 invalid.
pub(crate) fn report(outcome: Result<Vec<Verified>, CredentialError>) -> ExitCode {
    match outcome {
        Ok(verified) => {
            println!("valid (offline)");
            for v in verified {
                println!(
                    "  credential {} by {} about {:?}",
                    v.id, v.issuer, v.subjects
                );
                if !v.status_checked {
                    println!("    status NOT checked (offline): ask the node at its credentialStatus URL");
                }
                if !v.issuer_checked {
                    println!("    issuer registration NOT checked (offline): see GET /v1/credentials/issuers/{}", v.issuer);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("INVALID: {e}");
            ExitCode::from(crate::EXIT_NEGATIVE)
        }
    }
}
