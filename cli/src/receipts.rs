//! Receipts: fetching a record's proofs, checking them, and writing one receipt per file.

use crate::client::Client;
use crate::files::{with_suffix, TEMPORARY_SUFFIX};
use crate::plan::PlannedTransaction;
use crate::progress::Progress;
use anyhow::{bail, Context as _};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use zl_types::receipt::{DocumentProof, LogProof, RECEIPT_FORMAT};
use zl_types::{merkle, BlockHeader, CommitCertificate, EvidenceReceipt, EvidenceRecord, Genesis, Hash};

/// The answer of `GET /v1/evidence/records/{seq}/proofs`: everything a record's receipts share,
/// and one proof per document.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct RecordProofs {
    /// The chain's id.
    pub(crate) chain_id: String,
    /// The chain's genesis hash.
    pub(crate) genesis_hash: Hash,
    /// The record.
    pub(crate) record: EvidenceRecord,
    /// The record's place in the log.
    pub(crate) log: LogProof,
    /// The header of the block holding the record.
    pub(crate) header: BlockHeader,
    /// That header's commit certificate.
    pub(crate) certificate: CommitCertificate,
    /// One proof per document, in document order.
    pub(crate) documents: Vec<DocumentProof>,
}

impl RecordProofs {
    /// Fetches the proofs of record `seq`.
    pub(crate) fn fetch(client: &Client, seq: u64) -> anyhow::Result<RecordProofs> {
        client
            .get_json(&format!("/v1/evidence/records/{seq}/proofs"))
            .with_context(|| format!("fetching the proofs of evidence record {seq}"))
    }

    /// The receipt of the document at `index`.
    pub(crate) fn receipt(&self, document: DocumentProof) -> EvidenceReceipt {
        EvidenceReceipt {
            format: RECEIPT_FORMAT.into(),
            chain_id: self.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            record: self.record.clone(),
            document,
            log: self.log.clone(),
            header: self.header.clone(),
            certificate: self.certificate.clone(),
            validator_set_changes: Vec::new(),
        }
    }

    /// A template rendering the receipts of this record without re-encoding the shared parts.
    pub(crate) fn template(&self) -> ReceiptTemplate {
        let placeholder = DocumentProof { index: 0, digest: Hash::ZERO, path: Vec::new() };
        let whole = serde_json::to_string(&self.receipt(placeholder.clone())).expect("receipts encode as JSON");
        let hole = format!("\"document\":{}", serde_json::to_string(&placeholder).expect("proofs encode"));
        // "document": occurs once at the top level (the record's key is "document_count").
        let at = whole.find(&hole).expect("the receipt's document field is present");
        let value_start = at + "\"document\":".len();
        ReceiptTemplate { prefix: whole[..value_start].to_string(), suffix: whole[at + hole.len()..].to_string() }
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

/// Checks the node's proofs for one planned transaction and writes the receipts of its files.
///
/// One receipt is verified in full against the genesis; every document's proof is checked
/// against the record, so a faulty node can never make zl write a receipt that fails later.
pub(crate) fn write_transaction_receipts(
    proofs: &RecordProofs,
    genesis: &Genesis,
    planned: &PlannedTransaction,
    receipt_paths: &[PathBuf],
    progress: &Progress,
) -> anyhow::Result<()> {
    let record = &proofs.record;
    let count = planned.documents.len();
    if record.document_count != count as u64 || proofs.documents.len() != count {
        bail!(
            "record {} holds {} documents and came with {} proofs, but the transaction notarised {count}; the node is faulty",
            record.seq,
            record.document_count,
            proofs.documents.len()
        );
    }
    let first = check_document(proofs, genesis, planned, 0)?;
    proofs.receipt(first.clone()).verify(&first.digest, genesis).map_err(|e| {
        anyhow::anyhow!("the node's proofs for record {} do not verify ({e}); no receipts written for it", record.seq)
    })?;
    let template = proofs.template();
    crate::work::parallel_map(planned.files.len(), HashSet::<PathBuf>::new, |made_dirs, position| {
        let (file, document) = planned.files[position];
        let proof = check_document(proofs, genesis, planned, document)?;
        let path = &receipt_paths[file];
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !made_dirs.contains(parent) {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create folder {}", parent.display()))?;
                made_dirs.insert(parent.to_path_buf());
            }
        }
        write_atomically(path, &template.render(proof))
            .with_context(|| format!("cannot write receipt {}", path.display()))?;
        progress.inc(1);
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(())
}

/// The proof of document `index`, checked: right place, our digest, leads to the record's root
/// (the documents tree uses the chain's hash algorithm).
fn check_document<'a>(
    proofs: &'a RecordProofs,
    genesis: &Genesis,
    planned: &PlannedTransaction,
    index: usize,
) -> anyhow::Result<&'a DocumentProof> {
    let proof = &proofs.documents[index];
    let record = &proofs.record;
    if proof.index != index as u64 || proof.digest != planned.documents[index] {
        bail!(
            "the node's proof {index} of record {} is for document {} with digest {}, not ours ({}); the node is faulty",
            record.seq,
            proof.index,
            proof.digest,
            planned.documents[index]
        );
    }
    let alg = genesis.crypto_suite.hash_algorithm();
    let leaf = merkle::leaf_hash(alg, &proof.digest.0);
    merkle::verify_inclusion(alg, &leaf, proof.index, record.document_count, &proof.path, &record.documents_root)
        .with_context(|| format!("the node's proof of document {index} in record {} is wrong", record.seq))?;
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::{CryptoSuite, EvidenceKind, HashAlgorithm, PublicKey, SecretKey};

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
        let certificate = CommitCertificate::sign(5, 0, Hash([12; 32]), &key, "shanghai", &Hash([13; 32]));
        RecordProofs {
            chain_id: "shanghai".into(),
            genesis_hash: Hash([13; 32]),
            record,
            log: LogProof { index: 3, size: 4, path: vec![Hash([14; 32]), Hash([15; 32])] },
            header,
            certificate,
            documents: Vec::new(),
        }
    }

    #[test]
    fn template_renders_exactly_what_serde_would() {
        let proofs = sample();
        let template = proofs.template();
        let document = DocumentProof { index: 1, digest: Hash([16; 32]), path: vec![Hash([17; 32])] };
        let rendered = template.render(&document);
        let mut expected = serde_json::to_vec(&proofs.receipt(document.clone())).unwrap();
        expected.push(b'\n');
        assert_eq!(String::from_utf8(rendered.clone()).unwrap(), String::from_utf8(expected).unwrap());
        let back: EvidenceReceipt = serde_json::from_slice(&rendered).unwrap();
        assert_eq!(back, proofs.receipt(document));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf.receipt.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("a.pdf.receipt.json")]);
        assert!(write_atomically(&dir.path().join("no/such/dir/x"), b"x").is_err());
    }
}
