//! The ledger's tables: one RocksDB column family each, with its key layout and value encoding.
//!
//! Integers in keys are big-endian so that RocksDB's bytewise order is numeric order. Values are
//! JSON (simple to inspect with `ldb`) except where a fixed binary layout is named.
//!
//! | table                | key                                                   | value                                          |
//! |----------------------|-------------------------------------------------------|------------------------------------------------|
//! | `meta`               | ASCII names, see the `META_*` constants               | JSON                                           |
//! | `blocks`             | height, u64 BE                                        | JSON `{header, hash, certificate, transaction_ids, failed}` |
//! | `block_hashes`       | header hash, 32 bytes                                 | height, u64 BE                                 |
//! | `transactions`       | transaction id, 32 bytes                              | JSON `{transaction, height, index, outcome}`   |
//! | `state`              | raw state key (e.g. `member/<public key bytes>`)      | raw value as the contract wrote it (never empty: an empty write deletes the key) |
//! | `evidence_records`   | seq, u64 BE                                           | JSON [`zl_types::EvidenceRecord`]              |
//! | `evidence_documents` | seq, u64 BE                                           | the record's digests, 32 bytes each, in order  |
//! | `evidence_index`     | digest 32 bytes ‖ seq u64 BE ‖ document index u32 BE  | empty                                          |
//! | `evidence_tree`      | level u8 ‖ index at that level u64 BE                 | 32-byte hash of that perfect subtree           |
//! | `object_leaves`      | height, u64 BE (blocks that recorded snapshots only)  | the block's object-tree leaf hashes, 32 bytes each, in order |
//! | `consensus`          | `signer`, or `misbehaviour/` ‖ height u64 BE ‖ round u64 BE ‖ kind u8 ‖ validator key bytes | JSON signing record / [`zl_types::DoubleVote`] |

use serde::{Deserialize, Serialize};
use zl_types::{BlockHeader, CommitCertificate, Hash, Transaction};

use crate::types::Outcome;

/// A typed table: its column family's name.
pub trait Table {
    /// The column family's name, fixed forever for a format version.
    const NAME: &'static str;
}

