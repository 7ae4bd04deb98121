//! Mutation tests from the valid examples: removing each required member, putting each enum out
//! of range and giving each member a wrong type must each be refused with a violation at the
//! right pointer. The sites are found by walking the official schema beside each object, so
//! every field the examples fill is mutated, not a hand-picked few.

use std::collections::HashMap;

use serde_json::{json, Value};
use zl_objects::normalise::normalise_pilot_variants;
use zl_objects::schema::OFFICIAL_SCHEMA;
use zl_objects::{check_object, Rule};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The valid bases: fixtures accepted by the full checks, or made so by the one fix named.
fn bases() -> Vec<(&'static str, Value)> {
    let load = |name: &str| -> Value {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
        serde_json::from_str(&text).expect("JSON")
    };
    let subject_2 = load("subject-2.json");
    let mut subject_4 = load("subject-4.json");
    subject_4["header"]["content"]["type"] = json!("subject"); // labelled registration
    let mut product_1 = load("product-1.json");
    let at = "/body/product_information/essential_information/basic_product_information/product_market_subject_ref";
    *product_1.pointer_mut(at).expect("ref") = json!("gdTokenZ0SETDXj111111111111111111111/0");
    let mut registration_3 = load("registration-3.json");
    normalise_pilot_variants(&mut registration_3); // roster register_subject_ref
    let bases = vec![
        ("subject-2", subject_2),
        ("subject-4", subject_4),
        ("product-1", product_1),
        ("registration-3", registration_3),
    ];
    for (name, object) in &bases {
        assert!(
            check_object(object).is_ok(),
            "{name} is a valid base: {:?}",
            check_object(object)
        );
    }
    bases
}

/// Every schema with a `$id`, by that id, to resolve `$ref`s.
fn ids(node: &Value, out: &mut HashMap<String, Value>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("$id") {
                out.insert(id.clone(), node.clone());
            }
            map.values().for_each(|child| ids(child, out));
        }
        Value::Array(items) => items.iter().for_each(|child| ids(child, out)),
        _ => {}
    }
}

fn resolve<'s>(mut schema: &'s Value, index: &'s HashMap<String, Value>) -> &'s Value {
    while let Some(Value::String(target)) = schema.get("$ref") {
        schema = index
            .get(target)
            .unwrap_or_else(|| panic!("unresolved $ref {target}"));
    }
    schema
}

/// One mutation: where, and the object with it applied.
struct Site {
    what: String,
    pointer: String,
    object: Value,
}

fn wrong_type(schema: &Value) -> Option<Value> {
    let types: Vec<&str> = match schema.get("type")? {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    [
        json!("not-this-type"),
        json!(12345),
        json!([1]),
        json!({"x": 1}),
        json!(true),
    ]
    .into_iter()
    .find(|candidate| {
        !types.iter().any(|t| match *t {
            "string" => candidate.is_string(),
            "integer" => candidate.is_i64(),
            "number" => candidate.is_number(),
            "array" => candidate.is_array(),
            "object" => candidate.is_object(),
            "boolean" => candidate.is_boolean(),
            _ => true,
        })
    })
}

fn out_of_range(schema: &Value) -> Option<Value> {
    let allowed = schema.get("enum")?.as_array()?;
    let candidate = if allowed.iter().all(Value::is_string) {
        json!("99999")
    } else {
        json!(99999)
    };
    (!allowed.contains(&candidate)).then_some(candidate)
}

fn with(base: &Value, pointer: &str, change: impl FnOnce(&mut Value, &str)) -> Value {
    let mut object = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("a member pointer");
    let parent_value = object.pointer_mut(parent).expect("parent exists");
    change(parent_value, key);
    object
}

fn sites(
    base: &Value,
    schema: &Value,
    instance: &Value,
    at: &str,
    index: &HashMap<String, Value>,
    out: &mut Vec<Site>,
) {
    let schema = resolve(schema, index);
    if !at.starts_with("/body/") {
        // Only body members: the header has its own table tests.
    } else {
        if let Some(value) = wrong_type(schema) {
            let object = with(base, at, |p, k| set(p, k, value));
            out.push(Site {
                what: "wrong type".into(),
                pointer: at.into(),
                object,
            });
        }
        if let Some(value) = out_of_range(schema) {
            let object = with(base, at, |p, k| set(p, k, value));
            out.push(Site {
                what: "enum out of range".into(),
                pointer: at.into(),
                object,
            });
        }
    }
    match instance {
        Value::Object(members) => {
            let mut properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for branch in schema
                .get("oneOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(extra) = resolve(branch, index)
                    .get("properties")
                    .and_then(Value::as_object)
                {
                    properties.extend(extra.clone());
                }
            }
            if at.starts_with("/body/") {
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = name.as_str().expect("required names are strings");
                    if members.contains_key(name) {
                        let object = with(base, &format!("{at}/{name}"), |p, k| {
                            p.as_object_mut().expect("object").remove(k);
                        });
                        out.push(Site {
                            what: format!("required {name} removed"),
                            pointer: at.into(),
                            object,
                        });
                    }
                }
            }
            for (key, member) in members {
                if let Some(child) = properties.get(key) {
                    sites(base, child, member, &format!("{at}/{key}"), index, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    sites(base, item_schema, item, &format!("{at}/{i}"), index, out);
                }
            }
        }
        _ => {}
    }
}

fn set(parent: &mut Value, key: &str, value: Value) {
    match parent {
        Value::Object(map) => {
            map.insert(key.into(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("index")] = value,
        _ => panic!("parent is a container"),
    }
}

#[test]
fn every_mutation_of_the_valid_examples_is_refused_at_its_pointer() {
    let official: Value = serde_json::from_str(OFFICIAL_SCHEMA).expect("schema");
    let mut index = HashMap::new();
    ids(&official, &mut index);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut kinds: HashMap<&'static str, usize> = HashMap::new();
    for (name, base) in bases() {
        let mut found = Vec::new();
        let body_schema = &official["properties"]["body"];
        let root = base["body"]
            .as_object()
            .expect("body")
            .keys()
            .next()
            .expect("root")
            .clone();
        let root_schema = body_schema["oneOf"]
            .as_array()
            .expect("oneOf")
            .iter()
            .map(|b| &b["properties"][&root])
            .find(|s| !s.is_null())
            .expect("the root is a branch");
        sites(
            &base,
            root_schema,
            &base["body"][&root],
            &format!("/body/{root}"),
            &index,
            &mut found,
        );
        assert!(found.len() > 20, "{name}: only {} sites", found.len());
        for site in found {
            let violations = check_object(&site.object).expect_err(&format!(
                "{name}: {} at {} must be refused",
                site.what, site.pointer
            ));
            assert!(
                violations
                    .iter()
                    .any(|v| v.pointer == site.pointer && v.rule == Rule::Schema),
                "{name}: {} at {}: {violations:?}",
                site.what,
                site.pointer
            );
            *counts.entry(name).or_default() += 1;
            let kind = ["wrong type", "enum out of range", "required"]
                .into_iter()
                .find(|k| site.what.starts_with(k))
                .expect("a known kind");
            *kinds.entry(kind).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), 4, "{counts:?}");
    // All three kinds were exercised.
    for kind in ["wrong type", "enum out of range", "required"] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} mutation: {kinds:?}"
        );
    }
    eprintln!("mutations refused: {counts:?} {kinds:?}");
}
