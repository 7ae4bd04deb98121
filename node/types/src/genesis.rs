//! The genesis file: chain id, role, crypto suite, validator set and the initial member registry.

use crate::block::{ValidatorSet, VALIDATOR_SET_TAG};
use crate::canonical::{canonical_json, domain_bytes};
use crate::{CryptoSuite, Hash, PublicKey, TypesError};
use serde::{Deserialize, Serialize};

/// Domain tag of the genesis hash.
pub const GENESIS_TAG: &str = "zhenglian/genesis/v1";
/// Members a genesis may list.
pub const GENESIS_MEMBERS_MAX: usize = 10_000;
/// Length of a chain id, at most.
pub const CHAIN_ID_LEN_MAX: usize = 64;

/// Which layer of the dual-layer network a chain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainRole {
    /// The regulator's chain (监管链).
    Regulatory,
    /// A regional market's chain (地方业务链).
    LocalBusiness,
}

/// What a member may do on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs a validator node.
    Validator,
    /// Submits transactions (evidence, business records).
    Submitter,
    /// Creates DIDs for identified subjects.
    DidAuthority,
    /// Issues verifiable credentials.
    CredentialIssuer,
    /// Audits the chain.
    Regulator,
    /// Votes on governance proposals.
    Governor,
    /// Submits overwrites of business data objects: governed corrections of recorded versions
    /// (JR/T 0314 §6.5 f), each with its reason in `remark`.
    Corrector,
}

/// A registered member key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The member's name (organisation and purpose), for people.
    pub name: String,
    /// The member's chain key.
    pub public_key: PublicKey,
    /// Its roles.
    pub roles: Vec<Role>,
    /// The Ed25519 transport key of the member's node on the peer network, if it runs one
    /// (libp2p noise authenticates peers with it; the registry binds it to the chain key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_key: Option<PublicKey>,
}

/// The genesis of a chain. Its hash binds every signature made on the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain id, e.g. `shanghai` or `regulatory`.
    pub chain_id: String,
    /// The chain's role in the network.
    pub role: ChainRole,
    /// The crypto suite of the chain's own signatures and hashes.
    pub crypto_suite: CryptoSuite,
    /// Unix milliseconds; the first block's time is later.
    pub genesis_time: u64,
    /// The initial validators.
    pub validators: ValidatorSet,
    /// The initial member registry.
    pub members: Vec<Member>,
}

impl Genesis {
    /// `H(zhenglian/genesis/v1 \n chain_id \n <64 zeros> \n JCS(genesis))` with the suite's hash.
    pub fn hash(&self) -> Hash {
        let body = canonical_json(self).expect("genesis holds only strings and small integers");
        let alg = self.crypto_suite.hash_algorithm();
        alg.digest(&domain_bytes(
            GENESIS_TAG,
            &self.chain_id,
            &Hash::ZERO,
            &body,
        ))
    }

    /// Hash of the genesis validator set, as headers name it.
    pub fn validator_set_hash(&self) -> Hash {
        let alg = self.crypto_suite.hash_algorithm();
        self.validators.hash(alg, &self.chain_id, &self.hash())
    }

    /// Parses and checks a genesis file.
    pub fn from_json(text: &str) -> Result<Genesis, TypesError> {
        let genesis: Genesis = serde_json::from_str(text)
            .map_err(|e| TypesError::Format(format!("genesis file is not valid: {e}")))?;
        genesis.check()?;
        Ok(genesis)
    }

    /// Checks the rules: chain id, suites of all keys, validator set, distinct members.
    pub fn check(&self) -> Result<(), TypesError> {
        check_chain_id(&self.chain_id)?;
        self.validators.check()?;
        let suite = self.crypto_suite;
        let keys = self.validators.validators.iter().map(|v| &v.public_key);
        for key in keys.chain(self.members.iter().map(|m| &m.public_key)) {
            key.check_registrable()?;
            if key.suite() != suite {
                return Err(TypesError::Invalid(format!(
                    "key {key} is not of the chain's suite {}; generate keys with --suite {}",
                    suite.name(),
                    suite.name()
                )));
            }
        }
        if self.members.len() > GENESIS_MEMBERS_MAX {
            return Err(TypesError::Invalid(format!(
                "more than {GENESIS_MEMBERS_MAX} genesis members"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for member in &self.members {
            if !seen.insert(member.public_key.to_bytes()) {
                return Err(TypesError::Invalid(format!(
                    "member key {} listed twice",
                    member.public_key
                )));
            }
        }
        check_transport_keys(&self.members)
    }

    /// The member whose node authenticates with this transport key, if any.
    pub fn member_by_transport_key(&self, key: &PublicKey) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.transport_key.as_ref() == Some(key))
    }

    /// The member holding `key`, if registered.
    pub fn member(&self, key: &PublicKey) -> Option<&Member> {
        self.members.iter().find(|m| &m.public_key == key)
    }
}

/// Transport keys are Ed25519 on every chain (libp2p noise has no SM2) and name one node each.
pub fn check_transport_keys(members: &[Member]) -> Result<(), TypesError> {
    let mut seen = std::collections::HashSet::new();
    for member in members {
        let Some(key) = &member.transport_key else {
            continue;
        };
        if key.suite() != CryptoSuite::Ed25519 {
            return Err(TypesError::Invalid(format!(
                "transport key of {} must be ed25519 (the peer network authenticates with Ed25519 on every chain)",
                member.name
            )));
        }
        key.check_registrable()?;
        if !seen.insert(key.to_bytes()) {
            return Err(TypesError::Invalid(format!(
                "transport key {key} is bound to two members"
            )));
        }
    }
    Ok(())
}

/// Chain ids are 1 to 64 characters of `a-z`, `0-9`, `-` and `_`, starting with a letter.
pub fn check_chain_id(chain_id: &str) -> Result<(), TypesError> {
    let ok = !chain_id.is_empty()
        && chain_id.len() <= CHAIN_ID_LEN_MAX
        && chain_id.starts_with(|c: char| c.is_ascii_lowercase())
        && chain_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(TypesError::Invalid(format!(
            "chain id {chain_id:?} must be 1-{CHAIN_ID_LEN_MAX} characters of a-z, 0-9, '-', '_', starting with a letter"
        )))
    }
}

// The validator-set tag is shared with block.rs; keep the genesis hash independent of it.
const _: () = assert!(!GENESIS_TAG.is_empty() && !VALIDATOR_SET_TAG.is_empty());
