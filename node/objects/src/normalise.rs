//! Normalisation of the pilot systems' known variants, done by the bridge only and always
//! reported as a warning (DATA-MODEL.md §5); nothing else accepts them.

use serde_json::{Map, Value};

use crate::schema::escape;

/// The members of the model's `Document` (附件对象).
const DOCUMENT_KEYS: &[&str] = &[
    "uri",
    "hash",
    "file_name",
    "file_number",
    "summary",
    "term_of_validity_type",
    "term_of_validity",
];

/// A renamed member: the new pointer and what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Pointer of the member after renaming.
    pub pointer: String,
    /// What was renamed and why.
    pub message: String,
}

/// Renames, anywhere in `object`: `register_basic_infomation` (misspelt) to
/// `register_basic_information`; `url` to `uri` in an object whose other members are all
/// `Document` members; and, in a `basic_information_roster`, `register_subject_ref` to the
/// model's `register_list_subject_ref` (FIELDS.md §4). A rename that would overwrite an existing member is not made (the
/// object then fails validation with the unknown key).
pub fn normalise_pilot_variants(object: &mut Value) -> Vec<Warning> {
    let mut warnings = Vec::new();
    walk(object, "", "", &mut warnings);
    warnings
}

fn walk(value: &mut Value, at: &str, parent_key: &str, warnings: &mut Vec<Warning>) {
    match value {
        Value::Object(map) => {
            rename(
                map,
                "register_basic_infomation",
                "register_basic_information",
                at,
                warnings,
            );
            let document_like = map.contains_key("url")
                && map
                    .keys()
                    .all(|k| k == "url" || DOCUMENT_KEYS.contains(&k.as_str()));
            if document_like {
                rename(map, "url", "uri", at, warnings);
            }
            if parent_key == "basic_information_roster" {
                rename(
                    map,
                    "register_subject_ref",
                    "register_list_subject_ref",
                    at,
                    warnings,
                );
            }
            for (key, member) in map.iter_mut() {
                walk(member, &format!("{at}/{}", escape(key)), key, warnings);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{at}/{i}"), "", warnings);
            }
        }
        _ => {}
    }
}

fn rename(
    map: &mut Map<String, Value>,
    from: &str,
    to: &str,
    at: &str,
    warnings: &mut Vec<Warning>,
) {
    if map.contains_key(to) {
        return;
    }
    if let Some(member) = map.remove(from) {
        map.insert(to.into(), member);
        warnings.push(Warning {
            pointer: format!("{at}/{to}"),
            message: format!("renamed {from:?} to {to:?} (a known variant of the pilot's systems)"),
        });
    }
}
