//! The `governance` system contract: governors propose changes to the member registry and the
//! validator set and vote on them; a proposal that passes applies in the transaction that
//! decides it.
//!
//! The committee rule ([`zl_types::governance::decide`]): counting only the members that are
//! governors when the proposal is decided, it passes when more than two thirds of them approve
//! and is rejected when more than one third reject. Proposing counts as the proposer's approval,
//! so a chain with one governor decides at once. A governor may change its vote while the
//! proposal is open (its last vote counts); a vote, even an unchanged one, re-counts the
//! proposal, so one that a change of governors has made decidable is decided by the next vote.
//! A proposal not decided within [`GOVERNANCE_PROPOSAL_TTL_BLOCKS`] expires and takes no votes.

use crate::parse_args;
mod apply;

use crate::{BlockContext, ContractError, Effects, StateView};
use serde_json::json;
use zl_types::canonical::canonical_json;
use zl_types::governance::{
    decide, proposal_id, GovernanceAction, GovernanceVote, Proposal, ProposalStatus, ProposeArgs,
    VoteArgs, GOVERNANCE_CONTRACT, GOVERNANCE_PROPOSAL_TTL_BLOCKS,
};
use zl_types::{Call, CheckedTransaction, Event, Hash, PublicKey, Role};

pub use apply::{validator_set_key, VALIDATOR_SET_PREFIX};

/// The contract's name in calls.
pub const CONTRACT: &str = GOVERNANCE_CONTRACT;

/// Prefix of proposal entries: `governance/proposal/` ‖ the 32 id bytes; value = JCS of the
/// [`Proposal`].
pub const PROPOSAL_PREFIX: &[u8] = b"governance/proposal/";

/// The state key of a proposal.
pub fn proposal_key(id: &Hash) -> Vec<u8> {
    let mut key = PROPOSAL_PREFIX.to_vec();
    key.extend_from_slice(&id.0);
    key
}

/// Runs one call of this contract; `call_index` is the call's position in its transaction
/// (part of a proposal's id).
pub fn execute(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
    call_index: usize,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "propose" => propose(ctx, view, tx, parse_args(call)?, call_index),
        "vote" => vote(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call of this contract: method and argument shape and limits.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    let checked = match call.method.as_str() {
        "propose" => parse_args::<ProposeArgs>(call)?.check(),
        "vote" => parse_args::<VoteArgs>(call)?.check(),
        other => return Err(unknown_method(other)),
    };
    checked.map_err(|e| ContractError::BadArguments(format!("governance.{}: {e}", call.method)))
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "governance has no method {method:?}; use propose or vote"
    ))
}

/// The chain keys of the registry's governors.
fn governors(view: &dyn StateView) -> Vec<PublicKey> {
    view.members()
        .into_iter()
        .filter(|m| m.roles.contains(&Role::Governor))
        .map(|m| m.public_key)
        .collect()
}

fn require_did_authority(view: &dyn StateView, signer: &PublicKey) -> Result<(), ContractError> {
    match view.member(signer) {
        Some(member) if member.roles.contains(&Role::DidAuthority) => Ok(()),
        _ => Err(ContractError::Unauthorized(format!(
            "{signer} lacks the DidAuthority role; only the DID authority proposes a key recovery"
        ))),
    }
}

fn require_governor(view: &dyn StateView, signer: &PublicKey) -> Result<(), ContractError> {
    match view.member(signer) {
        Some(member) if member.roles.contains(&Role::Governor) => Ok(()),
        _ => Err(ContractError::Unauthorized(format!(
            "{signer} lacks the Governor role; only governors propose and vote"
        ))),
    }
}

fn propose(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: ProposeArgs,
    call_index: usize,
) -> Result<Effects, ContractError> {
    let signer = &tx.transaction.body.signer;
    match &args.action {
        // Key recovery is the DID authority's to propose (docs/DID.md §11.2).
        GovernanceAction::RecoverDid { .. } => require_did_authority(view, signer)?,
        _ => require_governor(view, signer)?,
    }
    args.check()
        .map_err(|e| ContractError::BadArguments(format!("governance.propose: {e}")))?;
    check_suite(ctx, &args.action)?;
    // Refuse at once what could not apply now, rather than after the governors voted.
    apply::apply(ctx, view, tx, &args.action)?;
    let index = u32::try_from(call_index).expect("a transaction carries at most 16 calls");
    let id = proposal_id(ctx.hash_algorithm, &tx.id, index);
    if view.get(&proposal_key(&id)).is_some() {
        return Err(ContractError::Conflict(format!(
            "proposal {id} exists already; sign the proposal again (a new salt gives a new id)"
        )));
    }
    let proposal = Proposal {
        id,
        proposer: signer.clone(),
        action: args.action,
        reason: args.reason,
        tx_id: tx.id,
        height: ctx.height,
        expires_after: ctx.height.saturating_add(GOVERNANCE_PROPOSAL_TTL_BLOCKS),
        status: ProposalStatus::Open,
        votes: vec![GovernanceVote {
            governor: signer.clone(),
            approve: true,
            height: ctx.height,
        }],
        decided_at: None,
        effective_height: None,
    };
    let mut effects = Effects::default();
    effects.events.push(event(
        tx,
        "proposed",
        json!({
            "proposal": id,
            "proposer": signer,
            "action": proposal.action,
            "expires_after": proposal.expires_after,
        }),
    ));
    effects.events.push(voted(tx, &id, signer, true));
    decide_and_store(ctx, view, tx, proposal, &mut effects)?;
    Ok(effects)
}

