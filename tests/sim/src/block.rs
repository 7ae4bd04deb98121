//! Simulated blocks and the messages nodes exchange: a header-like value whose hash is the block
//! hash consensus decides on, and the proposals, votes and block-sync traffic that carry it.

use std::rc::Rc;
use zl_types::{CommitCertificate, Hash, HashAlgorithm, SignedProposal, SignedVote};

/// Domain tag of a simulated block's hash.
const BLOCK_TAG: &[u8] = b"zl-sim/block/v1";

/// A block of the simulated chain. It stands for a real header: it names its height, its parent
/// and its proposer, carries some payload, and may be "poisoned" (a block whose execution
/// fails, which a Byzantine proposer sends and honest validators must refuse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SimBlock {
    /// Height, 1 for the first block after genesis.
    pub(crate) height: u64,
    /// Hash of the parent block (the genesis hash for height 1).
    pub(crate) previous: Hash,
    /// Index of the validator that built it.
    pub(crate) proposer: usize,
    /// Opaque transactions.
    pub(crate) payload: Vec<u8>,
    /// A block whose execution fails: never valid.
    pub(crate) poisoned: bool,
    /// The block hash (computed by [`SimBlock::new`]).
    pub(crate) hash: Hash,
}

impl SimBlock {
    /// A block with its hash computed.
    pub(crate) fn new(
        height: u64,
        previous: Hash,
        proposer: usize,
        payload: Vec<u8>,
        poisoned: bool,
    ) -> SimBlock {
        let mut block = SimBlock {
            height,
            previous,
            proposer,
            payload,
            poisoned,
            hash: Hash::ZERO,
        };
        block.hash = block.compute_hash();
        block
    }

    /// SHA-256 over the tag and every field.
    pub(crate) fn compute_hash(&self) -> Hash {
        HashAlgorithm::Sha256.digest_parts(&[
            BLOCK_TAG,
            &self.height.to_be_bytes(),
            self.previous.as_bytes(),
            &(self.proposer as u64).to_be_bytes(),
            &[u8::from(self.poisoned)],
            &self.payload,
        ])
    }

    /// The shell's `valid(v)`: the block extends the tip `(tip_height, tip_hash)` and executes.
    pub(crate) fn valid_on(&self, tip_height: u64, tip_hash: Hash) -> bool {
        self.height == tip_height + 1 && self.previous == tip_hash && !self.poisoned
    }
}

/// A committed block with the certificate that commits it: one entry of a node's disk.
#[derive(Clone, Debug)]
pub(crate) struct Committed {
    /// The block.
    pub(crate) block: Rc<SimBlock>,
    /// More than two thirds of the power precommitted it.
    pub(crate) certificate: Rc<CommitCertificate>,
}

/// What travels over the simulated network.
#[derive(Clone, Debug)]
pub(crate) enum Message {
    /// A signed proposal with the block it proposes.
    Proposal {
        /// The proposal.
        signed: SignedProposal,
        /// Its block.
        block: Rc<SimBlock>,
    },
    /// A signed prevote or precommit.
    Vote(SignedVote),
    /// Block sync: send me your committed blocks from this height on.
    SyncRequest {
        /// The first height wanted.
        from_height: u64,
    },
    /// Block sync: committed blocks with their certificates, in height order.
    SyncResponse {
        /// The blocks.
        blocks: Vec<Committed>,
    },
}

impl Message {
    /// The consensus height of a proposal or vote (`None` for sync traffic).
    pub(crate) fn consensus_height(&self) -> Option<u64> {
        match self {
            Message::Proposal { signed, .. } => Some(signed.proposal.height),
            Message::Vote(vote) => Some(vote.vote.height),
            Message::SyncRequest { .. } | Message::SyncResponse { .. } => None,
        }
    }

    /// The consensus round of a proposal or vote (`None` for sync traffic).
    pub(crate) fn consensus_round(&self) -> Option<u64> {
        match self {
            Message::Proposal { signed, .. } => Some(signed.proposal.round),
            Message::Vote(vote) => Some(vote.vote.round),
            Message::SyncRequest { .. } | Message::SyncResponse { .. } => None,
        }
    }

    /// The signature of a proposal or vote: it names the signed content, so it serves as the
    /// message's identity when dropping duplicates.
    pub(crate) fn signature_bytes(&self) -> Option<[u8; 64]> {
        match self {
            Message::Proposal { signed, .. } => Some(signed.signature.0),
            Message::Vote(vote) => Some(vote.signature.0),
            Message::SyncRequest { .. } | Message::SyncResponse { .. } => None,
        }
    }
}

/// The first four bytes of a hash, for traces.
pub(crate) fn short(hash: &Hash) -> u32 {
    u32::from_be_bytes([hash.0[0], hash.0[1], hash.0[2], hash.0[3]])
}
