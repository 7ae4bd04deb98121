//! The `equity` contract: issue, transfer, restrict, release, recycle, fund mapping and
//! delivery-versus-payment settlement with exact balances; every refusal is checked to change
//! nothing, and a transaction of several calls is all or nothing.

mod world;

use serde_json::{json, Value};
use world::{member, World, SUBMITTER};
use zl_contracts::equity::{
    self, fund_key, holding_key, product_key, Fund, Holding, Product, AMOUNT_FEN_MAX, QUANTITY_MAX,
};
use zl_contracts::{check_call, execute_transaction, Effects};
use zl_types::{Call, Role};

/// A member holding only the regulator role: registered, but no submitter.
const REGULATOR: u8 = 30;
/// A key no governor registered.
const STRANGER: u8 = 31;
const P: &str = "P001";
const A: &str = "ACC-A";
const B: &str = "ACC-B";
const C: &str = "ACC-C";

fn world() -> World {
    World::new(
        vec![
            member(SUBMITTER, vec![Role::Submitter]),
            member(REGULATOR, vec![Role::Regulator]),
        ],
        vec![world::validator(SUBMITTER, 1)],
    )
}

fn call(method: &str, args: Value) -> Call {
    Call {
        contract: "equity".into(),
        method: method.into(),
        args,
    }
}

fn issue(account: &str, quantity: u64) -> Call {
    call(
        "issue",
        json!({"product": P, "account": account, "quantity": quantity}),
    )
}

fn transfer(from: &str, to: &str, quantity: u64) -> Call {
    call(
        "transfer",
        json!({"product": P, "from": from, "to": to, "quantity": quantity}),
    )
}

fn restrict(method: &str, account: &str, quantity: u64, kind: &str) -> Call {
    call(
        method,
        json!({"product": P, "account": account, "quantity": quantity, "kind": kind}),
    )
}

fn fund_call(method: &str, account: &str, amount: u64) -> Call {
    call(method, json!({"account": account, "amount": amount}))
}

fn settle(seller: &str, buyer: &str, quantity: u64, amount: u64) -> Call {
    call(
        "settle",
        json!({"product": P, "seller": seller, "buyer": buyer, "quantity": quantity,
            "amount": amount}),
    )
}

/// Runs one transaction of `calls` as its own block: on success applies and returns the
/// effects; on failure checks nothing changed and answers `code: message`.
fn run(world: &mut World, signer: u8, calls: Vec<Call>) -> Result<Effects, String> {
    let before = world.state.clone();
    for call in &calls {
        check_call(call).map_err(|e| format!("{}: {e}", e.code()))?;
    }
    let tx = world.tx_of(signer, calls);
    let result = execute_transaction(&world.ctx(), world, &tx);
    world.height += 1;
    match result {
        Ok(effects) => {
            world.apply(effects.clone());
            Ok(effects)
        }
        Err(e) => {
            assert_eq!(world.state, before, "a refusal changes nothing");
            Err(format!("{}: {e}", e.code()))
        }
    }
}

fn ok(world: &mut World, calls: Vec<Call>) -> Effects {
    run(world, SUBMITTER, calls).unwrap_or_else(|e| panic!("unexpected {e}"))
}

fn h(available: u64, locked: u64, frozen: u64, pledged: u64) -> Holding {
    Holding {
        available,
        locked,
        frozen,
        pledged,
    }
}

fn totals(world: &World) -> (u64, u64) {
    let p = equity::product(world, P).expect("registered");
    (p.total, p.holders)
}

/// P registered; A holds 1000 available, 100 locked, 50 frozen, 20 pledged; B holds 300
/// available; B has 5000 fen and A 700 fen. Total 1470 units, two holders.
fn market() -> World {
    let mut w = world();
    ok(
        &mut w,
        vec![call("register_product", json!({"product": P}))],
    );
    ok(
        &mut w,
        vec![
            issue(A, 1170),
            issue(B, 300),
            restrict("restrict", A, 100, "locked"),
            restrict("restrict", A, 50, "frozen"),
            restrict("restrict", A, 20, "pledged"),
            fund_call("fund_deposit", B, 5000),
            fund_call("fund_deposit", A, 700),
        ],
    );
    assert_eq!(equity::holding(&w, P, A), h(1000, 100, 50, 20));
    assert_eq!(equity::holding(&w, P, B), h(300, 0, 0, 0));
    assert_eq!(totals(&w), (1470, 2));
    w
}

