//! Property tests of the object lifecycle (JR/T 0314 §6.5): random sequences of updates (full and
//! incremental), overwrites and deletes keep versions contiguous, deletion terminal, revisions
//! append-only and refused writes without effect, and an incremental update equals the full
//! update it amounts to. Plus table tests of refusals with the real validator.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use zl_objects::lifecycle::{merge_patch, History, LifecycleError};
use zl_objects::{check_object, Violation};

fn accept(_: &Value) -> Result<(), Vec<Violation>> {
    Ok(())
}

fn object(operation: &str, version: u64, incremental: bool, body: Value) -> Value {
    let mut header = json!({
        "model": {"protocol": "区域性股权市场跨链业务数据模型", "version": "2.0.0"},
        "content": {"type": "subject", "object_id": "OBJ1", "version": version,
                    "operation": operation, "timestamp": 1_700_000_000},
    });
    if incremental {
        header["metadata"] = json!({"incremental": true});
    }
    json!({"header": header, "body": body})
}

#[derive(Clone, Debug)]
enum Op {
    Update {
        incremental: bool,
        body: Value,
    },
    Delete,
    /// Rewrite the last `back + 1` versions.
    Overwrite {
        back: usize,
        incremental: bool,
        body: Value,
    },
    /// A write at a wrong version (must be refused).
    Stale,
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0i64..5).prop_map(Value::from),
        "[a-c]{1,2}".prop_map(Value::from)
    ]
}

fn body() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-d]", leaf(), 0..4).prop_map(|members| {
        json!({"root": Value::Object(members.into_iter().collect::<Map<String, Value>>())})
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<bool>(), body()).prop_map(|(incremental, body)| Op::Update { incremental, body }),
        1 => Just(Op::Delete),
        3 => (0usize..3, any::<bool>(), body()).prop_map(|(back, incremental, body)| Op::Overwrite { back, incremental, body }),
        1 => Just(Op::Stale),
    ]
}

