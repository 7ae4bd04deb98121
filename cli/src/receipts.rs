//! Receipts: a record's proofs as the node serves them, receipts rendered from them, atomic writes.

use crate::client::Client;
use crate::files::{with_suffix, TEMPORARY_SUFFIX};
use anyhow::Context as _;
use std::path::Path;
use zl_types::receipt::DocumentProof;
use zl_types::Hash;

pub(crate) use zl_types::receipt::RecordProofs;

/// Fetches the proofs of record `seq` (`GET /v1/evidence/records/{seq}/proofs`).
pub(crate) fn fetch_record_proofs(client: &Client, seq: u64) -> anyhow::Result<RecordProofs> {
    client
        .get_json(&format!("/v1/evidence/records/{seq}/proofs"))
        .with_context(|| format!("fetching the proofs of evidence record {seq}"))
}

/// Rendering a record's receipts fast.
pub(crate) trait RecordTemplate {
    /// A template rendering the receipts of this record without re-encoding the shared parts.
    fn template(&self) -> ReceiptTemplate;
}

impl RecordTemplate for RecordProofs {
    /// A template rendering the receipts of this record without re-encoding the shared parts.
    fn template(&self) -> ReceiptTemplate {
        let placeholder = DocumentProof {
            index: 0,
            digest: Hash::ZERO,
            path: Vec::new(),
        };
        let whole = serde_json::to_string(&self.receipt_for(placeholder.clone()))
            .expect("receipts encode as JSON");
        let hole = format!(
            "\"document\":{}",
            serde_json::to_string(&placeholder).expect("proofs encode")
        );
        // "document": occurs once at the top level (the record's key is "document_count").
        let at = whole
            .find(&hole)
            .expect("the receipt's document field is present");
        let value_start = at + "\"document\":".len();
        ReceiptTemplate {
            prefix: whole[..value_start].to_string(),
            suffix: whole[at + hole.len()..].to_string(),
        }
    }
}

/// A record's receipt as text with a hole where the document proof goes.
pub(crate) struct ReceiptTemplate {
    prefix: String,
    suffix: String,
}

impl ReceiptTemplate {
    /// The receipt JSON (compact, newline-terminated) for one document.
    pub(crate) fn render(&self, document: &DocumentProof) -> Vec<u8> {
        let middle = serde_json::to_vec(document).expect("proofs encode as JSON");
        let mut out = Vec::with_capacity(self.prefix.len() + middle.len() + self.suffix.len() + 1);
        out.extend_from_slice(self.prefix.as_bytes());
        out.extend_from_slice(&middle);
        out.extend_from_slice(self.suffix.as_bytes());
        out.push(b'\n');
        out
    }
}

/// Writes `bytes` to `<path>.tmp` then renames it over `path`, so a crash never leaves a
/// half receipt. Not fsynced: a receipt lost to a power cut can be fetched again.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = with_suffix(path, TEMPORARY_SUFFIX);
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        // Best effort: the rename error is what the user needs to see.
        let _ = std::fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::receipt::LogProof;
    use zl_types::{
        BlockHeader, CommitCertificate, CryptoSuite, EvidenceKind, EvidenceReceipt, EvidenceRecord,
        HashAlgorithm, PublicKey, SecretKey,
    };

    fn sample() -> RecordProofs {
        let key = SecretKey::from_seed(CryptoSuite::Ed25519, &[1; 32]).unwrap();
        let public: PublicKey = key.public_key();
        let record = EvidenceRecord {
            seq: 3,
            kind: EvidenceKind::Notarize,
            refers_to: None,
            tx_id: Hash([2; 32]),
            submitter: public.clone(),
            height: 5,
            time: 1_700_000_000_000,
            category: "file".into(),
            title: "2 files \"quoted\" 证".into(),
            reference: String::new(),
            location: None,
            security_level: 1,
            digest_algorithm: HashAlgorithm::Sha256,
            document_count: 2,
            documents_root: Hash([4; 32]),
            reason: None,
        };
        let header = BlockHeader {
            chain_id: "shanghai".into(),
            height: 5,
            time: 1_700_000_000_000,
            previous_hash: Hash([5; 32]),
            transaction_root: Hash([6; 32]),
            event_root: Hash([7; 32]),
            object_root: Hash([8; 32]),
            state_root: Hash([9; 32]),
            evidence_log_root: Hash([10; 32]),
            evidence_log_size: 4,
            validator_set_hash: Hash([11; 32]),
            next_validator_set_hash: Hash([11; 32]),
            proposer: public,
            transaction_count: 1,
        };
        let certificate =
            CommitCertificate::sign(5, 0, Hash([12; 32]), &key, "shanghai", &Hash([13; 32]));
        RecordProofs {
            chain_id: "shanghai".into(),
            genesis_hash: Hash([13; 32]),
            record,
            log: LogProof {
                index: 3,
                size: 4,
                path: vec![Hash([14; 32]), Hash([15; 32])],
            },
            header,
            certificate,
            documents: Vec::new(),
            validator_set_changes: Vec::new(),
        }
    }

    #[test]
    fn template_renders_exactly_what_serde_would() {
        let proofs = sample();
        let template = proofs.template();
        let document = DocumentProof {
            index: 1,
            digest: Hash([16; 32]),
            path: vec![Hash([17; 32])],
        };
        let rendered = template.render(&document);
        let mut expected = serde_json::to_vec(&proofs.receipt_for(document.clone())).unwrap();
        expected.push(b'\n');
        assert_eq!(
            String::from_utf8(rendered.clone()).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        let back: EvidenceReceipt = serde_json::from_slice(&rendered).unwrap();
        assert_eq!(back, proofs.receipt_for(document));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf.receipt.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("a.pdf.receipt.json")]);
        assert!(write_atomically(&dir.path().join("no/such/dir/x"), b"x").is_err());
    }
}
