//! The consensus state of one committed height (JR/T 0314 §7.4, 共识状态): the header with its
//! state and transaction roots, the validator set that signed it, who voted and their precommit
//! signatures, and the exact bytes they signed, so an outsider checks it with PROTOCOL.md alone.

use crate::block::{BlockHeader, CommitCertificate, CommitSignature, ValidatorSet};
use crate::genesis::Genesis;
use crate::transaction::ChainBinding;
use crate::{Hash, HashAlgorithm, PublicKey, Signature, TypesError};
use serde::{Deserialize, Serialize};

/// The value of a consensus state's `format` field.
pub const CONSENSUS_STATE_FORMAT: &str = "zhenglian-consensus-state/v1";

/// One validator of the height and its part in the commit (投票信息).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorVote {
    /// The validator's chain key (共识节点公钥).
    pub validator: PublicKey,
    /// Whether its precommit for the block is in the commit certificate (参与投票).
    pub voted: bool,
    /// Its signature over `signed_data` (共识节点签名), `null` when it did not vote.
    pub signature: Option<Signature>,
}

/// The consensus state of a committed height, as the regulatory chain consumes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsensusState {
    /// Always [`CONSENSUS_STATE_FORMAT`].
    pub format: String,
    /// The chain's id (区块链网络标识).
    pub chain_id: String,
    /// The chain's genesis hash, which every signature binds.
    pub genesis_hash: Hash,
    /// The height (区块高度).
    pub height: u64,
    /// The header's hash (区块哈希).
    pub block_hash: Hash,
    /// The header's state root (状态根).
    pub state_root: Hash,
    /// The header's transaction root (交易根).
    pub transaction_root: Hash,
    /// The header, carrying these roots and the others.
    pub header: BlockHeader,
    /// Hash of `validators`; the header's `validator_set_hash`.
    pub validator_set_hash: Hash,
    /// The validators of the height with their powers (共识节点的公钥集).
    pub validators: ValidatorSet,
    /// The round in which the block was committed.
    pub round: u64,
    /// The precommit signing bytes every signature is over (签名数据), hex in JSON.
    #[serde(with = "hex_bytes")]
    pub signed_data: Vec<u8>,
    /// One entry per validator, in set order (参与投票的共识节点列表, 共识节点签名列表).
    pub votes: Vec<ValidatorVote>,
}

impl ConsensusState {
    /// The consensus state of a committed block: its header and hash, its commit certificate,
    /// and the validator set that signed it. Refuses parts that do not belong together.
    pub fn build(
        header: &BlockHeader,
        block_hash: Hash,
        certificate: &CommitCertificate,
        validators: &ValidatorSet,
        alg: HashAlgorithm,
        genesis_hash: &Hash,
    ) -> Result<ConsensusState, TypesError> {
        if certificate.block_hash != block_hash || certificate.height != header.height {
            return Err(TypesError::Invalid(format!(
                "the certificate commits block {} at height {}, not block {block_hash} at height {}",
                certificate.block_hash, certificate.height, header.height
            )));
        }
        if let Some(stranger) = certificate
            .signatures
            .iter()
            .find(|s| validators.find(&s.validator).is_none())
        {
            return Err(TypesError::Invalid(format!(
                "the certificate is signed by {}, which is not in the validator set given; pass the set of height {}",
                stranger.validator, header.height
            )));
        }
        let votes = validators
            .validators
            .iter()
            .map(|v| {
                let signature = certificate
                    .signatures
                    .iter()
                    .find(|s| s.validator == v.public_key)
                    .map(|s| s.signature);
                ValidatorVote {
                    validator: v.public_key.clone(),
                    voted: signature.is_some(),
                    signature,
                }
            })
            .collect();
        let chain_id = header.chain_id.clone();
        Ok(ConsensusState {
            format: CONSENSUS_STATE_FORMAT.into(),
            genesis_hash: *genesis_hash,
            height: header.height,
            block_hash,
            state_root: header.state_root,
            transaction_root: header.transaction_root,
            validator_set_hash: validators.hash(alg, &chain_id, genesis_hash),
            validators: validators.clone(),
            round: certificate.round,
            signed_data: certificate.vote().signing_bytes(&chain_id, genesis_hash),
            votes,
            header: header.clone(),
            chain_id,
        })
    }

    /// The commit certificate the votes make: the signatures of those who voted, in set order.
    pub fn certificate(&self) -> CommitCertificate {
        CommitCertificate {
            height: self.height,
            round: self.round,
            block_hash: self.block_hash,
            signatures: self
                .votes
                .iter()
                .filter_map(|v| {
                    v.signature.map(|signature| CommitSignature {
                        validator: v.validator.clone(),
                        signature,
                    })
                })
                .collect(),
        }
    }

