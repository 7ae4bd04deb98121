//! The `equity` system contract: the business state decided on chain (DESIGN §9) — holdings per
//! product and account in four buckets, balances mapped from the custodian bank, product
//! totals — and settlement as delivery versus payment, both legs in one call or neither.
//!
//! Products and accounts are named by the object ids of their data-model objects. Quantities
//! (share units) and amounts (fen) are integers; every balance stays within the chain's JSON
//! integers, so each can travel in a call, an event or a receipt exactly.

mod keys;
mod methods;
mod settle;

pub use keys::{fund_key, holding_key, holding_prefix, product_key, PREFIX};

use serde::{Deserialize, Serialize};
use zl_types::canonical::{canonical_json, JSON_INTEGER_MAX};
use zl_types::object::{valid_object_id, OBJECT_ID_MAX};
use zl_types::{Call, CheckedTransaction, Role};

use crate::{parse_args, require_role, ContractError, Effects, StateView};

/// The contract's name in calls.
pub const CONTRACT: &str = "equity";

/// Longest product or account id: they are data-model object ids (JR/T 0314 table 1).
pub const ID_BYTES_MAX: usize = OBJECT_ID_MAX;

/// Largest quantity in a call and largest product total, in share units: the chain's JSON
/// carries integers up to 2^53 - 1 (PROTOCOL §3), and every holding is part of its total.
pub const QUANTITY_MAX: u64 = JSON_INTEGER_MAX;

/// Largest amount in a call and largest fund balance, in fen, for the same reason.
pub const AMOUNT_FEN_MAX: u64 = JSON_INTEGER_MAX;

/// A registered product: `equity/product/<product>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Units issued and not recycled: the sum of every bucket of every holding.
    pub total: u64,
    /// Accounts whose holding (all four buckets) is not zero.
    pub holders: u64,
}

/// One account's holding of one product: `equity/holding/<product>\0<account>`. Absent means
/// all zero; the contract removes the entry when all four buckets reach zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    /// Units the account may transfer, settle, restrict or have recycled.
    pub available: u64,
    /// Units locked (e.g. a lock-up period).
    pub locked: u64,
    /// Units frozen (e.g. by a judicial order).
    pub frozen: u64,
    /// Units pledged as collateral.
    pub pledged: u64,
}

impl Holding {
    /// Whether every bucket is zero: the account is no holder.
    pub fn is_empty(&self) -> bool {
        *self == Holding::default()
    }

    /// The units in a restricted bucket.
    pub fn bucket(&self, kind: Restriction) -> u64 {
        match kind {
            Restriction::Locked => self.locked,
            Restriction::Frozen => self.frozen,
            Restriction::Pledged => self.pledged,
        }
    }

    fn bucket_mut(&mut self, kind: Restriction) -> &mut u64 {
        match kind {
            Restriction::Locked => &mut self.locked,
            Restriction::Frozen => &mut self.frozen,
            Restriction::Pledged => &mut self.pledged,
        }
    }
}

/// An account's balance mapped from the custodian bank, in fen: `equity/fund/<account>`.
/// Absent means zero; the contract removes the entry when both reach zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fund {
    /// Fen the account may pay with or withdraw.
    pub available: u64,
    /// Fen set aside; no method moves them yet.
    pub locked: u64,
}

/// A restricted bucket of a holding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Restriction {
    /// [`Holding::locked`].
    Locked,
    /// [`Holding::frozen`].
    Frozen,
    /// [`Holding::pledged`].
    Pledged,
}

impl Restriction {
    /// The bucket's name in calls and events.
    pub fn name(self) -> &'static str {
        match self {
            Restriction::Locked => "locked",
            Restriction::Frozen => "frozen",
            Restriction::Pledged => "pledged",
        }
    }
}

/// `equity.register_product` arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductArgs {
    /// The product's object id.
    pub product: String,
}

/// `equity.issue` and `equity.recycle` arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantityArgs {
    /// The product's object id.
    pub product: String,
    /// The account's object id.
    pub account: String,
    /// Share units, > 0.
    pub quantity: u64,
}

/// `equity.transfer` arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferArgs {
    /// The product's object id.
    pub product: String,
    /// The giving account.
    pub from: String,
    /// The receiving account, not `from`.
    pub to: String,
    /// Share units, > 0.
    pub quantity: u64,
}

/// `equity.restrict` and `equity.release` arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictArgs {
    /// The product's object id.
    pub product: String,
    /// The account's object id.
    pub account: String,
    /// Share units, > 0.
    pub quantity: u64,
    /// The bucket restricted or released.
    pub kind: Restriction,
}

/// `equity.fund_deposit` and `equity.fund_withdraw` arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundArgs {
    /// The account's object id.
    pub account: String,
    /// Fen, > 0.
    pub amount: u64,
}

/// `equity.settle` arguments: `quantity` units go seller → buyer, `amount` fen buyer → seller.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleArgs {
    /// The product's object id.
    pub product: String,
    /// The delivering account.
    pub seller: String,
    /// The paying account, not `seller`.
    pub buyer: String,
    /// Share units, > 0.
    pub quantity: u64,
    /// Fen, > 0.
    pub amount: u64,
}

