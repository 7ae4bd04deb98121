//! `equity.settle`: delivery versus payment, shares seller → buyer and fen buyer → seller in
//! one call, both legs checked before either moves.

use serde_json::json;
use zl_types::CheckedTransaction;

use super::methods::{
    add, emit, existing_product, move_shares, put_fund, put_holding, put_product,
};
use super::{fund, holding, Fund, SettleArgs, AMOUNT_FEN_MAX};
use crate::{ContractError, Effects, StateView};

/// Delivery versus payment. Both legs are checked before anything is written, and a refusal
/// names every leg that fails, so the submitter can fix both at once.
pub(super) fn settle(
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: SettleArgs,
) -> Result<Effects, ContractError> {
    let mut totals = existing_product(view, &args.product)?;
    let (seller_before, buyer_before) = (
        holding(view, &args.product, &args.seller),
        holding(view, &args.product, &args.buyer),
    );
    let (seller_fund_before, buyer_fund_before) =
        (fund(view, &args.seller), fund(view, &args.buyer));
    // Every figure of both legs is computed before any is used: None marks a failing leg.
    let seller_available = seller_before.available.checked_sub(args.quantity);
    let buyer_fund_available = buyer_fund_before.available.checked_sub(args.amount);
    let seller_fund_available = add(seller_fund_before.available, args.amount, AMOUNT_FEN_MAX);
    let mut failures = Vec::new();
    if seller_available.is_none() {
        failures.push(format!(
            "share leg: seller {} holds only {} available of product {}, not {}",
            args.seller, seller_before.available, args.product, args.quantity
        ));
    }
    if buyer_fund_available.is_none() {
        failures.push(format!(
            "fund leg: buyer {} has only {} fen available, not {}",
            args.buyer, buyer_fund_before.available, args.amount
        ));
    }
    if seller_fund_available.is_none() {
        failures.push(format!(
            "fund leg: seller {} would exceed {AMOUNT_FEN_MAX} fen available",
            args.seller
        ));
    }
    let (Some(_), Some(buyer_fund_available), Some(seller_fund_available)) = (
        seller_available,
        buyer_fund_available,
        seller_fund_available,
    ) else {
        return Err(ContractError::Conflict(format!(
            "settlement refused, nothing moved: {}",
            failures.join("; ")
        )));
    };
    let (seller_after, buyer_after) =
        move_shares(&args.product, &seller_before, &buyer_before, args.quantity)?;
    let seller_fund = Fund {
        available: seller_fund_available,
        ..seller_fund_before
    };
    let buyer_fund = Fund {
        available: buyer_fund_available,
        ..buyer_fund_before
    };
    let mut effects = Effects::default();
    put_holding(
        &mut effects,
        &mut totals,
        &args.product,
        &args.seller,
        &seller_before,
        &seller_after,
    )?;
    put_holding(
        &mut effects,
        &mut totals,
        &args.product,
        &args.buyer,
        &buyer_before,
        &buyer_after,
    )?;
    put_product(&mut effects, &args.product, &totals);
    put_fund(&mut effects, &args.seller, &seller_fund);
    put_fund(&mut effects, &args.buyer, &buyer_fund);
    emit(
        &mut effects,
        tx,
        "settled",
        json!({"product": args.product, "seller": args.seller, "buyer": args.buyer,
            "quantity": args.quantity, "amount": args.amount,
            "seller_holding": seller_after, "buyer_holding": buyer_after,
            "seller_fund": seller_fund, "buyer_fund": buyer_fund, "holders": totals.holders}),
    );
    Ok(effects)
}
