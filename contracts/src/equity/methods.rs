//! The `equity` methods but `settle`, and the helpers they share with it: each reads what it
//! changes, checks every rule before it writes, and returns the new values with one event.

use serde_json::{json, Value};
use zl_types::{CheckedTransaction, Event};

use super::keys::{fund_key, holding_key, product_key};
use super::{
    encode, fund, holding, product, Fund, FundArgs, Holding, Product, ProductArgs, QuantityArgs,
    RestrictArgs, TransferArgs, AMOUNT_FEN_MAX, CONTRACT, QUANTITY_MAX,
};
use crate::{ContractError, Effects, StateView};

pub(super) fn register_product(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: ProductArgs,
) -> Result<Effects, ContractError> {
    if let Some(existing) = product(view, &args.product) {
        return Err(ContractError::Conflict(format!(
            "product {} is already registered ({} issued to {} holders); issue to it instead",
            args.product, existing.total, existing.holders
        )));
    }
    let mut effects = Effects::default();
    let registered = Product::default();
    effects
        .writes
        .push((product_key(&args.product), encode(&registered)));
    emit(
        &mut effects,
        tx,
        "registered",
        json!({"product": args.product}),
    );
    Ok(effects)
}

pub(super) fn issue(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: QuantityArgs,
) -> Result<Effects, ContractError> {
    let mut totals = existing_product(view, &args.product)?;
    totals.total = add(totals.total, args.quantity, QUANTITY_MAX).ok_or_else(|| {
        ContractError::Conflict(format!(
            "cannot issue {}: product {} would exceed {QUANTITY_MAX} units in total (it has {})",
            args.quantity, args.product, totals.total
        ))
    })?;
    let before = holding(view, &args.product, &args.account);
    let mut after = before.clone();
    after.available = add(after.available, args.quantity, QUANTITY_MAX)
        .ok_or_else(|| inconsistent(&args.product))?;
    one_holding(tx, "issued", &args, totals, &before, &after)
}

pub(super) fn recycle(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: QuantityArgs,
) -> Result<Effects, ContractError> {
    let mut totals = existing_product(view, &args.product)?;
    let before = holding(view, &args.product, &args.account);
    let mut after = before.clone();
    after.available = before.available.checked_sub(args.quantity).ok_or_else(|| {
        ContractError::Conflict(format!(
            "cannot recycle {}: account {} holds only {} available of product {}",
            args.quantity, args.account, before.available, args.product
        ))
    })?;
    totals.total = totals
        .total
        .checked_sub(args.quantity)
        .ok_or_else(|| inconsistent(&args.product))?;
    one_holding(tx, "recycled", &args, totals, &before, &after)
}

/// The effects of a change to one holding that also changes the product's total: both
/// written, and one event of `kind` with the resulting balances.
fn one_holding(
    tx: &CheckedTransaction,
    kind: &str,
    args: &QuantityArgs,
    mut totals: Product,
    before: &Holding,
    after: &Holding,
) -> Result<Effects, ContractError> {
    let mut effects = Effects::default();
    put_holding(
        &mut effects,
        &mut totals,
        &args.product,
        &args.account,
        before,
        after,
    )?;
    put_product(&mut effects, &args.product, &totals);
    emit(
        &mut effects,
        tx,
        kind,
        json!({"product": args.product, "account": args.account, "quantity": args.quantity,
            "holding": after, "total": totals.total, "holders": totals.holders}),
    );
    Ok(effects)
}

pub(super) fn transfer(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: TransferArgs,
) -> Result<Effects, ContractError> {
    let mut totals = existing_product(view, &args.product)?;
    let (from_before, to_before) = (
        holding(view, &args.product, &args.from),
        holding(view, &args.product, &args.to),
    );
    if from_before.available < args.quantity {
        return Err(ContractError::Conflict(format!(
            "cannot transfer {}: account {} holds only {} available of product {}",
            args.quantity, args.from, from_before.available, args.product
        )));
    }
    let (from_after, to_after) =
        move_shares(&args.product, &from_before, &to_before, args.quantity)?;
    let mut effects = Effects::default();
    put_holding(
        &mut effects,
        &mut totals,
        &args.product,
        &args.from,
        &from_before,
        &from_after,
    )?;
    put_holding(
        &mut effects,
        &mut totals,
        &args.product,
        &args.to,
        &to_before,
        &to_after,
    )?;
    put_product(&mut effects, &args.product, &totals);
    emit(
        &mut effects,
        tx,
        "transferred",
        json!({"product": args.product, "from": args.from, "to": args.to,
            "quantity": args.quantity, "from_holding": from_after, "to_holding": to_after,
            "holders": totals.holders}),
    );
    Ok(effects)
}

