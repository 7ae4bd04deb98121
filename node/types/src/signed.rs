//! Signed consensus messages: proposals and votes, and the misbehaviour evidence two conflicting
//! votes make.

use crate::canonical::{canonical_json, domain_bytes};
use crate::{Hash, PublicKey, Signature, TypesError, VoteContent};
use serde::{Deserialize, Serialize};

/// Domain tag of proposal signing bytes.
pub const PROPOSAL_TAG: &str = "zhenglian/proposal/v1";

/// The signed content of a proposal: the proposer offers `block_hash` for `height`/`round`.
/// `pol_round` is the round of the prevote quorum that made the block its valid value (the
/// paper's `validRound`), or `None` (`-1` in the paper) for a fresh block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalContent {
    /// Height proposed for.
    pub height: u64,
    /// Round proposed in.
    pub round: u64,
    /// The proposed block's header hash.
    pub block_hash: Hash,
    /// Proof-of-lock round, if the block is re-proposed.
    pub pol_round: Option<u64>,
}

impl ProposalContent {
    /// `zhenglian/proposal/v1 \n chain_id \n genesis_hash_hex \n JCS(proposal)`.
    pub fn signing_bytes(&self, chain_id: &str, genesis_hash: &Hash) -> Vec<u8> {
        let body = canonical_json(self).expect("proposals hold only strings and small integers");
        domain_bytes(PROPOSAL_TAG, chain_id, genesis_hash, &body)
    }
}

/// A proposal with its proposer's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedProposal {
    /// The proposer's chain key.
    pub proposer: PublicKey,
    /// What it proposed.
    pub proposal: ProposalContent,
    /// Its signature over the proposal's signing bytes.
    pub signature: Signature,
}

impl SignedProposal {
    /// Checks the signature for this chain.
    pub fn verify(&self, chain_id: &str, genesis_hash: &Hash) -> Result<(), TypesError> {
        let bytes = self.proposal.signing_bytes(chain_id, genesis_hash);
        self.proposer.verify(&bytes, &self.signature).map_err(|_| {
            TypesError::Signature(format!(
                "proposal signature of {} does not verify for this chain",
                self.proposer
            ))
        })
    }
}

/// A vote with its validator's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedVote {
    /// The voter's chain key.
    pub validator: PublicKey,
    /// What it voted.
    pub vote: VoteContent,
    /// Its signature over the vote's signing bytes.
    pub signature: Signature,
}

impl SignedVote {
    /// Checks the signature for this chain.
    pub fn verify(&self, chain_id: &str, genesis_hash: &Hash) -> Result<(), TypesError> {
        let bytes = self.vote.signing_bytes(chain_id, genesis_hash);
        self.validator.verify(&bytes, &self.signature).map_err(|_| {
            TypesError::Signature(format!(
                "vote signature of {} does not verify for this chain",
                self.validator
            ))
        })
    }
}

/// Proof that a validator signed two different votes of one kind for one height and round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleVote {
    /// The first vote seen.
    pub first: SignedVote,
    /// The conflicting vote.
    pub second: SignedVote,
}

impl DoubleVote {
    /// Checks that both votes are signed by one validator, for one height/round/kind, with
    /// different values, and that both signatures verify.
    pub fn verify(&self, chain_id: &str, genesis_hash: &Hash) -> Result<(), TypesError> {
        let (a, b) = (&self.first, &self.second);
        let same_slot = a.validator == b.validator
            && a.vote.kind == b.vote.kind
            && a.vote.height == b.vote.height
            && a.vote.round == b.vote.round;
        if !same_slot || a.vote.block_hash == b.vote.block_hash {
            return Err(TypesError::Invalid(
                "a double vote is two different votes of one validator for one height, round and kind".into(),
            ));
        }
        a.verify(chain_id, genesis_hash)?;
        b.verify(chain_id, genesis_hash)
    }
}
