//! Validator-set changes as a light client follows them: each new set, proven by a header
//! that the set before it signed.

use crate::block::{BlockHeader, CommitCertificate, ValidatorSet};
use crate::{Hash, HashAlgorithm, TypesError};
use serde::{Deserialize, Serialize};

/// A new validator set and the proof that the set before it endorsed it: the header of
/// `height - 1`, whose `next_validator_set_hash` names the new set, and that header's commit
/// certificate, which the set before it signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorSetChange {
    /// The first height the new set signs.
    pub height: u64,
    /// The new set.
    pub validators: ValidatorSet,
    /// The header of `height - 1`.
    pub header: BlockHeader,
    /// The commit certificate of that header.
    pub certificate: CommitCertificate,
}

/// The chain a change is checked against: its id, genesis hash and hash algorithm.
#[derive(Clone, Copy, Debug)]
pub struct ChainContext<'a> {
    /// The chain's id.
    pub chain_id: &'a str,
    /// The chain's genesis hash.
    pub genesis_hash: &'a Hash,
    /// The chain's hash algorithm.
    pub hash_algorithm: HashAlgorithm,
}

impl ValidatorSetChange {
    /// Verifies the change given `previous`, the set that signs `height - 1`: the header is of
    /// that height and this chain and names `previous` as its signers, the certificate commits
    /// the header and verifies against `previous`, and the header's `next_validator_set_hash` is
    /// the hash of the (valid) new set.
    pub fn verify(
        &self,
        previous: &ValidatorSet,
        chain: &ChainContext<'_>,
    ) -> Result<(), TypesError> {
        let invalid = |message: String| Err(TypesError::Invalid(message));
        if self.height < 2 {
            return invalid(format!(
                "it takes effect at height {}, but the genesis set signs height 1 and a change takes effect at height 2 at the earliest",
                self.height
            ));
        }
        if self.header.height != self.height - 1 {
            return invalid(format!(
                "a change taking effect at height {} must carry the header of height {}, not {}",
                self.height,
                self.height - 1,
                self.header.height
            ));
        }
        if self.header.chain_id != chain.chain_id {
            return invalid(format!(
                "its header is of chain {:?}, not {:?}",
                self.header.chain_id, chain.chain_id
            ));
        }
        let set_hash =
            |set: &ValidatorSet| set.hash(chain.hash_algorithm, chain.chain_id, chain.genesis_hash);
        let previous_hash = set_hash(previous);
        if self.header.validator_set_hash != previous_hash {
            return invalid(format!(
                "header {} names signers {}, but the validators before this change hash to {previous_hash} (a change is missing before it)",
                self.header.height, self.header.validator_set_hash
            ));
        }
        let header_hash = self.header.hash(chain.hash_algorithm, chain.genesis_hash);
        let cert = &self.certificate;
        if cert.block_hash != header_hash || cert.height != self.header.height {
            return invalid(format!(
                "header {} hashes to {header_hash} but the certificate commits block {} at height {}",
                self.header.height, cert.block_hash, cert.height
            ));
        }
        cert.verify(previous, chain.chain_id, chain.genesis_hash)?;
        self.validators.check()?;
        let new_hash = set_hash(&self.validators);
        if self.header.next_validator_set_hash != new_hash {
            return invalid(format!(
                "header {} names the next validators {}, but the change's set hashes to {new_hash}",
                self.header.height, self.header.next_validator_set_hash
            ));
        }
        Ok(())
    }
}

/// Follows `changes` (in height order, each verified by the set before it) from `genesis_set`,
/// which signs from height 1, to the set that signs `height`. Returns that set, or the index of
/// the first change that is out of order, above `height`, or does not verify, with the reason.
pub fn follow_changes(
    genesis_set: &ValidatorSet,
    changes: &[ValidatorSetChange],
    height: u64,
    chain: &ChainContext<'_>,
) -> Result<ValidatorSet, (usize, TypesError)> {
    let mut current = genesis_set;
    let mut previous_height = 0;
    for (index, change) in changes.iter().enumerate() {
        if change.height <= previous_height {
            return Err((
                index,
                TypesError::Invalid(format!(
                    "it takes effect at height {}, not after the previous change (height {previous_height}); list changes once each, in height order",
                    change.height
                )),
            ));
        }
        if change.height > height {
            return Err((
                index,
                TypesError::Invalid(format!(
                    "it takes effect at height {}, after the block proven (height {height})",
                    change.height
                )),
            ));
        }
        change.verify(current, chain).map_err(|e| (index, e))?;
        current = &change.validators;
        previous_height = change.height;
    }
    Ok(current.clone())
}
