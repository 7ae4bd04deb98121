//! Governed membership: the actions a committee of governors votes on, the calls of the
//! `governance` contract, the proposal record it keeps, and the committee rule.

use crate::block::{Validator, VOTING_POWER_TOTAL_MAX};
use crate::genesis::{check_transport_keys, GENESIS_MEMBERS_MAX};
use crate::{Hash, HashAlgorithm, Member, PublicKey, Role, TypesError};
use serde::{Deserialize, Serialize};

pub use crate::validator_change::ValidatorSetChange;

/// The `governance` contract's name in calls.
pub const GOVERNANCE_CONTRACT: &str = "governance";

/// A validator-set change decided in block `H` takes effect at height `H + VALIDATOR_SET_DELAY`.
///
/// Why a fixed delay of two: the set that signs `H + 1` is then settled before block `H` is even
/// proposed, so the proposer of `H + 1` and every validator know who signs it without waiting for
/// `H`'s results, and a new validator has one whole block to connect and catch up. The header of
/// `H + 1`, signed by the old set, names the new set as its `next_validator_set_hash`: a light
/// client holding only headers and certificates learns each new set from the set before it.
pub const VALIDATOR_SET_DELAY: u64 = 2;

/// Blocks after the one that holds a proposal during which it can still be decided. Blocks come
/// on demand (every 50 ms at most under load), so this is at least about 14 hours and usually
/// days; an expired proposal is simply proposed again.
pub const GOVERNANCE_PROPOSAL_TTL_BLOCKS: u64 = 1_000_000;

/// Members the registry may hold, at most (the genesis limit, kept by governance too).
pub const MEMBERS_MAX: usize = GENESIS_MEMBERS_MAX;

/// Length of a member's or validator's name, in bytes: 1 to this.
pub const NAME_BYTES_MAX: usize = 256;

/// Length of a proposal's reason, in bytes, at most.
pub const REASON_BYTES_MAX: usize = 1024;

/// Domain tag of proposal ids.
pub const PROPOSAL_ID_TAG: &[u8] = b"zhenglian/governance/proposal/v1\n";

/// A change to the member registry or the validator set, as governors propose it. JSON:
/// `{"type": "<snake_case name>", ...fields}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GovernanceAction {
    /// Registers a new member key.
    AddMember {
        /// The member, with its roles and (if it runs a node) its transport key.
        member: Member,
    },
    /// Removes a member key (it may then submit nothing; its past records stay).
    RemoveMember {
        /// The member's chain key.
        public_key: PublicKey,
    },
    /// Replaces a member's roles.
    SetRoles {
        /// The member's chain key.
        public_key: PublicKey,
        /// Its new roles.
        roles: Vec<Role>,
    },
    /// Sets (or, with `null` or no `transport_key`, clears) the Ed25519 transport key of a
    /// member's node.
    SetTransportKey {
        /// The member's chain key.
        public_key: PublicKey,
        /// The node's new transport key; `None` clears it.
        #[serde(default)]
        transport_key: Option<PublicKey>,
    },
    /// Adds a validator, or changes the name and power of one already in the set.
    SetValidator {
        /// The validator; its key must be a member holding the `validator` role.
        validator: Validator,
    },
    /// Removes a validator from the set.
    RemoveValidator {
        /// The validator's chain key.
        public_key: PublicKey,
    },
    /// Registers a credential issuer (JR/T 0325 §9.4), or replaces its registration: the
    /// credential types it may issue and the member keys that register and revoke the status
    /// of its credentials.
    RegisterIssuer {
        /// The issuer's DID.
        did: String,
        /// The credential types (besides `VerifiableCredential`) it may issue.
        credential_types: Vec<String>,
        /// Member keys that submit its credentials' status.
        submitters: Vec<PublicKey>,
    },
    /// Ends an issuer's registration (its credentials' status stays readable).
    RemoveIssuer {
        /// The issuer's DID.
        did: String,
    },
    /// Key recovery for a subject that lost its key: a new version of its document, proposed
    /// by the DID authority and decided by the governors.
    RecoverDid {
        /// The DID.
        did: String,
        /// The new document (its `id` stays the DID).
        document: serde_json::Value,
    },
    /// Sets, or with `null` clears, the key that allocates investor codes (docs/DID.md §11.1).
    SetInvestorAllocator {
        /// The allocator's key.
        #[serde(default)]
        public_key: Option<PublicKey>,
    },
}

