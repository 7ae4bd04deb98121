//! What the ledger hands out: executed blocks, stored blocks, transactions, outcomes and receipts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zl_contracts::NewEvidence;
use zl_types::merkle::Frontier;

use zl_types::{BlockHeader, CommitCertificate, Event, Hash, Transaction, ValidatorSetChange};

/// The value of a transaction receipt's `format` field.
pub const TRANSACTION_RECEIPT_FORMAT: &str = "zhenglian-transaction-receipt/v1";

/// A block executed on top of the tip and not yet committed: its header and everything the
/// commit writes.
#[derive(Clone, Debug)]
pub struct ExecutedBlock {
    /// The header, committing to the block's results.
    pub header: BlockHeader,
    /// The header's hash, which the commit certificate signs.
    pub hash: Hash,
    /// The included transactions with their outcomes, in block order.
    pub transactions: Vec<ExecutedTransaction>,
    /// Every event of the block, in order (those of successful transactions only).
    pub events: Vec<Event>,
    /// Final value of each key the block wrote.
    pub(crate) writes: BTreeMap<Vec<u8>, Vec<u8>>,
    /// New evidence records with their documents, in log order.
    pub(crate) evidence: Vec<NewEvidence>,
    /// The evidence log's frontier after the block.
    pub(crate) frontier: Frontier,
    /// Perfect-subtree nodes of the evidence log completed by the block: (level, index, hash).
    pub(crate) tree_nodes: Vec<(u32, u64, Hash)>,
    /// The object tree's leaf hashes of the snapshots the block recorded, in order.
    pub(crate) object_leaves: Vec<Hash>,
}

/// One transaction of an executed block.
#[derive(Clone, Debug)]
pub struct ExecutedTransaction {
    /// The transaction id.
    pub id: Hash,
    /// The transaction.
    pub transaction: Transaction,
    /// What executing it did.
    pub outcome: Outcome,
}

/// What executing a transaction did: success with events, or failure with no effect.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    /// Whether every call succeeded (a failed transaction is recorded but changes nothing).
    pub ok: bool,
    /// Why it failed, if it did.
    pub error: Option<OutcomeError>,
    /// The events it emitted (none when it failed).
    pub events: Vec<Event>,
}

/// Why a transaction failed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OutcomeError {
    /// A stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// What was wrong and what to do, for people.
    pub message: String,
}

/// A committed block as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredBlock {
    /// Its height.
    pub height: u64,
    /// Its header's hash.
    pub hash: Hash,
    /// Its header.
    pub header: BlockHeader,
    /// The commit certificate that made it final.
    pub certificate: CommitCertificate,
    /// Its transactions' ids, in block order.
    pub transaction_ids: Vec<Hash>,
}

/// A committed transaction with its place and outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransactionInfo {
    /// Its id.
    pub id: Hash,
    /// The height of the block holding it.
    pub height: u64,
    /// Its index in that block.
    pub index: u64,
    /// The transaction.
    pub transaction: Transaction,
    /// What executing it did.
    pub outcome: Outcome,
}

/// Proof, checkable offline with the genesis, that a transaction was committed with an outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransactionReceipt {
    /// Always [`TRANSACTION_RECEIPT_FORMAT`].
    pub format: String,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The transaction id.
    pub id: Hash,
    /// The height of the block holding it.
    pub height: u64,
    /// Its index in that block.
    pub index: u64,
    /// Whether it succeeded.
    pub ok: bool,
    /// Why it failed, if it did.
    pub error: Option<OutcomeError>,
    /// The events it emitted.
    pub events: Vec<Event>,
    /// RFC 6962 audit path of leaf `outcome_leaf(id, ok)` to `header.transaction_root`.
    pub proof: Vec<Hash>,
    /// The header of the block holding it.
    pub header: BlockHeader,
    /// That header's commit certificate.
    pub certificate: CommitCertificate,
    /// The validator-set changes from genesis up to the header, in height order, so the
    /// certificate verifies from the genesis alone (absent when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validator_set_changes: Vec<ValidatorSetChange>,
}

pub use zl_types::receipt::RecordProofs;
