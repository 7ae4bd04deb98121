//! The bridge's planner on a fixed chain view: headers filled, bare references pinned to the
//! current version, objects and equity calls in business order, and each refusal with its
//! own error and pointer.

use std::collections::HashMap;

use serde_json::{json, Value};
use zl_objects::bridge::{plan, BridgeError, ChainView, ObjectState};
use zl_objects::Rule;
use zl_types::object::{ObjectType, Operation};

struct Chain(HashMap<&'static str, ObjectState>);

impl ChainView for Chain {
    fn object(&self, object_id: &str) -> Option<ObjectState> {
        self.0.get(object_id).copied()
    }
}

fn state(latest: u64, object_type: ObjectType, deleted: bool) -> ObjectState {
    ObjectState {
        latest,
        object_type,
        deleted,
    }
}

fn chain() -> Chain {
    Chain(HashMap::from([
        ("P1", state(2, ObjectType::Product, false)),
        ("A1", state(0, ObjectType::Account, false)),
        ("S1", state(10, ObjectType::Subject, false)),
        ("T1", state(0, ObjectType::TransactionReport, false)),
        ("GONE", state(3, ObjectType::Subject, true)),
    ]))
}

/// registration-3's body with its references bare, as a pilot system sends them.
fn registration(id: &str) -> Value {
    let text = include_str!("fixtures/registration-3.json");
    let fixture: Value = serde_json::from_str(text).unwrap();
    let mut root = fixture["body"]["registration_information"].clone();
    let description = &mut root["registration_rights"]["basic_information_rights"]
        ["basic_information_description"];
    description["register_product_ref"] = json!("P1");
    description["register_subject_account_ref"] = json!("A1");
    description["register_subject_ref"] = json!("S1");
    description["register_transaction_ref"] = json!("T1");
    root["roll_records"]["basic_information_roster"] =
        json!({"register_product_ref": "P1/2", "register_subject_ref": "S1"});
    json!({"object_id": id, "registration_information": root})
}

fn issue(registration: Value) -> Value {
    json!({"time": 1_700_000_000, "product": "P1",
           "holdings": [{"account": "A1", "quantity": 100, "registration": registration}]})
}

#[test]
fn an_issue_plans_its_registration_and_credits_the_holding() {
    let plan = plan(
        "asset_registration",
        "issue",
        &issue(registration("R1")),
        &chain(),
    )
    .unwrap();
    assert_eq!(plan.objects.len(), 1);
    let object = &plan.objects[0];
    assert_eq!(
        (
            object.object_type,
            object.object_id.as_str(),
            object.version,
            object.operation
        ),
        (ObjectType::Registration, "R1", 0, Operation::Create)
    );
    assert_eq!(object.source, "/holdings/0/registration");
    let content = &object.object["header"]["content"];
    assert_eq!(content["timestamp"], 1_700_000_000);
    assert_eq!(object.object["header"]["model"]["version"], "2.0.0");
    let description = &object.object["body"]["registration_information"]["registration_rights"]
        ["basic_information_rights"]["basic_information_description"];
    assert_eq!(description["register_product_ref"], "P1/2");
    assert_eq!(description["register_subject_ref"], "S1/10");
    assert_eq!(description["register_transaction_ref"], "T1/0");
    // The roster's variant name is normalised, with a warning that names the request member.
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.pointer.starts_with("/holdings/0/registration/body/")),
        "{:?}",
        plan.warnings
    );
    assert_eq!(plan.equity.len(), 1);
    assert_eq!(plan.equity[0].method, "issue");
    assert_eq!(
        plan.equity[0].args,
        json!({"product": "P1", "account": "A1", "quantity": 100})
    );
}

#[test]
fn objects_written_earlier_in_a_command_count_as_current() {
    // A supervision update of S1 is version 11; a second spec in the same command would see 11.
    let mut subject: Value = serde_json::from_str(include_str!("fixtures/subject-2.json")).unwrap();
    let spec = json!({"object_id": "S1", "subject_information": subject["body"]["subject_information"].take()});
    let request = json!({"time": 1, "type": "subject", "object": spec});
    let plan = plan("supervision", "update", &request, &chain()).unwrap();
    assert_eq!(plan.objects[0].version, 11);
    assert_eq!(plan.objects[0].operation, Operation::Update);
    assert!(plan.equity.is_empty());
}

#[test]
fn refusals_each_say_what_is_wrong() {
    let c = chain();
    let unknown = plan("asset_registration", "nothing", &json!({"time": 1}), &c);
    assert!(matches!(unknown, Err(BridgeError::UnknownCommand(_))));
    let no_time = plan("asset_registration", "issue", &json!({"product": "P1"}), &c);
    assert!(matches!(no_time, Err(BridgeError::BadRequest(m)) if m.contains("/time")));
    let exists = plan(
        "asset_registration",
        "issue",
        &issue(registration("S1")),
        &c,
    );
    assert!(matches!(exists, Err(BridgeError::Conflict(m)) if m.contains("exists already")));
    let mut missing_product = issue(registration("R2"));
    missing_product["product"] = json!("P9");
    let missing = plan("asset_registration", "issue", &missing_product, &c);
    assert!(matches!(missing, Err(BridgeError::Conflict(m)) if m.contains("P9")));
    let mut dangling = registration("R3");
    dangling["registration_information"]["registration_rights"]["basic_information_rights"]
        ["basic_information_description"]["register_subject_ref"] = json!("GONE");
    match plan("asset_registration", "issue", &issue(dangling), &c) {
        Err(BridgeError::Invalid(violations)) => {
            let v = violations
                .iter()
                .find(|v| v.rule == Rule::Reference)
                .expect("a reference violation");
            assert!(
                v.pointer
                    .starts_with("/holdings/0/registration/body/registration_information/"),
                "{}",
                v.pointer
            );
            assert!(v.message.contains("is deleted"), "{}", v.message);
        }
        other => panic!("expected a reference violation, got {other:?}"),
    }
    let mut zero = issue(registration("R4"));
    zero["holdings"][0]["quantity"] = json!(0);
    let zero = plan("asset_registration", "issue", &zero, &c);
    assert!(matches!(zero, Err(BridgeError::BadRequest(m)) if m.contains("/holdings/0/quantity")));
    let extra = plan(
        "fund_mapping",
        "deposit",
        &json!({"time": 1, "account": "A1", "amount": 5, "x": 1}),
        &c,
    );
    assert!(matches!(extra, Err(BridgeError::BadRequest(m)) if m.contains("unknown field")));
    let not_account = plan(
        "fund_mapping",
        "deposit",
        &json!({"time": 1, "account": "P1", "amount": 5}),
        &c,
    );
    assert!(matches!(not_account, Err(BridgeError::Conflict(m)) if m.contains("is a product")));
}