fn vote(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: VoteArgs,
) -> Result<Effects, ContractError> {
    let signer = &tx.transaction.body.signer;
    require_governor(view, signer)?;
    let id = args.proposal;
    let mut proposal = load(view, &id)?;
    match proposal.status_at(ctx.height) {
        ProposalStatus::Open => {}
        ProposalStatus::Expired => {
            return Err(ContractError::Conflict(format!(
                "proposal {id} expired after height {} undecided; propose it again",
                proposal.expires_after
            )))
        }
        decided => {
            return Err(ContractError::Conflict(format!(
                "proposal {id} was decided ({decided:?}) at height {}; votes are closed",
                proposal.decided_at.unwrap_or(proposal.height)
            )))
        }
    }
    let cast = GovernanceVote {
        governor: signer.clone(),
        approve: args.approve,
        height: ctx.height,
    };
    match proposal.votes.iter_mut().find(|v| &v.governor == signer) {
        Some(existing) => *existing = cast,
        None => proposal.votes.push(cast),
    }
    let mut effects = Effects::default();
    effects.events.push(voted(tx, &id, signer, args.approve));
    decide_and_store(ctx, view, tx, proposal, &mut effects)?;
    Ok(effects)
}

/// Counts the votes; on a decision marks the proposal (and, if it passed, applies its action);
/// writes the proposal back.
fn decide_and_store(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    mut proposal: Proposal,
    effects: &mut Effects,
) -> Result<(), ContractError> {
    let governors = governors(view);
    let (approvals, rejections) = proposal.tally(&governors);
    let count = governors.len() as u64;
    let tally = json!({
        "proposal": proposal.id,
        "approvals": approvals,
        "rejections": rejections,
        "governors": count,
    });
    match decide(approvals, rejections, count) {
        None => {}
        Some(ProposalStatus::Rejected) => {
            proposal.status = ProposalStatus::Rejected;
            proposal.decided_at = Some(ctx.height);
            effects.events.push(event(tx, "rejected", tally));
        }
        Some(_) => {
            let applied = apply::apply(ctx, view, tx, &proposal.action).map_err(|e| {
                e.with_context(&format!(
                    "proposal {} has the approvals to pass but its action cannot apply now; \
                     vote to reject it and propose a corrected one",
                    proposal.id
                ))
            })?;
            proposal.status = ProposalStatus::Passed;
            proposal.decided_at = Some(ctx.height);
            proposal.effective_height = applied.effective_height;
            effects.events.push(event(tx, "passed", tally));
            effects.writes.extend(applied.writes);
            effects.events.extend(applied.events);
            effects.events.push(event(
                tx,
                "applied",
                json!({
                    "proposal": proposal.id,
                    "action": proposal.action.kind(),
                    "subject": proposal.action.subject(),
                    "effective_height": applied.effective_height,
                }),
            ));
        }
    }
    let value = canonical_json(&proposal).expect("proposals hold checked strings and integers");
    effects.writes.push((proposal_key(&proposal.id), value));
    Ok(())
}

fn load(view: &dyn StateView, id: &Hash) -> Result<Proposal, ContractError> {
    let bytes = view.get(&proposal_key(id)).ok_or_else(|| {
        ContractError::NotFound(format!(
            "no governance proposal {id}; check the id `zl governance propose` printed"
        ))
    })?;
    Ok(serde_json::from_slice(&bytes).expect("the contract writes proposals as canonical JSON"))
}

/// Every chain key an action names must be of the chain's suite (transport keys are Ed25519
/// on every chain and checked by the action itself).
fn check_suite(ctx: &BlockContext, action: &GovernanceAction) -> Result<(), ContractError> {
    for key in action.keys() {
        if key.suite().hash_algorithm() != ctx.hash_algorithm {
            return Err(ContractError::BadArguments(format!(
                "key {key} is not of this chain's crypto suite; use a key made by `zl keys new --suite <the chain's suite>`"
            )));
        }
    }
    Ok(())
}

fn event(tx: &CheckedTransaction, kind: &str, attributes: serde_json::Value) -> Event {
    Event {
        contract: CONTRACT.into(),
        kind: kind.into(),
        tx_id: tx.id,
        attributes,
    }
}

fn voted(tx: &CheckedTransaction, id: &Hash, governor: &PublicKey, approve: bool) -> Event {
    event(
        tx,
        "voted",
        json!({"proposal": id, "governor": governor, "approve": approve}),
    )
}