/// `restrict` (available → bucket) when `restricting`, else `release` (bucket → available).
/// The holding's sum is unchanged, so the holder count is too.
pub(super) fn restrict_or_release(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: RestrictArgs,
    restricting: bool,
) -> Result<Effects, ContractError> {
    existing_product(view, &args.product)?;
    let before = holding(view, &args.product, &args.account);
    let kind = args.kind.name();
    let bucket = before.bucket(args.kind);
    let (source_name, source, target) = if restricting {
        ("available", before.available, bucket)
    } else {
        (kind, bucket, before.available)
    };
    let source = source.checked_sub(args.quantity).ok_or_else(|| {
        ContractError::Conflict(format!(
            "cannot {} {}: account {} holds only {source} {source_name} of product {}",
            if restricting { "restrict" } else { "release" },
            args.quantity,
            args.account,
            args.product
        ))
    })?;
    let target =
        add(target, args.quantity, QUANTITY_MAX).ok_or_else(|| inconsistent(&args.product))?;
    let (available, bucket) = if restricting {
        (source, target)
    } else {
        (target, source)
    };
    let mut after = before.clone();
    after.available = available;
    *after.bucket_mut(args.kind) = bucket;
    let mut effects = Effects::default();
    effects
        .writes
        .push((holding_key(&args.product, &args.account), encode(&after)));
    emit(
        &mut effects,
        tx,
        if restricting {
            "restricted"
        } else {
            "released"
        },
        json!({"product": args.product, "account": args.account, "quantity": args.quantity,
            "kind": kind, "holding": after}),
    );
    Ok(effects)
}

pub(super) fn fund_deposit(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: FundArgs,
) -> Result<Effects, ContractError> {
    let mut balance = fund(view, &args.account);
    balance.available = add(balance.available, args.amount, AMOUNT_FEN_MAX).ok_or_else(|| {
        ContractError::Conflict(format!(
            "cannot deposit {} fen: account {} would exceed {AMOUNT_FEN_MAX} fen available (it has {})",
            args.amount, args.account, balance.available
        ))
    })?;
    Ok(fund_moved(tx, "deposited", &args, &balance))
}

pub(super) fn fund_withdraw(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: FundArgs,
) -> Result<Effects, ContractError> {
    let mut balance = fund(view, &args.account);
    balance.available = balance.available.checked_sub(args.amount).ok_or_else(|| {
        ContractError::Conflict(format!(
            "cannot withdraw {} fen: account {} has only {} fen available",
            args.amount, args.account, balance.available
        ))
    })?;
    Ok(fund_moved(tx, "withdrawn", &args, &balance))
}

/// The effects of a fund movement: the balance written and one event of `kind`.
fn fund_moved(tx: &CheckedTransaction, kind: &str, args: &FundArgs, balance: &Fund) -> Effects {
    let mut effects = Effects::default();
    put_fund(&mut effects, &args.account, balance);
    emit(
        &mut effects,
        tx,
        kind,
        json!({"account": args.account, "amount": args.amount, "fund": balance}),
    );
    effects
}

pub(super) fn existing_product(view: &dyn StateView, id: &str) -> Result<Product, ContractError> {
    product(view, id).ok_or_else(|| {
        ContractError::NotFound(format!(
            "product {id} is not registered; register it first with equity.register_product"
        ))
    })
}

/// `a + b` if it stays within `max`: every balance must fit the chain's JSON integers.
pub(super) fn add(a: u64, b: u64, max: u64) -> Option<u64> {
    a.checked_add(b).filter(|sum| *sum <= max)
}

/// Moves `quantity` available shares between two holdings the caller has checked.
pub(super) fn move_shares(
    product: &str,
    from: &Holding,
    to: &Holding,
    quantity: u64,
) -> Result<(Holding, Holding), ContractError> {
    let mut from = from.clone();
    let mut to = to.clone();
    from.available = from
        .available
        .checked_sub(quantity)
        .ok_or_else(|| inconsistent(product))?;
    to.available =
        add(to.available, quantity, QUANTITY_MAX).ok_or_else(|| inconsistent(product))?;
    Ok((from, to))
}

/// Every bucket of every holding sums to at most the product's total, itself at most
/// [`QUANTITY_MAX`]; a sum or difference the rules make impossible means the state is corrupt.
/// Refusing is safer than wrapping or panicking on every validator.
pub(super) fn inconsistent(product: &str) -> ContractError {
    ContractError::Conflict(format!(
        "the equity state of product {product} is inconsistent; report it to the operators"
    ))
}

/// Writes a holding (removing it when empty) and keeps the product's holder count in step
/// with holdings moving between zero and non-zero.
pub(super) fn put_holding(
    effects: &mut Effects,
    totals: &mut Product,
    product: &str,
    account: &str,
    before: &Holding,
    after: &Holding,
) -> Result<(), ContractError> {
    totals.holders = match (before.is_empty(), after.is_empty()) {
        (true, false) => totals.holders.checked_add(1),
        (false, true) => totals.holders.checked_sub(1),
        _ => Some(totals.holders),
    }
    .ok_or_else(|| inconsistent(product))?;
    let value = if after.is_empty() {
        Vec::new()
    } else {
        encode(after)
    };
    effects.writes.push((holding_key(product, account), value));
    Ok(())
}

pub(super) fn put_product(effects: &mut Effects, id: &str, totals: &Product) {
    effects.writes.push((product_key(id), encode(totals)));
}

/// Writes a fund balance, removing it when empty (absent reads as zero).
pub(super) fn put_fund(effects: &mut Effects, account: &str, balance: &Fund) {
    let value = if balance.available == 0 && balance.locked == 0 {
        Vec::new()
    } else {
        encode(balance)
    };
    effects.writes.push((fund_key(account), value));
}

pub(super) fn emit(effects: &mut Effects, tx: &CheckedTransaction, kind: &str, attributes: Value) {
    effects.events.push(Event {
        contract: CONTRACT.into(),
        kind: kind.into(),
        tx_id: tx.id,
        attributes,
    });
}
