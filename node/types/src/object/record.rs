//! What the chain keeps of one snapshot (PROTOCOL.md §22): the header as sealed, the redacted
//! body, the digest of the full sealed snapshot kept off chain, and where it was written. The
//! block header's object root commits to the records written in the block.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ObjectError;
use crate::{merkle, Hash, HashAlgorithm};

/// One snapshot as recorded on chain: (object id, version, revision) and what backs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRecord {
    /// `header.content.object_id`.
    pub object_id: String,
    /// `header.content.version`.
    pub version: u64,
    /// 0 for the first write of a version; each overwrite of it adds one.
    pub revision: u32,
    /// The owner's DID: the seal's key is one of its assertion methods.
    pub owner: String,
    /// The object's header exactly as sealed (seal included).
    pub header: Value,
    /// The body as written, with every personal member replaced by its salted digest
    /// (PROTOCOL.md §21); a patch if the write is incremental.
    pub body: Value,
    /// SM3 of the RFC 8785 bytes of the full sealed object as written, which the object store
    /// keeps: whoever fetches it can check it against this digest.
    pub snapshot_digest: Hash,
    /// The references of the body (`<object_id>/<version>`), in document order.
    pub references: Vec<String>,
    /// The block that recorded it.
    pub height: u64,
    /// The transaction that wrote it.
    pub tx_id: Hash,
}

impl SnapshotRecord {
    /// The object tree's leaf data: the record's RFC 8785 bytes. Plain JCS, not the chain's
    /// integer-only form: bodies hold decimal numbers (e.g. a shareholding of 58.69).
    pub fn leaf_data(&self) -> Vec<u8> {
        serde_json_canonicalizer::to_vec(self).expect("records hold JSON values parsed from text")
    }

    /// The record's leaf hash in the block's object tree.
    pub fn leaf_hash(&self, alg: HashAlgorithm) -> Hash {
        merkle::leaf_hash(alg, &self.leaf_data())
    }
}

/// The object root of a block: RFC 6962 root over the leaf hashes of its records in order
/// (`H("")` for a block that writes none).
pub fn object_root(alg: HashAlgorithm, records: &[SnapshotRecord]) -> Hash {
    let leaves: Vec<Hash> = records.iter().map(|r| r.leaf_hash(alg)).collect();
    merkle::root(alg, &leaves)
}

/// The snapshot digest: SM3 of the RFC 8785 bytes of the full sealed object (seal included).
/// SM3 on every chain, as the seal is: the data model is 国密 whatever the chain's suite.
pub fn snapshot_digest(object: &Value) -> Result<Hash, ObjectError> {
    let bytes = serde_json_canonicalizer::to_vec(object).map_err(|e| {
        ObjectError::at(
            "",
            format!("cannot be written as RFC 8785 canonical JSON: {e}"),
        )
    })?;
    Ok(HashAlgorithm::Sm3.digest(&bytes))
}
