//! The bridge's other commands on a chain view that knows every id of the market fixtures
//! (tests/fixtures/bridge): each plans its objects in business order and the equity calls that
//! decide it, with exact arguments; malformed commands are refused before anything is planned.

use serde_json::{json, Value};
use zl_objects::bridge::{plan, BridgeError, ChainView, ObjectState, Plan};
use zl_types::object::{ObjectType, Operation};

const TRANSFER: &str = include_str!("../../../tests/fixtures/bridge/06-transfer.json");
const PRODUCT: &str = include_str!("../../../tests/fixtures/bridge/02-product.json");

/// Every id of the fixtures exists at version 0, its type told by its prefix.
struct Market;

impl ChainView for Market {
    fn object(&self, object_id: &str) -> Option<ObjectState> {
        let object_type = match object_id.split('.').next()? {
            "prod" => ObjectType::Product,
            "acct" => ObjectType::Account,
            "subject" => ObjectType::Subject,
            "rpt" => ObjectType::TransactionReport,
            _ => return None,
        };
        // The new product and the transfer's own report are what commands here create.
        let created = ["prod.new", "rpt.transfer.1"].contains(&object_id);
        (!created).then_some(ObjectState {
            latest: 0,
            object_type,
            deleted: false,
        })
    }
}

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture JSON")
}

/// The transfer's registration of A, under a new id, pointing at `product`.
fn registration(id: &str, product: &str) -> Value {
    let mut spec = fixture(TRANSFER)["from_registration"].clone();
    spec["register_registration_object_id"] = json!(id);
    repoint(&mut spec, product);
    retarget(&mut spec);
    spec
}

/// Points a registration's transaction reference at a report already on chain.
fn retarget(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key == "register_transaction_ref" {
                    *member = json!("rpt.earlier");
                } else {
                    retarget(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(retarget),
        _ => {}
    }
}

fn repoint(value: &mut Value, product: &str) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if key == "register_product_ref" {
                    *member = json!(product);
                } else {
                    repoint(member, product);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| repoint(i, product)),
        _ => {}
    }
}

fn planned(protocol: &str, command: &str, request: &Value) -> Plan {
    plan(protocol, command, request, &Market).unwrap_or_else(|e| panic!("{command}: {e}"))
}

fn shape(plan: &Plan) -> Vec<(ObjectType, String, u64, Operation)> {
    plan.objects
        .iter()
        .map(|o| (o.object_type, o.object_id.clone(), o.version, o.operation))
        .collect()
}

fn equity(plan: &Plan) -> Vec<(String, Value)> {
    plan.equity
        .iter()
        .map(|c| (c.method.clone(), c.args.clone()))
        .collect()
}

#[test]
fn a_transfer_writes_its_report_and_both_registrations_then_moves_the_shares() {
    let plan = planned("transfer_management", "transfer", &fixture(TRANSFER));
    let kinds: Vec<ObjectType> = shape(&plan).into_iter().map(|s| s.0).collect();
    assert_eq!(
        kinds,
        [
            ObjectType::TransactionReport,
            ObjectType::Registration,
            ObjectType::Registration
        ]
    );
    assert!(plan
        .objects
        .iter()
        .all(|o| o.operation == Operation::Create && o.version == 0));
    assert_eq!(
        equity(&plan),
        [(
            "transfer".to_string(),
            json!({"product": "prod.hengtai.eq", "from": "acct.sec.a", "to": "acct.sec.b", "quantity": 3000})
        )]
    );
}

#[test]
fn locks_and_unlocks_move_shares_between_available_and_a_bucket() {
    for (command, method) in [("lock", "restrict"), ("unlock", "release")] {
        let request = json!({"time": 1, "product": "prod.hengtai.eq", "account": "acct.sec.a",
            "quantity": 50, "kind": "pledged",
            "registration": registration(&format!("reg.{command}"), "prod.hengtai.eq")});
        let plan = planned("transfer_management", command, &request);
        assert_eq!(shape(&plan).len(), 1);
        assert_eq!(
            equity(&plan),
            [(
                method.to_string(),
                json!({"product": "prod.hengtai.eq", "account": "acct.sec.a",
                "quantity": 50, "kind": "pledged"})
            )]
        );
    }
    let bad = json!({"time": 1, "product": "prod.hengtai.eq", "account": "acct.sec.a",
        "quantity": 50, "kind": "seized", "registration": registration("reg.x", "prod.hengtai.eq")});
    let refused = plan("transfer_management", "lock", &bad, &Market);
    assert!(matches!(refused, Err(BridgeError::BadRequest(m)) if m.contains("/kind")));
}

