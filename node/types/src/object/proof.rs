//! Proof that a snapshot record was recorded on a chain (PROTOCOL.md §22.3): the record, its
//! audit path to the object root of its block's header, the header's commit certificate and the
//! validator-set changes since genesis. Verified offline against the genesis.

use serde::{Deserialize, Serialize};

use super::SnapshotRecord;
use crate::block::{BlockHeader, CommitCertificate};
use crate::genesis::Genesis;
use crate::receipt::{check_chain, check_header, ReceiptError};
use crate::validator_change::ValidatorSetChange;
use crate::{merkle, Hash};

/// The value of an object proof's `format` field.
pub const OBJECT_PROOF_FORMAT: &str = "zhenglian-object-proof/v1";

/// Everything needed to prove, offline, that a snapshot record is on a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectProof {
    /// Always [`OBJECT_PROOF_FORMAT`].
    pub format: String,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The record.
    pub record: SnapshotRecord,
    /// The record's index among the snapshots its block recorded.
    pub index: u64,
    /// How many snapshots the block recorded.
    pub count: u64,
    /// RFC 6962 audit path of the record's leaf to `header.object_root`.
    pub path: Vec<Hash>,
    /// The header of the block that recorded it.
    pub header: BlockHeader,
    /// That header's commit certificate.
    pub certificate: CommitCertificate,
    /// The validator-set changes from genesis up to the header, in height order.
    #[serde(default)]
    pub validator_set_changes: Vec<ValidatorSetChange>,
}

impl ObjectProof {
    /// Verifies the proof against `genesis`: the chain, the record's inclusion in the header's
    /// object root, and the certificate. Whether the full snapshot matches
    /// `record.snapshot_digest` is the caller's check.
    pub fn verify(&self, genesis: &Genesis) -> Result<(), ReceiptError> {
        if self.format != OBJECT_PROOF_FORMAT {
            return Err(ReceiptError::Format(format!(
                "format is {:?}, expected {OBJECT_PROOF_FORMAT:?}",
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
        if self.record.height != self.header.height {
            return Err(ReceiptError::Tampered(format!(
                "the record names height {}, the header is of height {}",
                self.record.height, self.header.height
            )));
        }
        merkle::verify_inclusion(
            alg,
            &self.record.leaf_hash(alg),
            self.index,
            self.count,
            &self.path,
            &self.header.object_root,
        )
        .map_err(|e| {
            ReceiptError::Tampered(format!(
                "the record is not among the objects the header commits to: {e}"
            ))
        })?;
        check_header(alg, genesis, &self.header, &self.certificate, &signers)
    }
}
