//! What a passed proposal does: member-registry writes at once, or a new validator set that
//! takes effect [`VALIDATOR_SET_DELAY`] blocks later.

use crate::credential::{issuer, issuer_write, IssuerRegistration};
use crate::did::governed::{allocator_write, recover};
use crate::state::member_key;
use crate::{BlockContext, ContractError, StateView};
use zl_types::canonical::canonical_json;
use zl_types::did::Did;
use zl_types::governance::{GovernanceAction, MEMBERS_MAX, VALIDATOR_SET_DELAY};
use zl_types::{CheckedTransaction, Event};
use zl_types::{Member, PublicKey, Role, ValidatorSet};

/// Prefix of pending and past validator sets: `governance/validator_set/` ‖ u64 BE of the first
/// height the set signs; value = JCS of the [`ValidatorSet`] (a bare array). The set of a height
/// is the entry with the greatest key at or below it, or the genesis set if there is none.
pub const VALIDATOR_SET_PREFIX: &[u8] = b"governance/validator_set/";

/// The state key of the validator set that signs from `height` on.
pub fn validator_set_key(height: u64) -> Vec<u8> {
    let mut key = VALIDATOR_SET_PREFIX.to_vec();
    key.extend_from_slice(&height.to_be_bytes());
    key
}

/// The writes of an applied action.
pub(super) struct Applied {
    /// State writes (an empty value removes the key).
    pub(super) writes: Vec<(Vec<u8>, Vec<u8>)>,
    /// Events of the contract the action belongs to (a recovered DID's new version).
    pub(super) events: Vec<Event>,
    /// For a validator action that changed the set: the first height the new set signs.
    pub(super) effective_height: Option<u64>,
}

/// Computes what `action` does on the state of `view` in the block of `ctx`, or why it cannot.
pub(super) fn apply(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    action: &GovernanceAction,
) -> Result<Applied, ContractError> {
    let members = |writes| Applied {
        writes,
        events: Vec::new(),
        effective_height: None,
    };
    match action {
        GovernanceAction::AddMember { member } => {
            if view.member(&member.public_key).is_some() {
                return Err(ContractError::Conflict(format!(
                    "{} is a member already; change it with set_roles or set_transport_key",
                    member.public_key
                )));
            }
            let registry = view.members();
            if registry.len() >= MEMBERS_MAX {
                return Err(ContractError::Conflict(format!(
                    "the registry holds {MEMBERS_MAX} members, its limit; remove one first"
                )));
            }
            check_transport_key_free(&registry, member)?;
            Ok(members(vec![write_member(member)]))
        }
        GovernanceAction::RemoveMember { public_key } => {
            let member = existing(view, public_key)?;
            if latest_validators(ctx, view).find(public_key).is_some() {
                return Err(ContractError::Conflict(format!(
                    "{public_key} is a validator; remove it from the validator set (remove_validator) first"
                )));
            }
            keep_a_governor(view, &member, &[])?;
            Ok(members(vec![(member_key(public_key), Vec::new())]))
        }
        GovernanceAction::SetRoles { public_key, roles } => {
            let mut member = existing(view, public_key)?;
            let validator = latest_validators(ctx, view).find(public_key).is_some();
            if validator && !roles.contains(&Role::Validator) {
                return Err(ContractError::Conflict(format!(
                    "{public_key} is a validator and keeps the Validator role until it is removed from the validator set"
                )));
            }
            keep_a_governor(view, &member, roles)?;
            member.roles.clone_from(roles);
            Ok(members(vec![write_member(&member)]))
        }
        GovernanceAction::SetTransportKey {
            public_key,
            transport_key,
        } => {
            let mut member = existing(view, public_key)?;
            member.transport_key.clone_from(transport_key);
            check_transport_key_free(&view.members(), &member)?;
            Ok(members(vec![write_member(&member)]))
        }
        GovernanceAction::SetValidator { validator } => {
            let key = &validator.public_key;
            let is_validator_member = view
                .member(key)
                .is_some_and(|m| m.roles.contains(&Role::Validator));
            if !is_validator_member {
                return Err(ContractError::Conflict(format!(
                    "{key} is not a member with the Validator role; add it (add_member or set_roles) first"
                )));
            }
            let mut set = latest_validators(ctx, view);
            match set.validators.iter_mut().find(|v| &v.public_key == key) {
                Some(existing) => *existing = validator.clone(),
                None => set.validators.push(validator.clone()),
            }
            change_validators(ctx, view, set)
        }
        GovernanceAction::RemoveValidator { public_key } => {
            let mut set = latest_validators(ctx, view);
            let before = set.validators.len();
            set.validators.retain(|v| &v.public_key != public_key);
            if set.validators.len() == before {
                return Err(ContractError::NotFound(format!(
                    "{public_key} is not in the validator set; see GET /v1/validators"
                )));
            }
            change_validators(ctx, view, set)
        }
        GovernanceAction::RegisterIssuer {
            did,
            credential_types,
            submitters,
        } => {
            let regulatory = (ctx.chain_role == zl_types::ChainRole::Regulatory)
                .then_some(ctx.chain_id.as_str());
            Did::parse(did, regulatory)
                .map_err(|e| ContractError::BadArguments(format!("register_issuer: {did}: {e}")))?;
            if let Some(missing) = submitters.iter().find(|k| view.member(k).is_none()) {
                return Err(ContractError::NotFound(format!(
                    "submitter {missing} is not a member; add it (add_member) first"
                )));
            }
            let registration = IssuerRegistration {
                did: did.clone(),
                credential_types: credential_types.clone(),
                submitters: submitters.clone(),
                registered: ctx.time,
            };
            Ok(members(vec![issuer_write(&registration)]))
        }
        GovernanceAction::RemoveIssuer { did } => {
            if issuer(view, did).is_none() {
                return Err(ContractError::NotFound(format!(
                    "{did} is not a registered issuer; see GET /v1/credentials/issuers/<did>"
                )));
            }
            Ok(members(vec![(
                crate::credential::issuer_key(did),
                Vec::new(),
            )]))
        }
        GovernanceAction::RecoverDid { did, document } => {
            let effects = recover(ctx, view, tx, did, document)?;
            Ok(Applied {
                writes: effects.writes,
                events: effects.events,
                effective_height: None,
            })
        }
        GovernanceAction::SetInvestorAllocator { public_key } => {
            Ok(members(vec![allocator_write(public_key.as_ref())]))
        }
    }
}

