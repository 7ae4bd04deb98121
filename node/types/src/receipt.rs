//! Evidence receipts and their offline verification against a genesis.

use crate::block::{BlockHeader, CommitCertificate, ValidatorSet};
use crate::evidence::{EvidenceKind, EvidenceRecord};
use crate::genesis::Genesis;
use crate::validator_change::{follow_changes, ChainContext, ValidatorSetChange};
use crate::{merkle, Hash, HashAlgorithm, PublicKey};
use serde::{Deserialize, Serialize};

/// The value of a receipt's `format` field.
pub const RECEIPT_FORMAT: &str = "zhenglian-evidence-receipt/v1";

/// Where one document sits in its record's documents tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentProof {
    /// Index among the record's documents.
    pub index: u64,
    /// The document's digest.
    pub digest: Hash,
    /// RFC 6962 audit path to the record's `documents_root`.
    pub path: Vec<Hash>,
}

/// Where a record sits in the evidence log at the block that holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogProof {
    /// The record's index in the log (its `seq`).
    pub index: u64,
    /// The log size in the header.
    pub size: u64,
    /// RFC 6962 audit path to the header's `evidence_log_root`.
    pub path: Vec<Hash>,
}

/// Everything needed to prove, offline, that a document was notarised on a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceReceipt {
    /// Always [`RECEIPT_FORMAT`].
    pub format: String,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The record.
    pub record: EvidenceRecord,
    /// The document's place in the record.
    pub document: DocumentProof,
    /// The record's place in the log.
    pub log: LogProof,
    /// The header of the block that holds the record.
    pub header: BlockHeader,
    /// The commit certificate of that header.
    pub certificate: CommitCertificate,
    /// The validator-set changes from genesis up to the header, in height order: how a
    /// verifier holding only the genesis learns the set that signed the header.
    #[serde(default)]
    pub validator_set_changes: Vec<ValidatorSetChange>,
}

/// All document proofs of one record in one answer (`GET /v1/evidence/records/{seq}/proofs`):
/// what the record's receipts share, and one proof per document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordProofs {
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The record.
    pub record: EvidenceRecord,
    /// The record's place in the evidence log at the block that holds it.
    pub log: LogProof,
    /// The header of that block.
    pub header: BlockHeader,
    /// That header's commit certificate.
    pub certificate: CommitCertificate,
    /// One proof per document, in document order.
    pub documents: Vec<DocumentProof>,
    /// The validator-set changes from genesis up to the header, in height order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validator_set_changes: Vec<ValidatorSetChange>,
}

impl RecordProofs {
    /// The receipt of one document of this record.
    pub fn receipt_for(&self, document: DocumentProof) -> EvidenceReceipt {
        EvidenceReceipt {
            format: RECEIPT_FORMAT.into(),
            chain_id: self.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            record: self.record.clone(),
            document,
            log: self.log.clone(),
            header: self.header.clone(),
            certificate: self.certificate.clone(),
            validator_set_changes: self.validator_set_changes.clone(),
        }
    }

    /// The receipt of document `document_index`, or `None` past the last document.
    pub fn receipt(&self, document_index: usize) -> Option<EvidenceReceipt> {
        Some(self.receipt_for(self.documents.get(document_index)?.clone()))
    }
}

/// What a valid receipt proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
    /// The document's digest.
    pub digest: Hash,
    /// Its algorithm.
    pub digest_algorithm: HashAlgorithm,
    /// Who recorded it.
    pub submitter: PublicKey,
    /// The block height.
    pub height: u64,
    /// The block time (Unix ms).
    pub time: u64,
    /// The record's sequence number.
    pub seq: u64,
    /// The record's kind.
    pub kind: EvidenceKind,
    /// How many validator-set changes were followed from the genesis set to the header's.
    pub validator_set_changes: usize,
}

/// Why a receipt was refused; each says what failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    /// The file's digest is not the one in the receipt.
    #[error("the file does not match the receipt: its {algorithm} digest is {actual}, the receipt records {recorded}; the file was changed or is another file")]
    FileChanged {
        /// Digest algorithm.
        algorithm: &'static str,
        /// Digest of the file given.
        actual: Hash,
        /// Digest in the receipt.
        recorded: Hash,
    },
    /// The receipt is for another chain than the genesis.
    #[error("the receipt is from another chain: {0}")]
    OtherChain(String),
    /// The genesis names other validators than those who signed the header.
    #[error(
        "the genesis names other validators than the ones this receipt's block was signed by: {0}"
    )]
    OtherValidators(String),
    /// A validator-set change in the receipt does not follow from the validators before it.
    #[error("validator-set change {index} of the receipt (height {height}) is refused: {reason}; the receipt was altered or is of another chain")]
    BadValidatorSetChange {
        /// Its index in `validator_set_changes`.
        index: usize,
        /// The height it claims to take effect at.
        height: u64,
        /// What failed.
        reason: String,
    },
    /// Some part of the receipt was altered.
    #[error("the receipt was altered: {0}")]
    Tampered(String),
    /// The receipt's format is not understood.
    #[error("not a ZhengLian evidence receipt: {0}")]
    Format(String),
}

