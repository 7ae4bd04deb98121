//! The `bridge` system contract: records each bridge command under its idempotency key, with
//! the digest of its request, in the same transaction as the objects and equity calls it makes.
//! A command therefore commits once however often it is retried, through any node; and if the
//! transaction fails, the key is not taken, so the corrected command can be sent again.

use serde::{Deserialize, Serialize};
use serde_json::json;
use zl_types::canonical::canonical_json;
use zl_types::object::valid_object_id;
use zl_types::{Call, CheckedTransaction, Event, Hash, Role};

use crate::{parse_args, require_role, BlockContext, ContractError, Effects, StateView};

/// The contract's name in calls.
pub const CONTRACT: &str = "bridge";
/// Longest idempotency key, in bytes.
pub const KEY_BYTES_MAX: usize = 128;
/// Longest protocol or command name, in bytes.
const NAME_BYTES_MAX: usize = 64;

/// `bridge.record` arguments, and what the state keeps under the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandArgs {
    /// The idempotency key the sending system chose.
    pub key: String,
    /// The JR/T 0317 protocol, e.g. `transfer_management`.
    pub protocol: String,
    /// The command, e.g. `transfer`.
    pub command: String,
    /// SM3 of the request body's bytes, so a key reused for another request is told apart.
    pub request_digest: Hash,
}

/// A recorded command: `bridge/command/<key>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandRecord {
    /// What the call carried.
    #[serde(flatten)]
    pub args: CommandArgs,
    /// The transaction that carried it.
    pub tx_id: Hash,
    /// The block that committed it.
    pub height: u64,
}

/// The state key of a recorded command.
pub fn command_key(key: &str) -> Vec<u8> {
    [b"bridge/command/".as_slice(), key.as_bytes()].concat()
}

/// The command recorded under `key`, if any.
pub fn command(view: &dyn StateView, key: &str) -> Option<CommandRecord> {
    let bytes = view.get(&command_key(key))?;
    // Only this contract writes the key; bytes it cannot read mean a corrupt state.
    Some(serde_json::from_slice(&bytes).expect("bridge command records decode"))
}

/// The stateless check of a call: method, argument shape, key and name limits.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "record" => check_args(&parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// Runs one call of this contract.
pub fn execute(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "record" => record(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

fn record(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: CommandArgs,
) -> Result<Effects, ContractError> {
    check_args(&args)?;
    require_role(view, tx, Role::Submitter)?;
    if let Some(first) = command(view, &args.key) {
        return Err(ContractError::Conflict(format!(
            "idempotency key {:?} was used by transaction {} at height {}; a retry needs no new transaction",
            args.key, first.tx_id, first.height
        )));
    }
    let attributes = json!({"key": args.key, "protocol": args.protocol, "command": args.command});
    let key = command_key(&args.key);
    let stored = CommandRecord {
        args,
        tx_id: tx.id,
        height: ctx.height,
    };
    let value = canonical_json(&stored).map_err(|e| ContractError::BadArguments(e.to_string()))?;
    Ok(Effects {
        writes: vec![(key, value)],
        events: vec![Event {
            contract: CONTRACT.into(),
            kind: "command".into(),
            tx_id: tx.id,
            attributes,
        }],
        ..Effects::default()
    })
}

fn check_args(args: &CommandArgs) -> Result<(), ContractError> {
    if args.key.len() > KEY_BYTES_MAX || !valid_object_id(&args.key) {
        return Err(ContractError::BadArguments(format!(
            "bridge.record: an idempotency key is 1-{KEY_BYTES_MAX} characters of 0-9 A-Z a-z . _ : - starting with a letter or digit"
        )));
    }
    for (what, name) in [("protocol", &args.protocol), ("command", &args.command)] {
        let ok = !name.is_empty()
            && name.len() <= NAME_BYTES_MAX
            && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !ok {
            return Err(ContractError::BadArguments(format!(
                "bridge.record: {what} {name:?} is not a bridge name (a-z and _, at most {NAME_BYTES_MAX})"
            )));
        }
    }
    Ok(())
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!("bridge has no method {method:?}; it has record"))
}
