//! Evidence records (存证): what the `evidence` contract writes into the append-only evidence log.

use crate::canonical::canonical_json;
use crate::{merkle, Hash, HashAlgorithm, PublicKey, TypesError};
use serde::{Deserialize, Serialize};

/// Documents one record may notarise (one batch transaction).
pub const DOCUMENTS_PER_RECORD_MAX: usize = 50_000;
/// Length of category, title, reference, location and reason, in bytes, at most.
pub const EVIDENCE_TEXT_BYTES_MAX: usize = 1024;

/// What a record does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// Notarises one or more documents.
    Notarize,
    /// Replaces an earlier record's documents or fields; the old one stays in the log.
    Correct,
    /// Withdraws an earlier record; the old one stays in the log.
    Revoke,
}

/// Arguments of `evidence.notarize` (and of `evidence.correct`, with `refers_to`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotarizeArgs {
    /// For `correct`: the sequence number of the record corrected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<u64>,
    /// Category, e.g. `contract`, `invoice`, `snapshot`.
    pub category: String,
    /// A title for people.
    pub title: String,
    /// The submitter's business reference.
    #[serde(default)]
    pub reference: String,
    /// Where the documents are kept off chain, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Data security level 1-4 (JR/T 0158).
    pub security_level: u8,
    /// Algorithm of the document digests.
    pub digest_algorithm: HashAlgorithm,
    /// The documents' digests, in order; each is found and proven on its own.
    pub documents: Vec<Hash>,
}

/// Arguments of `evidence.revoke`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeArgs {
    /// The sequence number of the record revoked.
    pub refers_to: u64,
    /// Why, for people.
    pub reason: String,
}

impl NotarizeArgs {
    /// Checks sizes and levels; every error says which field to fix.
    pub fn check(&self) -> Result<(), TypesError> {
        let n = self.documents.len();
        if n == 0 || n > DOCUMENTS_PER_RECORD_MAX {
            return Err(TypesError::Invalid(format!(
                "a record notarises 1 to {DOCUMENTS_PER_RECORD_MAX} documents, this one {n}; split the batch"
            )));
        }
        if !(1..=4).contains(&self.security_level) {
            return Err(TypesError::Invalid(format!(
                "security_level must be 1-4, got {}",
                self.security_level
            )));
        }
        let texts = [&self.category, &self.title, &self.reference];
        for text in texts.into_iter().chain(self.location.as_ref()) {
            check_text(text)?;
        }
        Ok(())
    }
}

/// Refuses over-long free text.
pub fn check_text(text: &str) -> Result<(), TypesError> {
    if text.len() > EVIDENCE_TEXT_BYTES_MAX {
        return Err(TypesError::Invalid(format!(
            "text fields are at most {EVIDENCE_TEXT_BYTES_MAX} bytes, got {}",
            text.len()
        )));
    }
    Ok(())
}

/// One record of the evidence log. Its canonical JSON is the log leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    /// Position in the evidence log (0-based); also the record's id.
    pub seq: u64,
    /// Notarize, correct or revoke.
    pub kind: EvidenceKind,
    /// For correct and revoke: the record it points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<u64>,
    /// The transaction that made it.
    pub tx_id: Hash,
    /// The signer of that transaction.
    pub submitter: PublicKey,
    /// The block height that holds it.
    pub height: u64,
    /// The block time (Unix milliseconds), added by the chain.
    pub time: u64,
    /// Category.
    pub category: String,
    /// Title.
    pub title: String,
    /// Business reference.
    pub reference: String,
    /// Off-chain location, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Data security level 1-4.
    pub security_level: u8,
    /// Algorithm of the document digests.
    pub digest_algorithm: HashAlgorithm,
    /// How many documents.
    pub document_count: u64,
    /// RFC 6962 root over the document digests (leaf data = the 32 digest bytes).
    pub documents_root: Hash,
    /// For revoke: the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EvidenceRecord {
    /// The log leaf data: the record's canonical JSON.
    pub fn leaf_data(&self) -> Vec<u8> {
        canonical_json(self).expect("records hold only strings and small integers")
    }

    /// The log leaf hash, with the chain's hash algorithm.
    pub fn leaf_hash(&self, alg: HashAlgorithm) -> Hash {
        merkle::leaf_hash(alg, &self.leaf_data())
    }
}

/// Leaf hashes of documents (leaf data = the raw digest bytes), with the chain's hash algorithm.
pub fn document_leaves(alg: HashAlgorithm, documents: &[Hash]) -> Vec<Hash> {
    documents
        .iter()
        .map(|d| merkle::leaf_hash(alg, &d.0))
        .collect()
}