/// The newest validator set: one decided earlier in this block, else the next height's.
fn latest_validators(ctx: &BlockContext, view: &dyn StateView) -> ValidatorSet {
    let pending = view.get(&validator_set_key(effective_height(ctx)));
    match pending {
        Some(bytes) => {
            serde_json::from_slice(&bytes).expect("the contract writes validator sets as JSON")
        }
        None => ctx.next_validators.clone(),
    }
}

fn effective_height(ctx: &BlockContext) -> u64 {
    ctx.height.saturating_add(VALIDATOR_SET_DELAY)
}

/// Writes `set` as the set from `H + VALIDATOR_SET_DELAY`, if it is valid and differs.
fn change_validators(
    ctx: &BlockContext,
    view: &dyn StateView,
    set: ValidatorSet,
) -> Result<Applied, ContractError> {
    set.check().map_err(|e| {
        ContractError::Conflict(format!(
            "the validator set after this change would be invalid ({e}); a set keeps 1 to 128 validators and a total power of at most 10,000"
        ))
    })?;
    if set == latest_validators(ctx, view) {
        // Nothing changes: no new set, so light clients have nothing to follow.
        return Ok(Applied {
            writes: Vec::new(),
            events: Vec::new(),
            effective_height: None,
        });
    }
    let height = effective_height(ctx);
    let value = canonical_json(&set).expect("validator sets hold checked strings and integers");
    Ok(Applied {
        writes: vec![(validator_set_key(height), value)],
        events: Vec::new(),
        effective_height: Some(height),
    })
}

fn existing(view: &dyn StateView, key: &PublicKey) -> Result<Member, ContractError> {
    view.member(key).ok_or_else(|| {
        ContractError::NotFound(format!(
            "{key} is not a member; add it with an add_member proposal"
        ))
    })
}

fn write_member(member: &Member) -> (Vec<u8>, Vec<u8>) {
    let value = canonical_json(member).expect("members hold checked strings");
    (member_key(&member.public_key), value)
}

/// Refuses to leave the registry without governors (no proposal could ever pass again):
/// `member` is about to have `roles` (none: removed).
fn keep_a_governor(
    view: &dyn StateView,
    member: &Member,
    roles: &[Role],
) -> Result<(), ContractError> {
    let losing = member.roles.contains(&Role::Governor) && !roles.contains(&Role::Governor);
    if !losing {
        return Ok(());
    }
    let others = view
        .members()
        .iter()
        .filter(|m| m.public_key != member.public_key && m.roles.contains(&Role::Governor))
        .count();
    if others == 0 {
        return Err(ContractError::Conflict(format!(
            "{} is the last governor; give another member the Governor role first",
            member.public_key
        )));
    }
    Ok(())
}

/// A transport key names one node: refuses one another member's node already uses.
fn check_transport_key_free(registry: &[Member], member: &Member) -> Result<(), ContractError> {
    let Some(key) = &member.transport_key else {
        return Ok(());
    };
    let holder = registry
        .iter()
        .find(|m| m.public_key != member.public_key && m.transport_key.as_ref() == Some(key));
    match holder {
        Some(holder) => Err(ContractError::Conflict(format!(
            "transport key {key} is the node key of member {} ({}); give each node its own transport key",
            holder.name, holder.public_key
        ))),
        None => Ok(()),
    }
}