#[test]
fn a_board_change_deletes_the_old_product_creates_the_new_and_moves_each_holding() {
    let mut new_product = fixture(PRODUCT)["product"].clone();
    new_product["product_object_id"] = json!("prod.new");
    let request = json!({"time": 1, "old_product": "prod.hengtai.eq", "new_product": new_product,
        "holdings": [{"account": "acct.sec.a", "quantity": 70,
                      "registration": registration("reg.board", "prod.new")}]});
    let plan = planned("transfer_management", "changeboard", &request);
    assert_eq!(
        shape(&plan),
        [
            (
                ObjectType::Product,
                "prod.hengtai.eq".into(),
                1,
                Operation::Delete
            ),
            (ObjectType::Product, "prod.new".into(), 0, Operation::Create),
            (
                ObjectType::Registration,
                "reg.board".into(),
                0,
                Operation::Create
            ),
        ]
    );
    assert_eq!(plan.objects[0].object["body"], json!({}));
    let methods: Vec<String> = equity(&plan).into_iter().map(|(m, _)| m).collect();
    assert_eq!(methods, ["register_product", "recycle", "issue"]);
    // The new registration pins the new product as this command wrote it.
    let text = plan.objects[2].object.to_string();
    assert!(text.contains("\"prod.new/0\""), "{text}");
}

#[test]
fn recycle_import_fund_and_supervision_plan_their_calls() {
    let recycle = planned(
        "transfer_management",
        "recycle",
        &json!({"time": 1,
        "product": "prod.hengtai.eq", "holdings": [{"account": "acct.sec.b", "quantity": 9}]}),
    );
    assert!(recycle.objects.is_empty());
    assert_eq!(
        equity(&recycle),
        [(
            "recycle".to_string(),
            json!({"product": "prod.hengtai.eq", "account": "acct.sec.b", "quantity": 9})
        )]
    );
    let import = planned(
        "asset_mapping",
        "import",
        &json!({"time": 1, "product": "prod.hengtai.eq",
        "batch": "register-2024", "chunk": 0,
        "holdings": [{"account": "acct.sec.b", "quantity": 4,
                      "registration": registration("reg.import", "prod.hengtai.eq")}]}),
    );
    assert_eq!(shape(&import).len(), 1);
    assert_eq!(equity(&import)[0].0, "issue");
    let empty = plan(
        "asset_mapping",
        "import",
        &json!({"time": 1, "product": "prod.hengtai.eq",
        "batch": "b", "chunk": 1, "holdings": []}),
        &Market,
    );
    assert!(matches!(empty, Err(BridgeError::BadRequest(m)) if m.contains("/holdings")));
    let withdraw = planned(
        "fund_mapping",
        "withdraw",
        &json!({"time": 1, "account": "acct.sec.b", "amount": 100}),
    );
    assert_eq!(
        equity(&withdraw),
        [(
            "fund_withdraw".to_string(),
            json!({"account": "acct.sec.b", "amount": 100})
        )]
    );
    let delete = planned(
        "supervision",
        "delete",
        &json!({"time": 1, "type": "subject", "object_id": "subject.inv.a"}),
    );
    assert_eq!(
        shape(&delete),
        [(
            ObjectType::Subject,
            "subject.inv.a".into(),
            1,
            Operation::Delete
        )]
    );
    let wrong = plan(
        "supervision",
        "delete",
        &json!({"time": 1, "type": "account", "object_id": "subject.inv.a"}),
        &Market,
    );
    assert!(matches!(wrong, Err(BridgeError::Conflict(m)) if m.contains("is a subject")));
}
