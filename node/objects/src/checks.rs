//! The checks the loose official schema misses (DATA-MODEL.md §4), each with its own rule.

use serde_json::Value;
use zl_types::object::{ObjectType, Reference};

use crate::identifiers::{check_resident_id, check_uscc};
use crate::schema::{escape, strict_violations};
use crate::{Rule, Violation};

/// Largest integer magnitude kept exactly by every JSON reader (I-JSON, RFC 7493).
pub const EXACT_INTEGER_MAX: u64 = (1 << 53) - 1;

/// The code of 居民身份证 in `subject_id_type` and `subject_document_type` (0 is 空值; the
/// pilot's data sends 18-digit identity numbers under 1).
pub const RESIDENT_ID_TYPE: i64 = 1;

/// Checks of a full snapshot of `object_type`.
pub fn full_snapshot(object_type: ObjectType, object: &Value) -> Vec<Violation> {
    let body = object.get("body").and_then(Value::as_object);
    if let Some(body) = body {
        if let Some(named) = body.keys().find_map(|k| ObjectType::from_body_root(k)) {
            if named != object_type {
                return vec![Violation {
                    pointer: "/header/content/type".into(),
                    rule: Rule::TypeMismatch,
                    message: format!(
                        "is {:?} but the body's root is {:?} (a {} object)",
                        object_type.name(),
                        named.body_root(),
                        named.name()
                    ),
                }];
            }
        }
    }
    let mut violations = strict_violations(object_type, object);
    let root = body.and_then(|b| b.get(object_type.body_root()));
    let at = format!("/body/{}", object_type.body_root());
    if let Some(root) = root {
        match object_type {
            ObjectType::Subject => subject_kind(root, &at, &mut violations),
            ObjectType::Registration => registration_block(root, &at, &mut violations),
            _ => {}
        }
        identifiers(root, &at, &mut violations);
    }
    numbers(object, "", &mut violations);
    violations
}

/// A deletion's body is empty: absent, `null` or `{}`.
pub fn deletion(object: &Value) -> Vec<Violation> {
    let mut violations = Vec::new();
    match object.get("body") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) if map.is_empty() => {}
        Some(_) => violations.push(Violation {
            pointer: "/body".into(),
            rule: Rule::DeletionBody,
            message: "a delete carries an empty body ({}), JR/T 0314 §6.5 e".into(),
        }),
    }
    violations
}

/// Exactly one of the organisation and person blocks, agreeing with `subject_type`
/// (1 机构, 2 个人).
fn subject_kind(root: &Value, at: &str, violations: &mut Vec<Violation>) {
    let organisation = present(root.get("organization_subject_information"));
    let person = present(root.get("personal_subject_information"));
    let kind = root
        .pointer("/basic_information_subject/general_information_subject/subject_type")
        .and_then(Value::as_i64);
    let problem = match (organisation, person, kind) {
        (true, true, _) => Some("carries both organization_subject_information and personal_subject_information; a subject is one or the other"),
        (false, false, _) => Some("carries neither organization_subject_information nor personal_subject_information; a subject is one or the other"),
        (false, true, Some(1)) => Some("has subject_type 1 (机构) but a personal_subject_information block"),
        (true, false, Some(2)) => Some("has subject_type 2 (个人) but an organization_subject_information block"),
        _ => None,
    };
    if let Some(problem) = problem {
        violations.push(Violation {
            pointer: at.into(),
            rule: Rule::SubjectKind,
            message: problem.into(),
        });
    }
}

/// `register_object_type` 1 (权利登记) needs `registration_rights`, 2 (名册登记) needs
/// `roll_records` (FIELDS.md §10). The other block may ride along: the pilot's rights
/// registrations carry a roster block naming the product and subject.
fn registration_block(root: &Value, at: &str, violations: &mut Vec<Violation>) {
    let kind = root
        .pointer("/register_basic_information/register_object_type")
        .and_then(Value::as_i64);
    let (block, name) = match kind {
        Some(1) => ("registration_rights", "1 (权利登记, rights registration)"),
        Some(2) => ("roll_records", "2 (名册登记, roster registration)"),
        // Absent or out of range: the schema reports it.
        _ => return,
    };
    if !present(root.get(block)) {
        violations.push(Violation {
            pointer: format!("{at}/{block}"),
            rule: Rule::RegistrationBlock,
            message: format!("is missing but register_object_type is {name}, which needs it"),
        });
    }
}