#[test]
fn every_method_moves_exact_balances_and_keeps_totals_and_holders() {
    struct Step {
        desc: &'static str,
        call: Call,
        kind: &'static str,
        /// (account, holding of P) after the step.
        holdings: Vec<(&'static str, Holding)>,
        /// (account, available fen) after the step.
        funds: Vec<(&'static str, u64)>,
        /// (total, holders) of P after the step.
        totals: (u64, u64),
    }
    let steps = vec![
        Step {
            desc: "issue to a new holder",
            call: issue(C, 40),
            kind: "issued",
            holdings: vec![(C, h(40, 0, 0, 0))],
            funds: vec![],
            totals: (1510, 3),
        },
        Step {
            desc: "increase an existing holding",
            call: issue(A, 10),
            kind: "issued",
            holdings: vec![(A, h(1010, 100, 50, 20))],
            funds: vec![],
            totals: (1520, 3),
        },
        Step {
            desc: "transfer part",
            call: transfer(A, B, 210),
            kind: "transferred",
            holdings: vec![(A, h(800, 100, 50, 20)), (B, h(510, 0, 0, 0))],
            funds: vec![],
            totals: (1520, 3),
        },
        Step {
            desc: "transfer everything: C is no longer a holder",
            call: transfer(C, B, 40),
            kind: "transferred",
            holdings: vec![(C, h(0, 0, 0, 0)), (B, h(550, 0, 0, 0))],
            funds: vec![],
            totals: (1520, 2),
        },
        Step {
            desc: "lock more",
            call: restrict("restrict", B, 50, "locked"),
            kind: "restricted",
            holdings: vec![(B, h(500, 50, 0, 0))],
            funds: vec![],
            totals: (1520, 2),
        },
        Step {
            desc: "release a whole bucket",
            call: restrict("release", A, 50, "frozen"),
            kind: "released",
            holdings: vec![(A, h(850, 100, 0, 20))],
            funds: vec![],
            totals: (1520, 2),
        },
        Step {
            desc: "release part of a pledge",
            call: restrict("release", A, 5, "pledged"),
            kind: "released",
            holdings: vec![(A, h(855, 100, 0, 15))],
            funds: vec![],
            totals: (1520, 2),
        },
        Step {
            desc: "recycle part",
            call: call(
                "recycle",
                json!({"product": P, "account": A, "quantity": 55}),
            ),
            kind: "recycled",
            holdings: vec![(A, h(800, 100, 0, 15))],
            funds: vec![],
            totals: (1465, 2),
        },
        Step {
            desc: "deposit",
            call: fund_call("fund_deposit", C, 1200),
            kind: "deposited",
            holdings: vec![],
            funds: vec![(C, 1200)],
            totals: (1465, 2),
        },
        Step {
            desc: "withdraw",
            call: fund_call("fund_withdraw", B, 1500),
            kind: "withdrawn",
            holdings: vec![],
            funds: vec![(B, 3500)],
            totals: (1465, 2),
        },
        Step {
            desc: "settle to a new holder",
            call: settle(A, C, 300, 1200),
            kind: "settled",
            holdings: vec![(A, h(500, 100, 0, 15)), (C, h(300, 0, 0, 0))],
            funds: vec![(A, 1900), (C, 0)],
            totals: (1465, 3),
        },
        Step {
            desc: "a holder of locked units only stays a holder",
            call: transfer(B, A, 500),
            kind: "transferred",
            holdings: vec![(B, h(0, 50, 0, 0)), (A, h(1000, 100, 0, 15))],
            funds: vec![],
            totals: (1465, 3),
        },
    ];
    let mut w = market();
    for step in steps {
        let effects = ok(&mut w, vec![step.call]);
        assert_eq!(effects.events.len(), 1, "{}", step.desc);
        assert_eq!(effects.events[0].contract, "equity", "{}", step.desc);
        assert_eq!(effects.events[0].kind, step.kind, "{}", step.desc);
        for (account, expected) in step.holdings {
            assert_eq!(
                equity::holding(&w, P, account),
                expected,
                "{}: {account}",
                step.desc
            );
        }
        for (account, available) in step.funds {
            let expected = Fund {
                available,
                locked: 0,
            };
            assert_eq!(equity::fund(&w, account), expected, "{}", step.desc);
        }
        assert_eq!(totals(&w), step.totals, "{}", step.desc);
    }
}

#[test]
fn emptied_holdings_and_funds_leave_the_state() {
    let mut w = market();
    ok(&mut w, vec![transfer(B, C, 300)]);
    assert!(
        !w.state.contains_key(&holding_key(P, B)),
        "B's entry is gone"
    );
    ok(&mut w, vec![fund_call("fund_withdraw", A, 700)]);
    assert!(
        !w.state.contains_key(&fund_key(A)),
        "A's fund entry is gone"
    );
    assert_eq!(equity::fund(&w, A), Fund::default());
    // What the ledger stores: integer-only canonical JSON.
    assert_eq!(
        w.state[&holding_key(P, C)],
        br#"{"available":300,"frozen":0,"locked":0,"pledged":0}"#
    );
    assert_eq!(w.state[&product_key(P)], br#"{"holders":2,"total":1470}"#);
    assert_eq!(w.state[&fund_key(B)], br#"{"available":5000,"locked":0}"#);
}

#[test]
fn events_carry_the_arguments_and_resulting_balances() {
    let mut w = market();
    let effects = ok(&mut w, vec![settle(B, A, 100, 500)]);
    assert_eq!(
        effects.events[0].attributes,
        json!({"product": P, "seller": B, "buyer": A, "quantity": 100, "amount": 500,
            "seller_holding": {"available": 200, "locked": 0, "frozen": 0, "pledged": 0},
            "buyer_holding": {"available": 1100, "locked": 100, "frozen": 50, "pledged": 20},
            "seller_fund": {"available": 5500, "locked": 0},
            "buyer_fund": {"available": 200, "locked": 0}, "holders": 2})
    );
    let effects = ok(&mut w, vec![restrict("restrict", B, 7, "pledged")]);
    assert_eq!(
        effects.events[0].attributes,
        json!({"product": P, "account": B, "quantity": 7, "kind": "pledged",
            "holding": {"available": 193, "locked": 0, "frozen": 0, "pledged": 7}})
    );
}

#[test]
fn every_refusal_has_its_code_and_changes_nothing() {
    let cases: Vec<(&str, u8, Call, &str, &str)> = vec![
        (
            "over-transfer",
            SUBMITTER,
            transfer(A, B, 1001),
            "conflict",
            "cannot transfer 1001: account ACC-A holds only 1000 available of product P001",
        ),
        (
            "restricted units do not transfer",
            SUBMITTER,
            transfer(A, B, 1170),
            "conflict",
            "holds only 1000 available",
        ),
        (
            "over-recycle",
            SUBMITTER,
            call(
                "recycle",
                json!({"product": P, "account": B, "quantity": 301}),
            ),
            "conflict",
            "cannot recycle 301: account ACC-B holds only 300 available",
        ),
        (
            "release more than the bucket",
            SUBMITTER,
            restrict("release", A, 51, "frozen"),
            "conflict",
            "cannot release 51: account ACC-A holds only 50 frozen",
        ),
        (
            "restrict more than available",
            SUBMITTER,
            restrict("restrict", B, 301, "locked"),
            "conflict",
            "holds only 300 available",
        ),
        (
            "over-withdraw",
            SUBMITTER,
            fund_call("fund_withdraw", A, 701),
            "conflict",
            "has only 700 fen available",
        ),
        (
            "issue of an unknown product",
            SUBMITTER,
            call(
                "issue",
                json!({"product": "P999", "account": A, "quantity": 1}),
            ),
            "not_found",
            "register it first with equity.register_product",
        ),
        (
            "transfer of an unknown product",
            SUBMITTER,
            call(
                "transfer",
                json!({"product": "P999", "from": A, "to": B, "quantity": 1}),
            ),
            "not_found",
            "P999 is not registered",
        ),
        (
            "duplicate register",
            SUBMITTER,
            call("register_product", json!({"product": P})),
            "conflict",
            "already registered (1470 issued to 2 holders)",
        ),
        (
            "zero quantity",
            SUBMITTER,
            issue(A, 0),
            "bad_arguments",
            "quantity must be 1 to",
        ),
        (
            "zero amount",
            SUBMITTER,
            fund_call("fund_deposit", A, 0),
            "bad_arguments",
            "amount must be 1 to",
        ),
        (
            "unknown kind",
            SUBMITTER,
            restrict("restrict", A, 1, "seized"),
            "bad_arguments",
            "unknown variant `seized`",
        ),
        (
            "unknown field",
            SUBMITTER,
            call(
                "issue",
                json!({"product": P, "account": A, "quantity": 1, "memo": "x"}),
            ),
            "bad_arguments",
            "unknown field `memo`",
        ),
        (
            "negative quantity",
            SUBMITTER,
            call(
                "issue",
                json!({"product": P, "account": A, "quantity": -5}),
            ),
            "bad_arguments",
            "equity.issue",
        ),
        (
            "same from and to",
            SUBMITTER,
            transfer(A, A, 1),
            "bad_arguments",
            "from and to are both ACC-A",
        ),
        (
            "settle with oneself",
            SUBMITTER,
            settle(B, B, 1, 1),
            "bad_arguments",
            "seller and buyer are both ACC-B",
        ),
        (
            "empty id",
            SUBMITTER,
            issue("", 1),
            "bad_arguments",
            "account \"\" is not an object id",
        ),
        (
            "id too long",
            SUBMITTER,
            issue(&"A".repeat(129), 1),
            "bad_arguments",
            "1 to 128 bytes",
        ),
        (
            "id with a NUL, which would break the holding key",
            SUBMITTER,
            issue("ACC\u{0}B", 1),
            "bad_arguments",
            "is not an object id",
        ),
        (
            "unknown method",
            SUBMITTER,
            call("burn", json!({})),
            "unknown_call",
            "equity has no method \"burn\"",
        ),
        (
            "signer without the submitter role",
            REGULATOR,
            issue(A, 1),
            "unauthorized",
            "lacks the Submitter role",
        ),
        (
            "a signer that is no member",
            STRANGER,
            transfer(A, B, 1),
            "unauthorized",
            "is not a registered member",
        ),
        (
            "settle with a failing share leg",
            SUBMITTER,
            settle(B, A, 301, 100),
            "conflict",
            "settlement refused, nothing moved: share leg: seller ACC-B holds only 300 available of product P001, not 301",
        ),
        (
            "settle with a failing fund leg",
            SUBMITTER,
            settle(B, A, 10, 701),
            "conflict",
            "settlement refused, nothing moved: fund leg: buyer ACC-A has only 700 fen available, not 701",
        ),
        (
            "settle with both legs failing names both",
            SUBMITTER,
            settle(A, B, 1001, 5001),
            "conflict",
            "share leg: seller ACC-A holds only 1000 available of product P001, not 1001; fund leg: buyer ACC-B has only 5000 fen available, not 5001",
        ),
        (
            "settle of an unknown product",
            SUBMITTER,
            call(
                "settle",
                json!({"product": "P999", "seller": A, "buyer": B, "quantity": 1, "amount": 1}),
            ),
            "not_found",
            "P999 is not registered",
        ),
    ];
    for (desc, signer, call, code, says) in cases {
        let mut w = market();
        let (state, events) = (w.state.clone(), w.events.len());
        let message = run(&mut w, signer, vec![call]).expect_err(desc);
        assert!(message.starts_with(code), "{desc}: {message}");
        assert!(message.contains(says), "{desc}: {message}");
        assert_eq!(w.state, state, "{desc}: the state is unchanged");
        assert_eq!(w.events.len(), events, "{desc}: no event");
        assert_eq!(equity::holding(&w, P, A), h(1000, 100, 50, 20), "{desc}");
        assert_eq!(equity::fund(&w, B).available, 5000, "{desc}");
    }
}

#[test]
fn balances_stop_at_the_largest_json_integer_and_never_wrap() {
    assert_eq!(QUANTITY_MAX, (1 << 53) - 1);
    let mut w = world();
    ok(
        &mut w,
        vec![call("register_product", json!({"product": P}))],
    );
    ok(&mut w, vec![issue(A, QUANTITY_MAX)]);
    let state = w.state.clone();
    let message = run(&mut w, SUBMITTER, vec![issue(B, 1)]).unwrap_err();
    assert!(
        message.contains("call 0: cannot issue 1: product P001 would exceed"),
        "{message}"
    );
    assert_eq!(w.state, state);
    assert_eq!(
        equity::product(&w, P),
        Some(Product {
            total: QUANTITY_MAX,
            holders: 1
        })
    );

    ok(&mut w, vec![fund_call("fund_deposit", B, AMOUNT_FEN_MAX)]);
    let message = run(&mut w, SUBMITTER, vec![fund_call("fund_deposit", B, 1)]).unwrap_err();
    assert!(message.contains("cannot deposit 1 fen"), "{message}");
    // A settlement paying a seller already at the maximum is refused on the fund leg.
    ok(&mut w, vec![fund_call("fund_deposit", A, 1)]);
    let message = run(
        &mut w,
        SUBMITTER,
        vec![transfer(A, B, 1), settle(B, A, 1, 1)],
    )
    .unwrap_err();
    assert!(
        message.contains("fund leg: seller ACC-B would exceed"),
        "{message}"
    );
    assert_eq!(equity::fund(&w, B).available, AMOUNT_FEN_MAX);
    assert_eq!(equity::fund(&w, A).available, 1);
    assert_eq!(equity::holding(&w, P, A), h(QUANTITY_MAX, 0, 0, 0));
    assert_eq!(equity::holding(&w, P, B), Holding::default());

    // u64::MAX cannot be signed (the chain's JSON stops at 2^53 - 1); a call that reaches
    // the contract another way is refused, not wrapped.
    for big in [u64::MAX, QUANTITY_MAX + 1] {
        let error = check_call(&issue(A, big)).unwrap_err();
        assert_eq!(error.code(), "bad_arguments", "{error}");
        let tx = w.tx(SUBMITTER, issue(A, 1));
        let error = equity::execute(&w, &tx, &issue(A, big)).unwrap_err();
        assert_eq!(error.code(), "bad_arguments", "{error}");
        let error = equity::execute(&w, &tx, &settle(A, B, 1, big)).unwrap_err();
        assert_eq!(error.code(), "bad_arguments", "{error}");
    }
}

#[test]
fn a_transaction_is_delivery_versus_payment_all_or_nothing() {
    let mut w = market();
    // A transfer that would succeed alone, then a settlement whose fund leg fails: neither
    // happens.
    let message = run(
        &mut w,
        SUBMITTER,
        vec![transfer(A, C, 100), settle(B, C, 10, 1)],
    )
    .unwrap_err();
    assert!(
        message.contains(
            "call 1: settlement refused, nothing moved: fund leg: buyer ACC-C has only 0 fen"
        ),
        "{message}"
    );
    assert_eq!(equity::holding(&w, P, A), h(1000, 100, 50, 20));
    assert_eq!(equity::holding(&w, P, C), Holding::default());
    assert_eq!(totals(&w), (1470, 2));

    // The same settlement after a deposit in the same transaction: the later call sees the
    // earlier one, and both legs move.
    let effects = ok(
        &mut w,
        vec![
            transfer(A, C, 100),
            fund_call("fund_deposit", C, 1),
            settle(B, C, 10, 1),
        ],
    );
    let kinds: Vec<&str> = effects.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["transferred", "deposited", "settled"]);
    assert_eq!(equity::holding(&w, P, A), h(900, 100, 50, 20));
    assert_eq!(equity::holding(&w, P, B), h(290, 0, 0, 0));
    assert_eq!(equity::holding(&w, P, C), h(110, 0, 0, 0));
    assert_eq!(equity::fund(&w, C), Fund::default());
    assert_eq!(equity::fund(&w, B).available, 5001);
    assert_eq!(totals(&w), (1470, 3));

    // A settlement whose share leg relies on shares restricted in the same transaction fails,
    // and the restriction is undone with it.
    let message = run(
        &mut w,
        SUBMITTER,
        vec![restrict("restrict", B, 290, "frozen"), settle(B, A, 1, 1)],
    )
    .unwrap_err();
    assert!(message.contains("call 1: settlement refused"), "{message}");
    assert_eq!(equity::holding(&w, P, B), h(290, 0, 0, 0));
}
