//! What governance decided, read from the state: validator sets per height, the member
//! registry as a whole, and proposals.
//!
//! The genesis set signs from height 1; governance writes each new set under
//! `governance/validator_set/<first height>`, so the set of a height is the newest entry at or
//! below it. Light clients follow the changes with the header and certificate of the height
//! before each.

use rocksdb::{Direction, IteratorMode};
use std::collections::BTreeMap;
use zl_contracts::governance::{proposal_key, validator_set_key, VALIDATOR_SET_PREFIX};
use zl_types::governance::VALIDATOR_SET_DELAY;
use zl_types::{Hash, Member, Proposal, PublicKey, ValidatorSet, ValidatorSetChange};

use crate::ledger::Ledger;
use crate::store::{decode_json, short_hex};
use crate::tables::{State, MEMBER_PREFIX};
use crate::LedgerError;

impl Ledger {
    /// The validator set that signs `height`, for heights 1 to the tip plus
    /// [`VALIDATOR_SET_DELAY`] (a set decided in the tip block signs from tip + 2).
    pub fn validator_set_at(&self, height: u64) -> Result<ValidatorSet, LedgerError> {
        let known_up_to = self.height() + VALIDATOR_SET_DELAY;
        if height == 0 || height > known_up_to {
            return Err(LedgerError::ValidatorSetUnknown {
                height,
                known_up_to,
            });
        }
        self.stored_validator_set(height)
    }

    /// The set of `height` as the committed state names it, without the tip bound (the state of
    /// the tip knows every set up to tip + 2; above that it answers the newest one).
    pub(crate) fn stored_validator_set(&self, height: u64) -> Result<ValidatorSet, LedgerError> {
        let end = validator_set_key(height);
        let mut entries = self.store.db().iterator_cf(
            self.store.cf::<State>(),
            IteratorMode::From(&end, Direction::Reverse),
        );
        match entries.next() {
            Some(entry) => {
                let (key, value) = entry?;
                if key.starts_with(VALIDATOR_SET_PREFIX) {
                    decode_set(&key, &value).map(|(_, set)| set)
                } else {
                    Ok(self.genesis.validators.clone())
                }
            }
            None => Ok(self.genesis.validators.clone()),
        }
    }

    /// The hash headers name `set` by (§5.2 of PROTOCOL.md).
    pub(crate) fn set_hash(&self, set: &ValidatorSet) -> Hash {
        set.hash(self.alg, &self.genesis.chain_id, &self.genesis_hash)
    }

    /// Every validator-set change taking effect at or below `up_to_height` whose proof is
    /// committed (the header of the height before it), in height order: what a receipt of a
    /// block at `up_to_height` carries so it verifies from the genesis alone.
    pub fn validator_set_changes(
        &self,
        up_to_height: u64,
    ) -> Result<Vec<ValidatorSetChange>, LedgerError> {
        let tip = self.height();
        let mut changes = Vec::new();
        let entries = self.store.db().iterator_cf(
            self.store.cf::<State>(),
            IteratorMode::From(VALIDATOR_SET_PREFIX, Direction::Forward),
        );
        for entry in entries {
            let (key, value) = entry?;
            if !key.starts_with(VALIDATOR_SET_PREFIX) {
                break;
            }
            let (height, validators) = decode_set(&key, &value)?;
            if height > up_to_height || height - 1 > tip {
                break;
            }
            let block = self.block(height - 1)?.ok_or_else(|| {
                LedgerError::Corrupt(format!(
                    "block {}, which proves the validator set of height {height}, is missing",
                    height - 1
                ))
            })?;
            changes.push(ValidatorSetChange {
                height,
                validators,
                header: block.header,
                certificate: block.certificate,
            });
        }
        Ok(changes)
    }

    /// Every member whose node has a transport key, as `(transport key, member)` in state-key
    /// order, as of the tip: whom the peer network lets in.
    pub fn transport_keys(&self) -> Result<Vec<(PublicKey, Member)>, LedgerError> {
        Ok(self
            .members_at_tip()?
            .into_values()
            .filter_map(|member| Some((member.transport_key.clone()?, member)))
            .collect())
    }

    /// The whole member registry as of the tip, in state-key order.
    pub fn members(&self) -> Result<Vec<Member>, LedgerError> {
        Ok(self.members_at_tip()?.into_values().collect())
    }

    /// A governance proposal as of the tip (its stored status; see
    /// [`Proposal::status_at`] for expiry).
    pub fn proposal(&self, id: &Hash) -> Result<Option<Proposal>, LedgerError> {
        self.store.get_json::<State, Proposal>(&proposal_key(id))
    }

    /// The whole member registry as of the tip, by state key.
    pub(crate) fn members_at_tip(&self) -> Result<BTreeMap<Vec<u8>, Member>, LedgerError> {
        let mut members = BTreeMap::new();
        let entries = self.store.db().iterator_cf(
            self.store.cf::<State>(),
            IteratorMode::From(MEMBER_PREFIX, Direction::Forward),
        );
        for entry in entries {
            let (key, value) = entry?;
            if !key.starts_with(MEMBER_PREFIX) {
                break;
            }
            let member: Member = decode_json::<State, Member>(&key, &value)?;
            members.insert(key.to_vec(), member);
        }
        Ok(members)
    }
}

/// Decodes a `governance/validator_set/<height>` entry.
fn decode_set(key: &[u8], value: &[u8]) -> Result<(u64, ValidatorSet), LedgerError> {
    let height = key[VALIDATOR_SET_PREFIX.len()..]
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| {
            LedgerError::Corrupt(format!(
                "the validator-set state key {} does not end in a height",
                short_hex(key)
            ))
        })?;
    let set: ValidatorSet = decode_json::<State, ValidatorSet>(key, value)?;
    // The contract writes only checked sets; a height below 2 would replace the genesis set.
    if height < 2 || set.check().is_err() {
        return Err(LedgerError::Corrupt(format!(
            "the validator set stored for height {height} is not valid"
        )));
    }
    Ok((height, set))
}
