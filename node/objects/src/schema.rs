//! The model's JSON Schema: the official v2.0.0 file, verbatim, and the strict per-type schemas
//! the node validates with (DATA-MODEL.md §3). Compiled once per process.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Validator};
use serde_json::{json, Value};
use zl_types::object::ObjectType;

use crate::{Rule, Violation};

/// The official 数据对象Schema-v2.0.0 (draft-06), byte for byte.
pub const OFFICIAL_SCHEMA: &str = include_str!("../../../config/schemas/Schema-v2.0.0.json");

/// The header of JR/T 0314—2024 table 1 (the model's header plus `remark`, `seal` and the
/// `overwrite` operation), which replaces the official `#Header` definition.
pub const HEADER_SCHEMA: &str = include_str!("../../../config/schemas/Header-jrt0314-2024.json");

fn compile(schema: &Value) -> Validator {
    jsonschema::options()
        .with_draft(Draft::Draft6)
        .should_validate_formats(true)
        .build(schema)
        // The schemas are bundled and tested; failing to compile them is a build defect.
        .expect("bundled schema compiles")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("bundled schema is JSON")
}

/// Validates `object` against the official schema alone, as any draft-06 validator would.
pub fn official_violations(object: &Value) -> Vec<Violation> {
    static OFFICIAL: OnceLock<Validator> = OnceLock::new();
    let validator = OFFICIAL.get_or_init(|| compile(&parse(OFFICIAL_SCHEMA)));
    violations(validator, object)
}

/// Validates `object` against the strict schema of `object_type`: the body must carry that
/// type's root (so errors point into it), the JR/T 0314 header, and no member the model does
/// not define (`additionalProperties: false` wherever the model lists properties).
pub fn strict_violations(object_type: ObjectType, object: &Value) -> Vec<Violation> {
    static STRICT: OnceLock<Vec<Validator>> = OnceLock::new();
    let validators = STRICT.get_or_init(|| {
        ObjectType::ALL
            .iter()
            .map(|t| compile(&strict_schema(*t)))
            .collect()
    });
    let index = ObjectType::ALL
        .iter()
        .position(|t| *t == object_type)
        .expect("every type is in ALL");
    violations(&validators[index], object)
}

/// The strict schema for one type (public so DATA-MODEL.md's description can be checked).
pub fn strict_schema(object_type: ObjectType) -> Value {
    let mut schema = parse(OFFICIAL_SCHEMA);
    schema["definitions"]["Header"] = parse(HEADER_SCHEMA);
    let root = object_type.body_root();
    schema["properties"]["body"] = json!({
        "type": "object",
        "properties": { root: { "$ref": format!("#{}", object_type.definition()) } },
        "required": [root],
    });
    schema["required"] = json!(["header", "body"]);
    close(&mut schema);
    schema
}

/// Adds `additionalProperties: false` to every schema that lists `properties`, after folding
/// into it the properties of its `oneOf` branches (whose choice the subject check makes with its
/// own error), and recurses. `metadata` (declared without a type) stays open.
fn close(node: &mut Value) {
    let Some(map) = node.as_object_mut() else {
        if let Some(items) = node.as_array_mut() {
            items.iter_mut().for_each(close);
        }
        return;
    };
    if let Some(Value::Array(branches)) = map.remove("oneOf") {
        if map.contains_key("properties") {
            let properties = map["properties"]
                .as_object_mut()
                .expect("properties is an object");
            for branch in branches {
                if let Some(Value::Object(extra)) = branch.get("properties") {
                    for (name, schema) in extra {
                        properties.insert(name.clone(), schema.clone());
                    }
                }
            }
        } else {
            map.insert("oneOf".into(), Value::Array(branches));
        }
    }
    if map.get("properties").is_some_and(Value::is_object)
        && !map.contains_key("additionalProperties")
    {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (key, child) in map.iter_mut() {
        // Property names are data, not schemas: recurse into each property's schema.
        if key == "properties" || key == "definitions" {
            if let Some(children) = child.as_object_mut() {
                children.values_mut().for_each(close);
            }
        } else if matches!(key.as_str(), "items" | "oneOf" | "anyOf" | "allOf") {
            close(child);
        }
    }
}

fn violations(validator: &Validator, object: &Value) -> Vec<Violation> {
    validator
        .iter_errors(object)
        .flat_map(|error| {
            let at = error.instance_path().to_string();
            match error.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
                    .iter()
                    .map(|name| Violation {
                        pointer: format!("{at}/{}", escape(name)),
                        rule: Rule::UnknownKey,
                        message: "is not a member the model v2.0.0 defines here".into(),
                    })
                    .collect::<Vec<_>>(),
                // Masked: messages never echo values (they may be personal data).
                _ => vec![Violation {
                    pointer: at,
                    rule: Rule::Schema,
                    message: error.masked().to_string(),
                }],
            }
        })
        .collect()
}

/// RFC 6901 escaping of one reference token.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