/// Where the model names a number as an identifier this node can check (DATA-MODEL.md §5):
/// a person's `subject_id_number` when `subject_id_type` is 1 (居民身份证), a key person's
/// `subject_key_personnel_id` when `subject_document_type` is 1, and every
/// `product_unified_social_credit_code`. Empty strings are left to the schema's `required`.
fn identifiers(value: &Value, at: &str, violations: &mut Vec<Violation>) {
    match value {
        Value::Object(map) => {
            let mut check = |key: &str, checker: fn(&str) -> Result<(), String>| {
                if let Some(Value::String(number)) = map.get(key) {
                    if !number.is_empty() {
                        if let Err(message) = checker(number) {
                            violations.push(Violation {
                                pointer: format!("{at}/{key}"),
                                rule: Rule::Identifier,
                                message,
                            });
                        }
                    }
                }
            };
            let kind = |key: &str| map.get(key).and_then(Value::as_i64);
            if kind("subject_id_type") == Some(RESIDENT_ID_TYPE) {
                check("subject_id_number", check_resident_id);
            }
            if kind("subject_document_type") == Some(RESIDENT_ID_TYPE) {
                check("subject_key_personnel_id", check_resident_id);
            }
            check("product_unified_social_credit_code", check_uscc);
            for (key, member) in map {
                identifiers(member, &format!("{at}/{}", escape(key)), violations);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                identifiers(item, &format!("{at}/{i}"), violations);
            }
        }
        _ => {}
    }
}

fn present(value: Option<&Value>) -> bool {
    value.is_some_and(|v| !v.is_null())
}

/// Every integer within ±(2^53 − 1).
fn numbers(value: &Value, at: &str, violations: &mut Vec<Violation>) {
    match value {
        Value::Number(n) => {
            let exact = n
                .as_i64()
                .map(|i| i.unsigned_abs() <= EXACT_INTEGER_MAX)
                .or_else(|| n.as_u64().map(|u| u <= EXACT_INTEGER_MAX))
                .unwrap_or(true);
            if !exact {
                violations.push(Violation {
                    pointer: at.into(),
                    rule: Rule::Number,
                    message: "is an integer beyond ±(2^53 − 1), which JSON readers do not all keep exactly; send it as a string".into(),
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numbers(item, &format!("{at}/{i}"), violations);
            }
        }
        Value::Object(map) => {
            for (key, member) in map {
                numbers(member, &format!("{at}/{}", escape(key)), violations);
            }
        }
        _ => {}
    }
}

/// Every member whose name ends in `_ref` and holds a non-empty string is a reference
/// `<object_id>/<version>`; arrays of such strings too. Malformed ones are violations.
pub fn references(object: &Value, violations: &mut Vec<Violation>) -> Vec<(String, Reference)> {
    let mut found = Vec::new();
    if let Some(body) = object.get("body") {
        collect_references(body, "/body", false, &mut found, violations);
    }
    found
}

fn collect_references(
    value: &Value,
    at: &str,
    is_reference: bool,
    found: &mut Vec<(String, Reference)>,
    violations: &mut Vec<Violation>,
) {
    match value {
        Value::String(text) if is_reference && !text.is_empty() => {
            match text.parse::<Reference>() {
                Ok(reference) => found.push((at.to_owned(), reference)),
                Err(e) => violations.push(Violation {
                    pointer: at.into(),
                    rule: Rule::Reference,
                    message: e.problem,
                }),
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_references(item, &format!("{at}/{i}"), is_reference, found, violations);
            }
        }
        Value::Object(map) => {
            for (key, member) in map {
                let pointer = format!("{at}/{}", escape(key));
                collect_references(member, &pointer, key.ends_with("_ref"), found, violations);
            }
        }
        _ => {}
    }
}