impl EvidenceReceipt {
    /// Verifies the receipt for a file whose digest (in `record.digest_algorithm`) is `file_digest`.
    pub fn verify(&self, file_digest: &Hash, genesis: &Genesis) -> Result<Proven, ReceiptError> {
        if self.format != RECEIPT_FORMAT {
            return Err(ReceiptError::Format(format!(
                "format is {:?}, expected {RECEIPT_FORMAT:?}",
                self.format
            )));
        }
        let signers = check_chain(
            genesis,
            &self.chain_id,
            &self.genesis_hash,
            &self.header,
            &self.validator_set_changes,
        )?;
        let alg = genesis.crypto_suite.hash_algorithm();
        if *file_digest != self.document.digest {
            return Err(ReceiptError::FileChanged {
                algorithm: self.record.digest_algorithm.name(),
                actual: *file_digest,
                recorded: self.document.digest,
            });
        }
        self.check_document(alg)?;
        self.check_log(alg)?;
        check_header(alg, genesis, &self.header, &self.certificate, &signers)?;
        Ok(Proven {
            digest: self.document.digest,
            digest_algorithm: self.record.digest_algorithm,
            submitter: self.record.submitter.clone(),
            height: self.header.height,
            time: self.header.time,
            seq: self.record.seq,
            kind: self.record.kind,
            validator_set_changes: self.validator_set_changes.len(),
        })
    }

    fn check_document(&self, alg: HashAlgorithm) -> Result<(), ReceiptError> {
        let leaf = merkle::leaf_hash(alg, &self.document.digest.0);
        merkle::verify_inclusion(
            alg,
            &leaf,
            self.document.index,
            self.record.document_count,
            &self.document.path,
            &self.record.documents_root,
        )
        .map_err(|e| {
            ReceiptError::Tampered(format!(
                "document proof does not lead to the record's documents_root: {e}"
            ))
        })
    }

    fn check_log(&self, alg: HashAlgorithm) -> Result<(), ReceiptError> {
        let record = &self.record;
        if record.height != self.header.height || record.time != self.header.time {
            return Err(ReceiptError::Tampered(
                "record height or time differ from the header's".into(),
            ));
        }
        if self.log.index != record.seq || self.log.size != self.header.evidence_log_size {
            return Err(ReceiptError::Tampered(
                "log position or size differ from the record and header".into(),
            ));
        }
        merkle::verify_inclusion(
            alg,
            &record.leaf_hash(alg),
            self.log.index,
            self.log.size,
            &self.log.path,
            &self.header.evidence_log_root,
        )
        .map_err(|e| {
            ReceiptError::Tampered(format!(
                "record is not in the evidence log the header commits to: {e}"
            ))
        })
    }
}

/// Checks that a proof's `header` is of the genesis's chain (and its `chain_id` and
/// `genesis_hash` fields agree), following the validator-set `changes` from the genesis set;
/// returns the set that signs the header (PROTOCOL.md §12.2 steps 1–4).
pub fn check_chain(
    genesis: &Genesis,
    chain_id: &str,
    claimed_genesis_hash: &Hash,
    header: &BlockHeader,
    changes: &[ValidatorSetChange],
) -> Result<ValidatorSet, ReceiptError> {
    if header.chain_id != genesis.chain_id {
        return Err(ReceiptError::OtherChain(format!(
            "its block is of chain {:?}, the genesis is of chain {:?}",
            header.chain_id, genesis.chain_id
        )));
    }
    if chain_id != header.chain_id {
        return Err(ReceiptError::Tampered(format!(
            "chain_id {chain_id:?} differs from its header's {:?}",
            header.chain_id
        )));
    }
    let genesis_hash = genesis.hash();
    let chain = ChainContext {
        chain_id: &genesis.chain_id,
        genesis_hash: &genesis_hash,
        hash_algorithm: genesis.crypto_suite.hash_algorithm(),
    };
    let signers = follow_changes(&genesis.validators, changes, header.height, &chain).map_err(
        |(index, error)| ReceiptError::BadValidatorSetChange {
            index,
            height: changes[index].height,
            reason: error.to_string(),
        },
    )?;
    // The validator-set hash binds the genesis hash, so another network that reuses the
    // chain id also lands here.
    let signers_hash = signers.hash(chain.hash_algorithm, chain.chain_id, &genesis_hash);
    if header.validator_set_hash != signers_hash {
        let whose = match changes.len() {
            0 => "the genesis's validators hash".to_string(),
            n => format!("the genesis's validators after the receipt's {n} changes hash"),
        };
        return Err(ReceiptError::OtherValidators(format!(
            "the header names validator set {}, {whose} to {signers_hash} (a change is missing from the receipt, or it is another network with the same chain id)",
            header.validator_set_hash,
        )));
    }
    if *claimed_genesis_hash != genesis_hash {
        return Err(ReceiptError::Tampered(format!(
            "genesis_hash {claimed_genesis_hash} is not the genesis's {genesis_hash}",
        )));
    }
    Ok(signers)
}

/// Checks that `certificate` commits `header` and is valid for `signers` (PROTOCOL.md §12.2
/// step 8).
pub fn check_header(
    alg: HashAlgorithm,
    genesis: &Genesis,
    header: &BlockHeader,
    certificate: &CommitCertificate,
    signers: &ValidatorSet,
) -> Result<(), ReceiptError> {
    let genesis_hash = genesis.hash();
    let header_hash = header.hash(alg, &genesis_hash);
    if certificate.block_hash != header_hash || certificate.height != header.height {
        return Err(ReceiptError::Tampered(format!(
            "header hashes to {header_hash} but the certificate commits block {} at height {}",
            certificate.block_hash, certificate.height
        )));
    }
    certificate
        .verify(signers, &genesis.chain_id, &genesis_hash)
        .map_err(|e| ReceiptError::Tampered(format!("commit certificate: {e}")))
}
