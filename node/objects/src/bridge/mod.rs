//! The communication bridge (通讯桥) as pure plans: each command of the six JR/T 0317 protocols
//! (docs/BRIDGE.md) becomes, in business order, the data objects it writes (headers filled,
//! bodies nested, references pinned, every check passed, not yet sealed) and the `equity` calls
//! that decide it. The node's bridge seals, stages and submits the plan as one transaction.

mod commands;
mod planner;

pub use planner::{ObjectState, Planner};

use serde_json::Value;
use zl_types::object::{ObjectType, Operation};
use zl_types::Call;

use crate::normalise::Warning;
use crate::Violation;

/// The protocols and their commands, as `(protocol, [commands])`, in the order docs/BRIDGE.md
/// lists them.
pub const COMMANDS: &[(&str, &[&str])] = &[
    ("user_registration", &["subject", "account"]),
    ("asset_registration", &["product", "issue", "increase"]),
    ("fund_mapping", &["deposit", "withdraw"]),
    ("asset_mapping", &["import"]),
    (
        "transfer_management",
        &[
            "transfer",
            "lock",
            "unlock",
            "change",
            "changeboard",
            "recycle",
        ],
    ),
    ("settlement_management", &["settle"]),
    ("supervision", &["publish", "update", "delete"]),
];

/// Holdings one command may list at most (an issue, an import chunk, a board change).
pub const HOLDINGS_MAX: usize = 500;
/// Objects one command may write at most: one transaction carries them all.
pub const PLAN_OBJECTS_MAX: usize = 1_024;

/// What the bridge reads of the chain while planning.
pub trait ChainView {
    /// The object's latest version, type and whether it is deleted; `None` if it does not exist.
    fn object(&self, object_id: &str) -> Option<ObjectState>;
}

/// One object of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedObject {
    /// Where in the request it came from (e.g. `/report`), for messages.
    pub source: String,
    /// Its type.
    pub object_type: ObjectType,
    /// Its id.
    pub object_id: String,
    /// The version it writes.
    pub version: u64,
    /// What it does.
    pub operation: Operation,
    /// The full object, header filled, without a seal.
    pub object: Value,
}

/// What one command does, in business order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The objects written, in order.
    pub objects: Vec<PlannedObject>,
    /// The `equity` calls, in order, after the objects.
    pub equity: Vec<Call>,
    /// Pilot variants normalised on the way (each with the request pointer).
    pub warnings: Vec<Warning>,
}

/// Why a command cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    /// No such protocol or command.
    #[error("no bridge command {0}; docs/BRIDGE.md lists them")]
    UnknownCommand(String),
    /// The request does not have the command's shape.
    #[error("{0}")]
    BadRequest(String),
    /// Objects that fail the data model's checks, each violation with its request pointer.
    #[error("{} violation(s) of the data model: {}", .0.len(), list(.0))]
    Invalid(Vec<Violation>),
    /// The command conflicts with what the chain records (an object that exists already, or
    /// one that does not).
    #[error("{0}")]
    Conflict(String),
}

fn list(violations: &[Violation]) -> String {
    let items: Vec<String> = violations.iter().map(ToString::to_string).collect();
    items.join("; ")
}

/// Plans `protocol`/`command` for `request`, reading the chain through `chain`.
pub fn plan(
    protocol: &str,
    command: &str,
    request: &Value,
    chain: &dyn ChainView,
) -> Result<Plan, BridgeError> {
    let known = COMMANDS
        .iter()
        .any(|(p, cs)| *p == protocol && cs.contains(&command));
    if !known {
        return Err(BridgeError::UnknownCommand(format!("{protocol}/{command}")));
    }
    let mut planner = Planner::new(chain, request)?;
    commands::run(&mut planner, protocol, command, request)?;
    planner.finish()
}