fn run(history: &mut History, op: &Op) -> Result<(), LifecycleError> {
    let next = history.latest() + 1;
    match op {
        Op::Update { incremental, body } => {
            history.apply(&object("update", next, *incremental, body.clone()), accept)
        }
        Op::Delete => history.apply(&object("delete", next, false, json!({})), accept),
        Op::Stale => history.apply(
            &object("update", history.latest(), false, json!({})),
            accept,
        ),
        Op::Overwrite {
            back,
            incremental,
            body,
        } => {
            let first = history.latest().saturating_sub(*back as u64);
            let batch: Vec<Value> = (first..=history.latest())
                .map(|v| object("overwrite", v, *incremental && v > 0, body.clone()))
                .collect();
            history.overwrite(&batch, accept)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lifecycle_invariants(first in body(), ops in prop::collection::vec(op(), 1..24)) {
        let mut history = History::create(&object("create", 0, false, first), accept).expect("create");
        let mut versions_written = 1u64;
        for op in &ops {
            let before = history.clone();
            let result = run(&mut history, op);
            if before.is_deleted() {
                prop_assert!(result.is_err(), "a write after deletion was taken: {op:?}");
            }
            match result {
                Err(_) => prop_assert_eq!(&history, &before, "a refused write changed the history"),
                Ok(()) => {
                    if matches!(op, Op::Update { .. } | Op::Delete) {
                        versions_written += 1;
                    }
                    prop_assert!(!matches!(op, Op::Stale));
                }
            }
            // Versions contiguous: 0..=latest, each with at least one revision.
            prop_assert_eq!(history.latest() + 1, versions_written);
            for v in 0..=history.latest() {
                prop_assert!(!history.revisions(v).expect("version").is_empty());
            }
            prop_assert!(history.revisions(history.latest() + 1).is_none());
            // Revisions append-only.
            for v in 0..=before.latest() {
                let old = before.revisions(v).expect("old version");
                let new = history.revisions(v).expect("kept version");
                prop_assert_eq!(&new[..old.len()], old);
            }
        }
    }

    #[test]
    fn incremental_update_equals_the_full_update(first in body(), patch in body()) {
        let created = History::create(&object("create", 0, false, first.clone()), accept).expect("create");
        let mut incremental = created.clone();
        incremental.apply(&object("update", 1, true, patch.clone()), accept).expect("incremental");
        let mut expected = first;
        merge_patch(&mut expected, &patch);
        let mut full = created;
        full.apply(&object("update", 1, false, expected.clone()), accept).expect("full");
        prop_assert_eq!(&incremental.current(1).expect("v1").full_body, &expected);
        prop_assert_eq!(&full.current(1).expect("v1").full_body, &expected);
    }
}

fn person() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/subject-2.json");
    let mut object: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    object["header"]["content"]["operation"] = json!("create");
    object["header"]["content"]["version"] = json!(0);
    object
}

fn validate(object: &Value) -> Result<(), Vec<Violation>> {
    check_object(object).map(|_| ())
}

#[test]
fn incremental_updates_must_leave_a_valid_full_snapshot() {
    let created = person();
    let mut history = History::create(&created, validate).expect("valid create");
    let id = created["header"]["content"]["object_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = |body: Value| {
        let mut write = json!({"header": created["header"].clone(), "body": body});
        write["header"]["content"]["operation"] = json!("update");
        write["header"]["content"]["version"] = json!(1);
        write["header"]["metadata"] = json!({"incremental": true});
        write
    };
    // Clearing a required member with null leaves an invalid snapshot: refused, nothing changes.
    let clear = update(
        json!({"subject_information": {"personal_subject_information": {
        "personal_subject_basic_information": {"subject_investor_name": null}}}}),
    );
    let before = history.clone();
    assert!(matches!(
        history.apply(&clear, validate),
        Err(LifecycleError::Invalid { version: 1, .. })
    ));
    assert_eq!(history, before);
    // Changing a phone number is fine, and the rest of the snapshot is kept.
    let phone = update(
        json!({"subject_information": {"personal_subject_information": {
        "personal_subject_basic_information": {"subject_cellphone_number": "13800000000"}}}}),
    );
    history.apply(&phone, validate).expect("valid patch");
    let full = &history.current(1).unwrap().full_body;
    let basic = &full["subject_information"]["personal_subject_information"]
        ["personal_subject_basic_information"];
    assert_eq!(basic["subject_cellphone_number"], json!("13800000000"));
    assert_eq!(
        basic["subject_investor_name"],
        created["body"]["subject_information"]["personal_subject_information"]
            ["personal_subject_basic_information"]["subject_investor_name"]
    );
    assert_eq!(history.latest(), 1);
    assert!(!id.is_empty());
}

#[test]
fn refusals_table() {
    let mut history =
        History::create(&object("create", 0, false, json!({"root": {}})), accept).expect("create");
    history
        .apply(
            &object("update", 1, false, json!({"root": {"a": 1}})),
            accept,
        )
        .expect("v1");
    let mut other = object("update", 2, false, json!({}));
    other["header"]["content"]["object_id"] = json!("OBJ2");
    let mut retyped = object("update", 2, false, json!({}));
    retyped["header"]["content"]["type"] = json!("account");
    let cases: Vec<(&str, Result<(), LifecycleError>)> = vec![
        (
            "skipped version",
            history
                .clone()
                .apply(&object("update", 3, false, json!({})), accept),
        ),
        (
            "create again",
            history
                .clone()
                .apply(&object("create", 0, false, json!({})), accept),
        ),
        ("other object", history.clone().apply(&other, accept)),
        ("type changed", history.clone().apply(&retyped, accept)),
        (
            "overwrite of v0 without v1",
            history
                .clone()
                .overwrite(&[object("overwrite", 0, false, json!({}))], accept),
        ),
        (
            "overwrite past latest",
            history
                .clone()
                .overwrite(&[object("overwrite", 2, false, json!({}))], accept),
        ),
        (
            "incremental overwrite of v0",
            history.clone().overwrite(
                &[
                    object("overwrite", 0, true, json!({})),
                    object("overwrite", 1, false, json!({})),
                ],
                accept,
            ),
        ),
        ("empty overwrite", history.clone().overwrite(&[], accept)),
    ];
    for (what, result) in cases {
        assert!(result.is_err(), "{what} was taken");
    }
    let mut deleted = history.clone();
    deleted
        .apply(&object("delete", 2, false, json!({})), accept)
        .expect("delete");
    assert_eq!(deleted.current(2).unwrap().full_body, json!({}));
    assert!(matches!(
        deleted.overwrite(&[object("overwrite", 2, false, json!({}))], accept),
        Err(LifecycleError::Deleted(2))
    ));
    // A valid overwrite of v0 and v1 adds one revision to each.
    let batch = [
        object("overwrite", 0, false, json!({"root": {"b": 2}})),
        object("overwrite", 1, true, json!({"root": {"c": 3}})),
    ];
    history.overwrite(&batch, accept).expect("overwrite");
    assert_eq!(history.revisions(0).unwrap().len(), 2);
    assert_eq!(
        history.current(1).unwrap().full_body,
        json!({"root": {"b": 2, "c": 3}})
    );
}

#[test]
fn merge_patch_follows_rfc_7396_examples() {
    // RFC 7396 appendix A (a selection).
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (
            json!({"a": "b"}),
            json!({"b": "c"}),
            json!({"a": "b", "b": "c"}),
        ),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
        (
            json!({"a": {"b": "c"}}),
            json!({"a": {"b": "d", "c": null}}),
            json!({"a": {"b": "d"}}),
        ),
        (
            json!({"a": [{"b": "c"}]}),
            json!({"a": [1]}),
            json!({"a": [1]}),
        ),
        (
            json!({"e": null}),
            json!({"a": 1}),
            json!({"e": null, "a": 1}),
        ),
        (
            json!([1, 2]),
            json!({"a": "b", "c": null}),
            json!({"a": "b"}),
        ),
        (
            json!({}),
            json!({"a": {"bb": {"ccc": null}}}),
            json!({"a": {"bb": {}}}),
        ),
    ];
    for (target, patch, expected) in cases {
        let mut result = target.clone();
        merge_patch(&mut result, &patch);
        assert_eq!(result, expected, "{target} + {patch}");
    }
}