/// Credential types one issuer registration may list, at most.
pub const ISSUER_TYPES_MAX: usize = 32;
/// Submitter keys one issuer registration may list, at most.
pub const ISSUER_SUBMITTERS_MAX: usize = 16;
/// Bytes of a credential type name, at most.
pub const CREDENTIAL_TYPE_BYTES_MAX: usize = 64;

impl GovernanceAction {
    /// The action's `type` in JSON, e.g. `add_member`.
    pub fn kind(&self) -> &'static str {
        match self {
            GovernanceAction::AddMember { .. } => "add_member",
            GovernanceAction::RemoveMember { .. } => "remove_member",
            GovernanceAction::SetRoles { .. } => "set_roles",
            GovernanceAction::SetTransportKey { .. } => "set_transport_key",
            GovernanceAction::SetValidator { .. } => "set_validator",
            GovernanceAction::RemoveValidator { .. } => "remove_validator",
            GovernanceAction::RegisterIssuer { .. } => "register_issuer",
            GovernanceAction::RemoveIssuer { .. } => "remove_issuer",
            GovernanceAction::RecoverDid { .. } => "recover_did",
            GovernanceAction::SetInvestorAllocator { .. } => "set_investor_allocator",
        }
    }

    /// The chain key the action is about, if it is about one.
    pub fn subject_key(&self) -> Option<&PublicKey> {
        match self {
            GovernanceAction::AddMember { member } => Some(&member.public_key),
            GovernanceAction::SetValidator { validator } => Some(&validator.public_key),
            GovernanceAction::RemoveMember { public_key }
            | GovernanceAction::SetRoles { public_key, .. }
            | GovernanceAction::SetTransportKey { public_key, .. }
            | GovernanceAction::RemoveValidator { public_key } => Some(public_key),
            GovernanceAction::SetInvestorAllocator { public_key } => public_key.as_ref(),
            GovernanceAction::RegisterIssuer { .. }
            | GovernanceAction::RemoveIssuer { .. }
            | GovernanceAction::RecoverDid { .. } => None,
        }
    }

    /// What the action is about, as text: a chain key or a DID (`null` clears the allocator).
    pub fn subject(&self) -> String {
        match self {
            GovernanceAction::RegisterIssuer { did, .. }
            | GovernanceAction::RemoveIssuer { did }
            | GovernanceAction::RecoverDid { did, .. } => did.clone(),
            other => other
                .subject_key()
                .map_or_else(|| "null".to_string(), PublicKey::to_text),
        }
    }

    /// Every chain key the action names (the contract checks each is of the chain's suite).
    pub fn keys(&self) -> Vec<&PublicKey> {
        match self {
            GovernanceAction::RegisterIssuer { submitters, .. } => submitters.iter().collect(),
            other => other.subject_key().into_iter().collect(),
        }
    }

    /// Whether the action changes the validator set (and so takes effect after
    /// [`VALIDATOR_SET_DELAY`]) rather than the member registry (at once).
    pub fn changes_validators(&self) -> bool {
        matches!(
            self,
            GovernanceAction::SetValidator { .. } | GovernanceAction::RemoveValidator { .. }
        )
    }

    /// The stateless rules: names, distinct roles, registrable keys, Ed25519 transport keys,
    /// powers. The chain's suite and the registry are checked by the contract.
    pub fn check(&self) -> Result<(), TypesError> {
        for key in self.keys() {
            key.check_registrable()?;
        }
        match self {
            GovernanceAction::AddMember { member } => {
                check_name(&member.name, "member")?;
                check_roles(&member.roles)?;
                check_transport_keys(std::slice::from_ref(member))
            }
            GovernanceAction::SetRoles { roles, .. } => check_roles(roles),
            GovernanceAction::SetTransportKey {
                public_key,
                transport_key: Some(transport_key),
            } => {
                let member = Member {
                    name: public_key.to_text(),
                    public_key: public_key.clone(),
                    roles: Vec::new(),
                    transport_key: Some(transport_key.clone()),
                };
                check_transport_keys(&[member])
            }
            GovernanceAction::SetValidator { validator } => {
                check_name(&validator.name, "validator")?;
                if validator.power == 0 || validator.power > VOTING_POWER_TOTAL_MAX {
                    return Err(TypesError::Invalid(format!(
                        "validator power must be 1 to {VOTING_POWER_TOTAL_MAX}, got {}",
                        validator.power
                    )));
                }
                Ok(())
            }
            GovernanceAction::RegisterIssuer {
                did,
                credential_types,
                submitters,
            } => check_issuer(did, credential_types, submitters),
            GovernanceAction::RemoveIssuer { did } | GovernanceAction::RecoverDid { did, .. } => {
                check_did_text(did)
            }
            GovernanceAction::RemoveMember { .. }
            | GovernanceAction::SetTransportKey { .. }
            | GovernanceAction::RemoveValidator { .. }
            | GovernanceAction::SetInvestorAllocator { .. } => Ok(()),
        }
    }
}