macro_rules! table {
    ($(#[$doc:meta])* $ty:ident = $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $ty;
        impl Table for $ty {
            const NAME: &'static str = $name;
        }
    };
}

table!(
    /// Format version, genesis hash, tip height and the evidence log's frontier.
    Meta = "meta"
);
table!(
    /// Blocks by height: header, hash, certificate and transaction ids.
    Blocks = "blocks"
);
table!(
    /// Block height by header hash.
    BlockHashes = "block_hashes"
);
table!(
    /// Committed transactions by id, with their place and outcome.
    Transactions = "transactions"
);
table!(
    /// Contract state: raw key to raw value.
    State = "state"
);
table!(
    /// Evidence records by sequence number.
    EvidenceRecords = "evidence_records"
);
table!(
    /// The document digests of each evidence record, concatenated.
    EvidenceDocuments = "evidence_documents"
);
table!(
    /// Which records hold a digest: scanned by the 32-byte digest prefix.
    EvidenceIndex = "evidence_index"
);
table!(
    /// Every perfect-subtree node of the evidence log, for log proofs at any past size.
    EvidenceTree = "evidence_tree"
);

table!(
    /// The object tree's leaves of each block that recorded data-object snapshots, for proofs.
    ObjectLeaves = "object_leaves"
);

table!(
    /// This validator's own consensus records: its signing record and the misbehaviour it saw.
    ConsensusRecords = "consensus"
);

/// Every table's column family name, in no particular order.
pub const ALL_TABLES: [&str; 11] = [
    ConsensusRecords::NAME,
    ObjectLeaves::NAME,
    Meta::NAME,
    Blocks::NAME,
    BlockHashes::NAME,
    Transactions::NAME,
    State::NAME,
    EvidenceRecords::NAME,
    EvidenceDocuments::NAME,
    EvidenceIndex::NAME,
    EvidenceTree::NAME,
];

/// Meta key of the format version (JSON number).
pub const META_FORMAT_VERSION: &[u8] = b"format_version";
/// Meta key of the genesis hash (JSON hex string).
pub const META_GENESIS_HASH: &[u8] = b"genesis_hash";
/// Meta key of the tip height (JSON number; 0 before the first block).
pub const META_TIP_HEIGHT: &[u8] = b"tip_height";
/// Meta key of the evidence log's frontier after the tip (JSON [`zl_types::merkle::Frontier`]).
pub const META_EVIDENCE_FRONTIER: &[u8] = b"evidence_frontier";

/// Prefix of member entries in the state: `member/` ‖ public key bytes; value = JCS of the member.
/// The governance contract also keeps `governance/proposal/<id>` and
/// `governance/validator_set/<height u64 BE>` there (see `zl_contracts::governance`).
pub use zl_contracts::MEMBER_PREFIX;

/// Key of a height or a sequence number: u64 big-endian.
pub fn u64_key(value: u64) -> [u8; 8] {
    value.to_be_bytes()
}

/// Decodes a [`u64_key`].
pub fn decode_u64_key(table: &str, key: &[u8]) -> Result<u64, crate::LedgerError> {
    let bytes: [u8; 8] = key.try_into().map_err(|_| {
        crate::LedgerError::Corrupt(format!(
            "a key of table {table} is {} bytes, not 8",
            key.len()
        ))
    })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Length of an [`evidence_index_key`].
pub const EVIDENCE_INDEX_KEY_LEN: usize = 32 + 8 + 4;

/// Key of the evidence index: digest ‖ seq BE ‖ document index BE.
pub fn evidence_index_key(
    digest: &Hash,
    seq: u64,
    document_index: u32,
) -> [u8; EVIDENCE_INDEX_KEY_LEN] {
    let mut key = [0u8; EVIDENCE_INDEX_KEY_LEN];
    key[..32].copy_from_slice(&digest.0);
    key[32..40].copy_from_slice(&seq.to_be_bytes());
    key[40..].copy_from_slice(&document_index.to_be_bytes());
    key
}

/// Splits an [`evidence_index_key`] into (seq, document index).
pub fn decode_evidence_index_key(key: &[u8]) -> Result<(u64, u32), crate::LedgerError> {
    if key.len() != EVIDENCE_INDEX_KEY_LEN {
        return Err(crate::LedgerError::Corrupt(format!(
            "an evidence_index key is {} bytes, not {EVIDENCE_INDEX_KEY_LEN}",
            key.len()
        )));
    }
    let seq = u64::from_be_bytes(key[32..40].try_into().expect("8 bytes"));
    let index = u32::from_be_bytes(key[40..].try_into().expect("4 bytes"));
    Ok((seq, index))
}

/// Key of a perfect-subtree node of the evidence log: level u8 ‖ index BE.
pub fn evidence_tree_key(level: u32, index: u64) -> [u8; 9] {
    // 2^64 leaves at most: levels run 0..=64, so they fit a byte.
    let level = u8::try_from(level).expect("evidence log levels are at most 64");
    let mut key = [0u8; 9];
    key[0] = level;
    key[1..].copy_from_slice(&index.to_be_bytes());
    key
}

/// The state key of a member entry (the contracts' layout, which they read).
pub use zl_contracts::member_key;

/// Value of the `blocks` table.
#[derive(Serialize, Deserialize)]
pub(crate) struct BlockValue {
    pub(crate) header: BlockHeader,
    pub(crate) hash: Hash,
    pub(crate) certificate: CommitCertificate,
    pub(crate) transaction_ids: Vec<Hash>,
    /// Indices of the transactions that failed, so transaction proofs need only this row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) failed: Vec<u64>,
}

/// Value of the `transactions` table, as written (borrowing the block being committed).
#[derive(Serialize)]
pub(crate) struct TransactionValueRef<'a> {
    pub(crate) transaction: &'a Transaction,
    pub(crate) height: u64,
    pub(crate) index: u64,
    pub(crate) outcome: &'a Outcome,
}

/// Value of the `transactions` table, as read.
#[derive(Deserialize)]
pub(crate) struct TransactionValue {
    pub(crate) transaction: Transaction,
    pub(crate) height: u64,
    pub(crate) index: u64,
    pub(crate) outcome: Outcome,
}

/// Splits a value of concatenated 32-byte hashes (`evidence_documents`, `object_leaves`);
/// `what` names the row in the error.
pub fn decode_hashes(what: &str, bytes: &[u8]) -> Result<Vec<Hash>, crate::LedgerError> {
    let chunks = bytes.chunks_exact(32);
    if !chunks.remainder().is_empty() {
        return Err(crate::LedgerError::Corrupt(format!(
            "{what} is {} bytes, not a multiple of 32",
            bytes.len()
        )));
    }
    Ok(chunks
        .map(|chunk| Hash(chunk.try_into().expect("chunks of 32")))
        .collect())
}

/// Concatenates hashes for `evidence_documents` and `object_leaves`.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hashes.len() * 32);
    for hash in hashes {
        out.extend_from_slice(&hash.0);
    }
    out
}
