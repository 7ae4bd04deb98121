//! Block headers, validator sets, votes and commit certificates.

use crate::canonical::{canonical_json, domain_bytes};
use crate::{Hash, HashAlgorithm, PublicKey, SecretKey, Signature, TypesError};
use serde::{Deserialize, Serialize};

/// Domain tag of the header hash.
pub const HEADER_TAG: &str = "zhenglian/header/v1";
/// Domain tag of the validator-set hash.
pub const VALIDATOR_SET_TAG: &str = "zhenglian/validator-set/v1";
/// Domain tag of vote signing bytes.
pub const VOTE_TAG: &str = "zhenglian/vote/v1";
/// A block's encoded size, at most (JR/T 0314 §7.3).
pub const BLOCK_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Validators one set may hold.
pub const VALIDATORS_MAX: usize = 128;
/// Total voting power of a set, at most: the proposer schedule has one slot per unit of power.
pub const VOTING_POWER_TOTAL_MAX: u64 = 10_000;

/// A block header. It commits to the results of its own block: a block is executed before it is committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockHeader {
    /// The chain's id.
    pub chain_id: String,
    /// Height, 1 for the first block after genesis.
    pub height: u64,
    /// Block time: Unix milliseconds, strictly greater than the previous block's.
    pub time: u64,
    /// Hash of the previous header (the genesis hash for height 1).
    pub previous_hash: Hash,
    /// Merkle root of the transaction outcomes (`id ‖ status`) in block order.
    pub transaction_root: Hash,
    /// Merkle root of the events (JCS of each event) in block order.
    pub event_root: Hash,
    /// Merkle root of the data objects written in the block (empty until data objects exist).
    pub object_root: Hash,
    /// Commitment to the state after this block (see PROTOCOL.md, state root).
    pub state_root: Hash,
    /// Root of the evidence log after this block.
    pub evidence_log_root: Hash,
    /// Number of records in the evidence log after this block.
    pub evidence_log_size: u64,
    /// Hash of the validator set that signs this block.
    pub validator_set_hash: Hash,
    /// Hash of the validator set that signs the next block.
    pub next_validator_set_hash: Hash,
    /// The proposer's public key.
    pub proposer: PublicKey,
    /// Number of transactions in the block.
    pub transaction_count: u64,
}

impl BlockHeader {
    /// `H(zhenglian/header/v1 \n chain_id \n genesis_hash_hex \n JCS(header))`.
    pub fn hash(&self, alg: HashAlgorithm, genesis_hash: &Hash) -> Hash {
        let body = canonical_json(self).expect("headers hold only strings and small integers");
        alg.digest(&domain_bytes(
            HEADER_TAG,
            &self.chain_id,
            genesis_hash,
            &body,
        ))
    }
}

/// One validator and its voting power.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// A human name (the operator organisation's node name).
    pub name: String,
    /// The validator's chain key.
    pub public_key: PublicKey,
    /// Voting power, at least 1.
    pub power: u64,
}

/// An ordered set of validators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidatorSet {
    /// The validators in their canonical order.
    pub validators: Vec<Validator>,
}

impl ValidatorSet {
    /// Checks the set: 1 to 128 validators, distinct keys, power at least 1, total at most 10,000.
    pub fn check(&self) -> Result<(), TypesError> {
        let n = self.validators.len();
        if n == 0 || n > VALIDATORS_MAX {
            return Err(TypesError::Invalid(format!(
                "a validator set holds 1 to {VALIDATORS_MAX} validators, this one {n}"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for v in &self.validators {
            if v.power == 0 {
                return Err(TypesError::Invalid(format!(
                    "validator {} has power 0",
                    v.name
                )));
            }
            if !seen.insert(v.public_key.to_bytes()) {
                return Err(TypesError::Invalid(format!(
                    "validator key {} appears twice",
                    v.public_key
                )));
            }
        }
        if self.total_power() > VOTING_POWER_TOTAL_MAX {
            return Err(TypesError::Invalid(format!(
                "total voting power {} exceeds {VOTING_POWER_TOTAL_MAX}; use small relative powers",
                self.total_power()
            )));
        }
        Ok(())
    }

    /// Sum of the powers.
    pub fn total_power(&self) -> u64 {
        self.validators
            .iter()
            .map(|v| v.power)
            .fold(0u64, u64::saturating_add)
    }

    /// `H(zhenglian/validator-set/v1 \n chain_id \n genesis_hash_hex \n JCS(validators))`;
    /// the genesis hash is the all-zero hash while the genesis itself is hashed.
    pub fn hash(&self, alg: HashAlgorithm, chain_id: &str, genesis_hash: &Hash) -> Hash {
        let body =
            canonical_json(self).expect("validator sets hold only strings and small integers");
        alg.digest(&domain_bytes(
            VALIDATOR_SET_TAG,
            chain_id,
            genesis_hash,
            &body,
        ))
    }

    /// The validator with this key, if any.
    pub fn find(&self, key: &PublicKey) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.public_key == key)
    }
}

/// The two vote kinds of Tendermint-style consensus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoteKind {
    /// First-round vote.
    Prevote,
    /// Second-round vote; 2f+1 of them commit a block.
    Precommit,
}

/// The signed content of a vote. `block_hash` is `None` for a nil vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteContent {
    /// Prevote or precommit.
    pub kind: VoteKind,
    /// Height voted on.
    pub height: u64,
    /// Round voted in.
    pub round: u64,
    /// The block voted for, or null.
    pub block_hash: Option<Hash>,
}