/// The shape of a DID (the contract checks it fully against the chain's ids).
fn check_did_text(did: &str) -> Result<(), TypesError> {
    if !did.starts_with(crate::did::DID_PREFIX) || did.len() > crate::did::DID_BYTES_MAX {
        return Err(TypesError::Invalid(format!(
            "{did:?} is not a did:rem DID of at most {} bytes",
            crate::did::DID_BYTES_MAX
        )));
    }
    Ok(())
}

fn check_issuer(did: &str, types: &[String], submitters: &[PublicKey]) -> Result<(), TypesError> {
    check_did_text(did)?;
    if types.is_empty() || types.len() > ISSUER_TYPES_MAX {
        return Err(TypesError::Invalid(format!(
            "an issuer registration lists 1 to {ISSUER_TYPES_MAX} credential types"
        )));
    }
    for (index, name) in types.iter().enumerate() {
        let well_formed = !name.is_empty()
            && name.len() <= CREDENTIAL_TYPE_BYTES_MAX
            && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if !well_formed || name == "VerifiableCredential" || types[..index].contains(name) {
            return Err(TypesError::Invalid(format!(
                "credential type {name:?}: list each specific type once, 1 to {CREDENTIAL_TYPE_BYTES_MAX} ASCII letters and digits (VerifiableCredential is implied)"
            )));
        }
    }
    if submitters.is_empty() || submitters.len() > ISSUER_SUBMITTERS_MAX {
        return Err(TypesError::Invalid(format!(
            "an issuer registration lists 1 to {ISSUER_SUBMITTERS_MAX} submitter keys"
        )));
    }
    Ok(())
}

fn check_name(name: &str, what: &str) -> Result<(), TypesError> {
    if name.is_empty() || name.len() > NAME_BYTES_MAX {
        return Err(TypesError::Invalid(format!(
            "a {what} name is 1 to {NAME_BYTES_MAX} bytes, got {}; name the organisation and its purpose",
            name.len()
        )));
    }
    Ok(())
}

fn check_roles(roles: &[Role]) -> Result<(), TypesError> {
    for (index, role) in roles.iter().enumerate() {
        if roles[..index].contains(role) {
            return Err(TypesError::Invalid(format!(
                "role {role:?} is listed twice; list each role once"
            )));
        }
    }
    Ok(())
}

/// Arguments of `governance.propose`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeArgs {
    /// What the proposal would do.
    pub action: GovernanceAction,
    /// Why, for the other governors.
    #[serde(default)]
    pub reason: String,
}

impl ProposeArgs {
    /// Checks the action and the reason's length.
    pub fn check(&self) -> Result<(), TypesError> {
        if self.reason.len() > REASON_BYTES_MAX {
            return Err(TypesError::Invalid(format!(
                "a reason is at most {REASON_BYTES_MAX} bytes, got {}; shorten it or link to a document",
                self.reason.len()
            )));
        }
        self.action.check()
    }
}

/// Arguments of `governance.vote`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteArgs {
    /// The proposal's id.
    pub proposal: Hash,
    /// `true` to approve, `false` to reject.
    pub approve: bool,
}

impl VoteArgs {
    /// Nothing to check beyond the shape; here so every call's arguments have a `check`.
    pub fn check(&self) -> Result<(), TypesError> {
        Ok(())
    }
}

