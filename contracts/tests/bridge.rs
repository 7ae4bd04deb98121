//! The `bridge` contract: an idempotency key is taken once, with its request digest and
//! transaction; a second use, a bad key, a non-submitter and a failed transaction each leave it
//! as it was.

mod world;

use serde_json::json;
use world::{member, World, SUBMITTER};
use zl_contracts::bridge::command;
use zl_contracts::execute_transaction;
use zl_types::{Call, Hash, Role};

const REGULATOR: u8 = 30;

fn world() -> World {
    World::new(
        vec![
            member(SUBMITTER, vec![Role::Submitter]),
            member(REGULATOR, vec![Role::Regulator]),
        ],
        vec![world::validator(SUBMITTER, 1)],
    )
}

fn record(key: &str, digest: u8) -> Call {
    Call {
        contract: "bridge".into(),
        method: "record".into(),
        args: json!({"key": key, "protocol": "transfer_management", "command": "transfer",
                     "request_digest": Hash([digest; 32])}),
    }
}

#[test]
fn a_key_is_taken_once() {
    let mut w = world();
    w.call(SUBMITTER, record("ORDER-1", 1)).unwrap();
    let first = command(&w, "ORDER-1").expect("recorded");
    assert_eq!(first.args.request_digest, Hash([1; 32]));
    assert_eq!(first.height, 1, "the block that committed it");
    let again = w.call(SUBMITTER, record("ORDER-1", 1)).unwrap_err();
    assert!(
        again.starts_with("conflict:") && again.contains("ORDER-1"),
        "{again}"
    );
    assert!(
        again.contains(&first.tx_id.to_string()),
        "names the first transaction: {again}"
    );
    assert_eq!(command(&w, "ORDER-1"), Some(first));
}

#[test]
fn refusals_leave_the_key_free() {
    let mut w = world();
    for (key, signer, code) in [
        ("", SUBMITTER, "bad_arguments"),
        ("has space", SUBMITTER, "bad_arguments"),
        (&"k".repeat(129)[..], SUBMITTER, "bad_arguments"),
        ("ORDER-2", REGULATOR, "unauthorized"),
    ] {
        let err = w.call(signer, record(key, 2)).unwrap_err();
        assert!(err.starts_with(code), "{key:?}: {err}");
    }
    let mut bad_name = record("ORDER-2", 2);
    bad_name.args["protocol"] = json!("Transfer");
    assert!(w
        .call(SUBMITTER, bad_name)
        .unwrap_err()
        .starts_with("bad_arguments"));
    // The record rides with the command's other calls: if one fails, the key is not taken.
    let failing = Call {
        contract: "equity".into(),
        method: "transfer".into(),
        args: json!({"product": "P", "from": "A", "to": "B", "quantity": 1}),
    };
    let tx = w.tx_of(SUBMITTER, vec![record("ORDER-2", 2), failing]);
    assert!(execute_transaction(&w.ctx(), &w, &tx).is_err());
    assert_eq!(command(&w, "ORDER-2"), None);
    w.call(SUBMITTER, record("ORDER-2", 2)).unwrap();
}