impl VoteContent {
    /// `zhenglian/vote/v1 \n chain_id \n genesis_hash_hex \n JCS(vote)`.
    pub fn signing_bytes(&self, chain_id: &str, genesis_hash: &Hash) -> Vec<u8> {
        let body = canonical_json(self).expect("votes hold only strings and small integers");
        domain_bytes(VOTE_TAG, chain_id, genesis_hash, &body)
    }
}

/// One validator's precommit signature inside a commit certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitSignature {
    /// The validator's key.
    pub validator: PublicKey,
    /// Its signature over the precommit for the certificate's block.
    pub signature: Signature,
}

/// The precommit signatures of more than two thirds of the voting power on one block:
/// with the validator set, it makes the header final for anyone, offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitCertificate {
    /// The committed height.
    pub height: u64,
    /// The round in which it was committed.
    pub round: u64,
    /// The committed header's hash.
    pub block_hash: Hash,
    /// The precommit signatures.
    pub signatures: Vec<CommitSignature>,
}

impl CommitCertificate {
    /// The precommit these signatures sign.
    pub fn vote(&self) -> VoteContent {
        VoteContent {
            kind: VoteKind::Precommit,
            height: self.height,
            round: self.round,
            block_hash: Some(self.block_hash),
        }
    }

    /// Signs a one-signature certificate (used by each validator; more are appended by consensus).
    pub fn sign(
        height: u64,
        round: u64,
        block_hash: Hash,
        key: &SecretKey,
        chain_id: &str,
        genesis_hash: &Hash,
    ) -> CommitCertificate {
        let mut cert = CommitCertificate {
            height,
            round,
            block_hash,
            signatures: Vec::new(),
        };
        let signature = key.sign(&cert.vote().signing_bytes(chain_id, genesis_hash));
        cert.signatures.push(CommitSignature {
            validator: key.public_key(),
            signature,
        });
        cert
    }

    /// Checks that validators of `set` holding more than 2/3 of its power signed this block.
    pub fn verify(
        &self,
        set: &ValidatorSet,
        chain_id: &str,
        genesis_hash: &Hash,
    ) -> Result<(), TypesError> {
        let message = self.vote().signing_bytes(chain_id, genesis_hash);
        let mut seen = std::collections::HashSet::new();
        let mut power = 0u64;
        for entry in &self.signatures {
            let validator = set.find(&entry.validator).ok_or_else(|| {
                TypesError::Signature(format!(
                    "certificate signed by {}, which is not in the validator set",
                    entry.validator
                ))
            })?;
            if !seen.insert(entry.validator.to_bytes()) {
                return Err(TypesError::Signature(format!(
                    "{} signed the certificate twice",
                    entry.validator
                )));
            }
            entry
                .validator
                .verify(&message, &entry.signature)
                .map_err(|_| {
                    TypesError::Signature(format!(
                    "precommit signature of {} does not verify for this chain, height and block",
                    entry.validator
                ))
                })?;
            power += validator.power;
        }
        let total = set.total_power();
        if power.saturating_mul(3) <= total.saturating_mul(2) {
            return Err(TypesError::Signature(format!(
                "certificate carries {power} of {total} voting power; more than two thirds is needed"
            )));
        }
        Ok(())
    }
}