/// A proposal's id: `H("zhenglian/governance/proposal/v1\n" ‖ tx_id ‖ u32_be(call_index))`,
/// known to the proposer as soon as it signs the transaction.
pub fn proposal_id(alg: HashAlgorithm, tx_id: &Hash, call_index: u32) -> Hash {
    alg.digest_parts(&[PROPOSAL_ID_TAG, &tx_id.0, &call_index.to_be_bytes()])
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Votes are still taken.
    Open,
    /// Approved, and its action applied.
    Passed,
    /// Rejected by more than a third of the governors.
    Rejected,
    /// Not decided within [`GOVERNANCE_PROPOSAL_TTL_BLOCKS`] (never stored: see
    /// [`Proposal::status_at`]).
    Expired,
}

/// One governor's vote; a governor may change it while the proposal is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceVote {
    /// The governor's chain key.
    pub governor: PublicKey,
    /// Approve or reject.
    pub approve: bool,
    /// The height of the block holding the vote (its latest change).
    pub height: u64,
}

/// A proposal as the `governance` contract stores it (canonical JSON under
/// `governance/proposal/<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// Its id ([`proposal_id`]).
    pub id: Hash,
    /// The governor who proposed it.
    pub proposer: PublicKey,
    /// What it does.
    pub action: GovernanceAction,
    /// Why.
    pub reason: String,
    /// The transaction that proposed it.
    pub tx_id: Hash,
    /// The height of the block that holds the proposal.
    pub height: u64,
    /// The last height at which it can be decided.
    pub expires_after: u64,
    /// `open`, `passed` or `rejected` as stored; see [`Proposal::status_at`] for expiry.
    pub status: ProposalStatus,
    /// The votes, in the order first cast (the proposer's approval first).
    pub votes: Vec<GovernanceVote>,
    /// The height of the block that decided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<u64>,
    /// For a validator action that passed: the first height its set signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_height: Option<u64>,
}

impl Proposal {
    /// Its status as of `height`: an open proposal past `expires_after` is expired.
    pub fn status_at(&self, height: u64) -> ProposalStatus {
        match self.status {
            ProposalStatus::Open if height > self.expires_after => ProposalStatus::Expired,
            status => status,
        }
    }

    /// The votes of the keys in `governors` (a vote by a key that is no longer a governor does
    /// not count): (approvals, rejections).
    pub fn tally(&self, governors: &[PublicKey]) -> (u64, u64) {
        let counted = self
            .votes
            .iter()
            .filter(|v| governors.contains(&v.governor));
        counted.fold((0, 0), |(yes, no), vote| {
            if vote.approve {
                (yes + 1, no)
            } else {
                (yes, no + 1)
            }
        })
    }
}

/// The committee rule: with `governors` governors at decision time, a proposal passes when
/// MORE than two thirds approve and is rejected when MORE than one third reject. Both cannot
/// hold at once (approvals + rejections ≤ governors).
pub fn decide(approvals: u64, rejections: u64, governors: u64) -> Option<ProposalStatus> {
    if approvals >= approvals_needed(governors) {
        Some(ProposalStatus::Passed)
    } else if rejections >= rejections_needed(governors) {
        Some(ProposalStatus::Rejected)
    } else {
        None
    }
}

/// Approvals that pass a proposal among `governors`: the least `a` with `3a > 2·governors`.
pub fn approvals_needed(governors: u64) -> u64 {
    governors * 2 / 3 + 1
}

/// Rejections that reject a proposal among `governors`: the least `r` with `3r > governors`.
pub fn rejections_needed(governors: u64) -> u64 {
    governors / 3 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committee_rule_needs_more_than_two_thirds_to_pass_and_a_third_to_reject() {
        // (governors, approvals needed, rejections needed)
        let table = [
            (1, 1, 1),
            (2, 2, 1),
            (3, 3, 2),
            (4, 3, 2),
            (6, 5, 3),
            (7, 5, 3),
        ];
        for (governors, approve, reject) in table {
            assert_eq!(
                approvals_needed(governors),
                approve,
                "{governors} governors"
            );
            assert_eq!(
                rejections_needed(governors),
                reject,
                "{governors} governors"
            );
            assert!(3 * approve > 2 * governors && 3 * (approve - 1) <= 2 * governors);
            assert!(3 * reject > governors && 3 * (reject - 1) <= governors);
        }
        assert_eq!(decide(3, 0, 4), Some(ProposalStatus::Passed));
        assert_eq!(decide(2, 1, 4), None);
        assert_eq!(decide(2, 2, 4), Some(ProposalStatus::Rejected));
    }
}