/// Runs one call of this contract.
pub fn execute(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    // Execution repeats the stateless check: a call may reach it without the API's admission.
    check_call(call)?;
    require_role(view, tx, Role::Submitter)?;
    match call.method.as_str() {
        "register_product" => methods::register_product(view, tx, parse_args(call)?),
        "issue" => methods::issue(view, tx, parse_args(call)?),
        "recycle" => methods::recycle(view, tx, parse_args(call)?),
        "transfer" => methods::transfer(view, tx, parse_args(call)?),
        "restrict" => methods::restrict_or_release(view, tx, parse_args(call)?, true),
        "release" => methods::restrict_or_release(view, tx, parse_args(call)?, false),
        "fund_deposit" => methods::fund_deposit(view, tx, parse_args(call)?),
        "fund_withdraw" => methods::fund_withdraw(view, tx, parse_args(call)?),
        "settle" => settle::settle(view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call: a known method, arguments of its shape, ids that are object
/// ids, quantities and amounts within 1..=their maximum, and two distinct parties.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    let what = format!("{CONTRACT}.{}", call.method);
    match call.method.as_str() {
        "register_product" => {
            let args: ProductArgs = parse_args(call)?;
            check_id(&what, "product", &args.product)
        }
        "issue" | "recycle" => {
            let args: QuantityArgs = parse_args(call)?;
            check_id(&what, "product", &args.product)?;
            check_id(&what, "account", &args.account)?;
            check_units(&what, "quantity", args.quantity, QUANTITY_MAX)
        }
        "transfer" => {
            let args: TransferArgs = parse_args(call)?;
            check_id(&what, "product", &args.product)?;
            check_parties(&what, ("from", &args.from), ("to", &args.to))?;
            check_units(&what, "quantity", args.quantity, QUANTITY_MAX)
        }
        "restrict" | "release" => {
            let args: RestrictArgs = parse_args(call)?;
            check_id(&what, "product", &args.product)?;
            check_id(&what, "account", &args.account)?;
            check_units(&what, "quantity", args.quantity, QUANTITY_MAX)
        }
        "fund_deposit" | "fund_withdraw" => {
            let args: FundArgs = parse_args(call)?;
            check_id(&what, "account", &args.account)?;
            check_units(&what, "amount", args.amount, AMOUNT_FEN_MAX)
        }
        "settle" => {
            let args: SettleArgs = parse_args(call)?;
            check_id(&what, "product", &args.product)?;
            check_parties(&what, ("seller", &args.seller), ("buyer", &args.buyer))?;
            check_units(&what, "quantity", args.quantity, QUANTITY_MAX)?;
            check_units(&what, "amount", args.amount, AMOUNT_FEN_MAX)
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "equity has no method {method:?}; use register_product, issue, recycle, transfer, \
         restrict, release, fund_deposit, fund_withdraw or settle"
    ))
}

/// Ids are object ids, which also keeps 0x00 (the holding key's separator) out of them.
fn check_id(what: &str, field: &str, id: &str) -> Result<(), ContractError> {
    if valid_object_id(id) {
        return Ok(());
    }
    Err(ContractError::BadArguments(format!(
        "{what}: {field} {id:?} is not an object id: give 1 to {ID_BYTES_MAX} bytes of \
         [0-9A-Za-z._:-], starting with a letter or digit"
    )))
}

fn check_parties(
    what: &str,
    (one_field, one): (&str, &str),
    (other_field, other): (&str, &str),
) -> Result<(), ContractError> {
    check_id(what, one_field, one)?;
    check_id(what, other_field, other)?;
    if one == other {
        return Err(ContractError::BadArguments(format!(
            "{what}: {one_field} and {other_field} are both {one}; name two different accounts"
        )));
    }
    Ok(())
}

fn check_units(what: &str, field: &str, value: u64, max: u64) -> Result<(), ContractError> {
    if value == 0 || value > max {
        return Err(ContractError::BadArguments(format!(
            "{what}: {field} must be 1 to {max}, not {value}"
        )));
    }
    Ok(())
}

/// A product's totals; `None` if it was never registered.
pub fn product(view: &dyn StateView, product: &str) -> Option<Product> {
    read(view, &product_key(product))
}

/// An account's holding of a product; all zero if it holds none.
pub fn holding(view: &dyn StateView, product: &str, account: &str) -> Holding {
    read(view, &holding_key(product, account)).unwrap_or_default()
}

/// An account's mapped fund balance; zero if it has none.
pub fn fund(view: &dyn StateView, account: &str) -> Fund {
    read(view, &fund_key(account)).unwrap_or_default()
}

/// Only this contract writes `equity/` keys, always by [`encode`]: a value that does not
/// decode is a corrupt state, on which no validator may go on deciding balances.
fn read<T: serde::de::DeserializeOwned>(view: &dyn StateView, key: &[u8]) -> Option<T> {
    let bytes = view.get(key)?;
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "equity state {} does not decode: {e}",
            String::from_utf8_lossy(key)
        )
    });
    Some(value)
}

/// The integer-only canonical JSON of PROTOCOL §3, like every other contract's state.
fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    canonical_json(value).expect("equity values are integers within QUANTITY_MAX")
}
