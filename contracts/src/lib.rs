//! ZhengLian system contracts: deterministic `(block context, state view, transaction) -> effects`.
//!
//! Contracts read the block time from the context, never a clock, and touch no storage:
//! the ledger gives them a [`StateView`] and applies the [`Effects`] they return.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod credential;
pub mod did;
pub mod equity;
pub mod error;
pub mod evidence;
pub mod governance;
pub mod objects;
pub mod state;

pub use error::ContractError;
pub use state::{
    member_key, BlockContext, Effects, NewEvidence, Overlay, StateView, MEMBER_PREFIX,
};

use zl_types::{Call, CheckedTransaction, Role};

/// The stateless check of one call: a known contract and method, and arguments of the right
/// shape within their limits. The API runs it before the mempool, so a call that could never
/// succeed takes no room in a block; execution repeats it.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.contract.as_str() {
        evidence::CONTRACT => evidence::check_call(call),
        governance::CONTRACT => governance::check_call(call),
        did::CONTRACT => did::check_call(call),
        credential::CONTRACT => credential::check_call(call),
        objects::CONTRACT => objects::check_call(call),
        equity::CONTRACT => equity::check_call(call),
        bridge::CONTRACT => bridge::check_call(call),
        other => Err(unknown_contract(other)),
    }
}

fn unknown_contract(name: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "no contract named {name:?}; known contracts: {}, {}, {}, {}, {}, {}, {}",
        evidence::CONTRACT,
        governance::CONTRACT,
        did::CONTRACT,
        credential::CONTRACT,
        objects::CONTRACT,
        equity::CONTRACT,
        bridge::CONTRACT
    ))
}

/// Executes every call of a checked, signature-verified transaction, all or nothing.
/// Later calls see the effects of earlier ones.
pub fn execute_transaction(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
) -> Result<Effects, ContractError> {
    let signer = &tx.transaction.body.signer;
    if view.member(signer).is_none() {
        return Err(ContractError::Unauthorized(format!(
            "{signer} is not a registered member; ask a governor to register the key"
        )));
    }
    let mut overlay = Overlay::new(view);
    for (index, call) in tx.transaction.body.calls.iter().enumerate() {
        let effects = match call.contract.as_str() {
            evidence::CONTRACT => evidence::execute(ctx, &overlay, tx, call),
            governance::CONTRACT => governance::execute(ctx, &overlay, tx, call, index),
            did::CONTRACT => did::execute(ctx, &overlay, tx, call),
            credential::CONTRACT => credential::execute(ctx.time, &overlay, tx, call),
            objects::CONTRACT => objects::execute(ctx, &overlay, tx, call),
            equity::CONTRACT => equity::execute(&overlay, tx, call),
            bridge::CONTRACT => bridge::execute(ctx, &overlay, tx, call),
            other => Err(unknown_contract(other)),
        }
        .map_err(|e| e.in_call(index))?;
        overlay.apply(effects);
    }
    Ok(overlay.into_effects())
}

/// Refuses a signer that is not a member holding `role`.
pub(crate) fn require_role(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    role: Role,
) -> Result<(), ContractError> {
    let signer = &tx.transaction.body.signer;
    match view.member(signer) {
        Some(member) if member.roles.contains(&role) => Ok(()),
        _ => Err(ContractError::Unauthorized(format!(
            "{signer} lacks the {role:?} role; ask a governor to grant it"
        ))),
    }
}

/// A call's arguments as `T`; a mismatch names `<contract>.<method>` and what serde found.
pub(crate) fn parse_args<T: serde::de::DeserializeOwned>(call: &Call) -> Result<T, ContractError> {
    serde_json::from_value(call.args.clone())
        .map_err(|e| ContractError::BadArguments(format!("{}.{}: {e}", call.contract, call.method)))
}