    /// Checks the state against a chain and the validator set the verifier trusts for this
    /// height: the header hashes to `block_hash`, the roots are the header's, the set is the
    /// trusted one and the header's, `signed_data` is the precommit of this block, and the
    /// signatures of more than two thirds of the power verify over it.
    pub fn verify(
        &self,
        trusted: &ValidatorSet,
        chain: &ChainBinding<'_>,
    ) -> Result<(), TypesError> {
        self.check_chain(chain)?;
        self.check_header(chain)?;
        self.check_validators(trusted, chain)?;
        let expected = self
            .certificate()
            .vote()
            .signing_bytes(chain.chain_id, chain.genesis_hash);
        if self.signed_data != expected {
            return Err(TypesError::Invalid(format!(
                "signed_data is not the precommit of block {} at height {} round {} on this chain (PROTOCOL.md §9.1); the state was altered",
                self.block_hash, self.height, self.round
            )));
        }
        self.certificate()
            .verify(trusted, chain.chain_id, chain.genesis_hash)
    }

    /// [`ConsensusState::verify`] for a height signed by the genesis validator set.
    pub fn verify_with_genesis(&self, genesis: &Genesis) -> Result<(), TypesError> {
        let genesis_hash = genesis.hash();
        let chain = ChainBinding {
            chain_id: &genesis.chain_id,
            genesis_hash: &genesis_hash,
            hash_algorithm: genesis.crypto_suite.hash_algorithm(),
        };
        self.verify(&genesis.validators, &chain)
    }

    fn check_chain(&self, chain: &ChainBinding<'_>) -> Result<(), TypesError> {
        if self.format != CONSENSUS_STATE_FORMAT {
            return Err(TypesError::Format(format!(
                "format is {:?}, expected {CONSENSUS_STATE_FORMAT:?}",
                self.format
            )));
        }
        if self.chain_id != chain.chain_id || self.genesis_hash != *chain.genesis_hash {
            return Err(TypesError::Invalid(format!(
                "the state is of chain {:?} with genesis {}, not chain {:?} with genesis {}; ask that chain's nodes",
                self.chain_id, self.genesis_hash, chain.chain_id, chain.genesis_hash
            )));
        }
        Ok(())
    }

    fn check_header(&self, chain: &ChainBinding<'_>) -> Result<(), TypesError> {
        let header = &self.header;
        if header.chain_id != self.chain_id || header.height != self.height {
            return Err(TypesError::Invalid(format!(
                "the header is of chain {:?} height {}, the state of chain {:?} height {}",
                header.chain_id, header.height, self.chain_id, self.height
            )));
        }
        let hash = header.hash(chain.hash_algorithm, chain.genesis_hash);
        if hash != self.block_hash {
            return Err(TypesError::Invalid(format!(
                "the header hashes to {hash}, not to block_hash {}; the state was altered",
                self.block_hash
            )));
        }
        if self.state_root != header.state_root || self.transaction_root != header.transaction_root
        {
            return Err(TypesError::Invalid(
                "state_root or transaction_root differ from the header's; the state was altered"
                    .into(),
            ));
        }
        Ok(())
    }

    fn check_validators(
        &self,
        trusted: &ValidatorSet,
        chain: &ChainBinding<'_>,
    ) -> Result<(), TypesError> {
        let trusted_hash = trusted.hash(chain.hash_algorithm, chain.chain_id, chain.genesis_hash);
        if self.validators != *trusted || self.validator_set_hash != trusted_hash {
            return Err(TypesError::Invalid(format!(
                "the state names validator set {}, the set you trust for height {} hashes to {trusted_hash}; check the set against the chain's validator-set changes",
                self.validator_set_hash, self.height
            )));
        }
        if self.header.validator_set_hash != trusted_hash {
            return Err(TypesError::Invalid(format!(
                "the header names validator set {}, not the trusted set {trusted_hash}",
                self.header.validator_set_hash
            )));
        }
        let in_order = self.votes.len() == trusted.validators.len()
            && self
                .votes
                .iter()
                .zip(&trusted.validators)
                .all(|(vote, v)| vote.validator == v.public_key);
        if !in_order {
            return Err(TypesError::Invalid(
                "votes must list every validator once, in set order".into(),
            ));
        }
        if let Some(vote) = self.votes.iter().find(|v| v.voted != v.signature.is_some()) {
            return Err(TypesError::Invalid(format!(
                "{} is marked voted = {} but has {} signature",
                vote.validator,
                vote.voted,
                if vote.signature.is_some() { "a" } else { "no" }
            )));
        }
        Ok(())
    }
}

/// Bytes as lowercase hex in JSON (either case accepted when parsing).
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(&text).map_err(|_| serde::de::Error::custom("expected bytes as hex"))
    }
}

#[cfg(test)]
#[path = "consensus_state_tests.rs"]
mod tests;
