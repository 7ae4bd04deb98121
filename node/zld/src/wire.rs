//! What nodes say to each other: consensus messages, transaction gossip, and the requests of
//! block sync and of missing transactions. JSON on the wire (`zl-network` carries bytes).

use serde::{Deserialize, Serialize};
use zl_types::{BlockHeader, CommitCertificate, Hash, SignedProposal, SignedVote, Transaction};

/// Blocks one sync answer carries at most (a block is at most 16 MB; the answer 17 MiB).
pub(crate) const SYNC_BLOCKS_MAX: u64 = 64;
/// Encoded bytes of one sync answer, at most: blocks are added while they fit.
pub(crate) const SYNC_ANSWER_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Transaction ids one fetch may ask for.
pub(crate) const FETCH_IDS_MAX: usize = 20_000;

/// On the consensus channel.
// Messages are decoded one at a time and moved, never stored in bulk beyond a bounded buffer.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ConsensusMessage {
    /// A signed proposal with its block in compact form (transactions by id: every node has
    /// received their bodies by gossip and fetches only what it lacks).
    Proposal {
        /// The signed proposal.
        proposal: SignedProposal,
        /// The proposed block.
        block: CompactBlock,
    },
    /// A signed vote.
    Vote(SignedVote),
}

/// A proposed block: its header and its transaction ids in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CompactBlock {
    /// The header (executed by the proposer).
    pub(crate) header: BlockHeader,
    /// The transactions offered, in order (the header counts those that were included).
    pub(crate) transaction_ids: Vec<Hash>,
}

/// On the transactions channel: locally submitted transactions, forwarded once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TransactionGossip {
    /// The transactions.
    pub(crate) transactions: Vec<Transaction>,
}

/// A request to a peer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Request {
    /// The peer's committed height.
    Status,
    /// Committed blocks from `from`, at most `count`.
    Blocks {
        /// First height wanted.
        from: u64,
        /// How many at most.
        count: u64,
    },
    /// Pending or committed transactions by id.
    Transactions {
        /// The ids.
        ids: Vec<Hash>,
    },
}

/// The answer to a [`Request`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Response {
    /// The committed height.
    Status {
        /// Height of the tip.
        height: u64,
    },
    /// Committed blocks, in height order.
    Blocks {
        /// The blocks.
        blocks: Vec<SyncBlock>,
    },
    /// The transactions found (ids not found are left out).
    Transactions {
        /// The transactions.
        transactions: Vec<Transaction>,
    },
    /// The request could not be served.
    Error {
        /// Why.
        message: String,
    },
}

/// A committed block as sync carries it: enough to re-execute and check it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SyncBlock {
    /// The header.
    pub(crate) header: BlockHeader,
    /// The certificate that made it final.
    pub(crate) certificate: CommitCertificate,
    /// Its transactions, in block order.
    pub(crate) transactions: Vec<Transaction>,
}

/// Encodes a message (serialisation of these types cannot fail).
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("wire types serialise")
}

/// The block a validator precommitted, as it keeps it on disk.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LockedBlock {
    /// The header.
    pub(crate) header: BlockHeader,
    /// Its transactions, in block order.
    pub(crate) transactions: Vec<Transaction>,
    /// The prevotes for it, of the precommit's round, that this validator held (its
    /// proof-of-lock): after a restart it relays them, since one may be an equivocator's that
    /// only some validators received, and without them no one else could accept the block.
    #[serde(default)]
    pub(crate) prevotes: Vec<SignedVote>,
}
