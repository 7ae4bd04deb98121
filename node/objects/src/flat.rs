//! The pilot systems' flat form of a body (one map keyed by the model's leaf names, FIELDS.md
//! §3.1 and §7) turned into the nested body member the schema defines.
//!
//! Leaf names are unique within a type except for a few that appear in two branches; those are
//! placed by the branch the map's other members (or its `subject_type`/`register_object_type`)
//! choose, and refused as ambiguous otherwise. Every name is looked up in an index derived from
//! the official schema itself, so this follows the model without a hand-kept table.

mod index;

use serde_json::{Map, Value};
use zl_types::object::ObjectType;

use crate::normalise::{normalise_pilot_variants, Warning};
use crate::schema::escape;
use crate::{Rule, Violation};
use index::{Index, Slot};

/// The id fields the pilot's flat maps carry (FIELDS.md §3.2). They name the object, which
/// lives in `header.content.object_id`, so they are not body members: the caller takes them
/// out before calling [`nest`], which refuses them like any other non-member.
pub const ID_FIELDS: &[&str] = &[
    "subject_object_id",
    "account_object_id",
    "product_object_id",
    "transaction_object_id",
    "register_registration_object_id",
];

/// Members whose value names the branch a shared leaf name belongs to (FIELDS.md §3.7, §3.9,
/// §3.10): the value, and the property that starts that branch.
const DECIDERS: &[(&str, &[(i64, &str)])] = &[
    (
        "subject_type",
        &[
            (1, "organization_subject_information"),
            (2, "personal_subject_information"),
        ],
    ),
    (
        "register_object_type",
        &[(1, "registration_rights"), (2, "roll_records")],
    ),
];

/// A nested body member and the pilot variants renamed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Nested {
    /// The object under the type's body root (e.g. what goes in `body.subject_information`).
    pub root: Value,
    /// Renames of the pilot's known variants (`url` → `uri` in documents …), with pointers
    /// into `root`.
    pub warnings: Vec<Warning>,
}

/// Builds the nested body member of `object_type` (the value under its body root) from a flat
/// map of leaf names. A name that is a group of the model (`general_information_subject` …)
/// with an object value is placed whole; an array is placed whole, its items nested in turn if
/// they are given flat. The pilot's id fields ([`ID_FIELDS`]) must be taken out first.
/// Returns every violation, sorted, with pointers into the flat map (`/<key>`).
pub fn nest(object_type: ObjectType, flat: &Map<String, Value>) -> Result<Nested, Vec<Violation>> {
    let mut violations = Vec::new();
    let context = format!("a {} body", object_type.name());
    let mut root = nest_map(index::of(object_type), flat, "", &context, &mut violations);
    if !violations.is_empty() {
        violations.sort();
        violations.dedup();
        return Err(violations);
    }
    let warnings = normalise_pilot_variants(&mut root);
    Ok(Nested { root, warnings })
}

/// Whether `value` (the member given for a body) is already nested: an object whose keys are
/// all top-level property names of the type's root definition. Such a map is also a flat map
/// that [`nest`] leaves as it is, except for list items given flat, which it nests.
pub fn is_nested(object_type: ObjectType, value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| only_top(index::of(object_type), map))
}

fn only_top(index: &Index, map: &Map<String, Value>) -> bool {
    map.keys().all(|key| index.top.contains(key))
}

/// Nests one flat map with `index`; `at` is the map's pointer, `context` says what it is.
fn nest_map(
    index: &Index,
    flat: &Map<String, Value>,
    at: &str,
    context: &str,
    violations: &mut Vec<Violation>,
) -> Value {
    let mut root = Map::new();
    let mut shared = Vec::new();
    for (key, value) in flat {
        let pointer = format!("{at}/{}", escape(key));
        match index.slots.get(key).map(Vec::as_slice) {
            None | Some([]) => violations.push(Violation {
                pointer,
                rule: Rule::UnknownKey,
                message: if ID_FIELDS.contains(&key.as_str()) {
                    "is an object id, not a body member: it belongs in header.content.object_id \
                     (give it as the spec's object_id)"
                        .into()
                } else {
                    format!("the model v2.0.0 has no member of that name in {context}")
                },
            }),
            Some([slot]) => place(&mut root, slot, key, value, &pointer, violations),
            Some(slots) => shared.push((key, value, slots, pointer)),
        }
    }
    // Shared names are placed only after every other member, so that the branch those chose
    // decides, whatever the order of the map's keys; and all choices are made before any is
    // placed, so one shared name never decides for another.
    let chosen: Vec<Option<usize>> = shared
        .iter()
        .map(|(_, _, slots, _)| choose(index, &root, slots))
        .collect();
    for ((key, value, slots, pointer), choice) in shared.into_iter().zip(chosen) {
        match choice {
            Some(i) => place(&mut root, &slots[i], key, value, &pointer, violations),
            None => violations.push(ambiguous(slots, pointer)),
        }
    }
    Value::Object(root)
}

/// Which of a shared name's slots the map selects: the one its decider's value names, else the
/// only one whose branch other members already landed in.
fn choose(index: &Index, root: &Map<String, Value>, slots: &[Slot]) -> Option<usize> {
    // The branches start where the candidates' paths part (no path is a prefix of another).
    let part = (0..)
        .take_while(|&d| slots.iter().all(|s| s.path.get(d) == slots[0].path.get(d)))
        .count();
    let only = |hit: &dyn Fn(&Slot) -> bool| {
        let hits: Vec<usize> = (0..slots.len()).filter(|&i| hit(&slots[i])).collect();
        (hits.len() == 1).then(|| hits[0])
    };
    let decided = DECIDERS.iter().find_map(|(name, branches)| {
        let [decider] = index.slots.get(*name)?.as_slice() else {
            return None;
        };
        let code = get(root, &decider.path)?.as_i64()?;
        let (_, branch) = branches.iter().find(|(c, _)| *c == code)?;
        only(&|s| s.path.get(part).is_some_and(|p| p == branch))
    });
    decided.or_else(|| only(&|s| s.path.get(..=part).and_then(|p| get(root, p)).is_some()))
}

fn ambiguous(slots: &[Slot], pointer: String) -> Violation {
    let paths: Vec<String> = slots.iter().map(|s| render(&s.path)).collect();
    let deciders: Vec<&str> = DECIDERS
        .iter()
        .filter(|(_, branches)| {
            branches
                .iter()
                .any(|(_, b)| slots.iter().any(|s| s.path.iter().any(|p| p == b)))
        })
        .map(|(name, _)| *name)
        .collect();
    let hint = match deciders.as_slice() {
        [] => String::new(),
        names => format!("give {} or ", names.join(" or ")),
    };
    Violation {
        pointer,
        rule: Rule::Schema,
        message: format!(
            "is ambiguous: the model has this name at {}, and no other member shows which; \
             {hint}send the body in nested form",
            paths.join(" and ")
        ),
    }
}

/// Puts `value` at the slot's path: a group must be an object; an array's items given flat are
/// nested with the items' own index.
fn place(
    root: &mut Map<String, Value>,
    slot: &Slot,
    key: &str,
    value: &Value,
    pointer: &str,
    violations: &mut Vec<Violation>,
) {
    if slot.group && !value.is_object() {
        violations.push(Violation {
            pointer: pointer.into(),
            rule: Rule::Schema,
            message: format!(
                "names the group at {}: give an object of its members, or each member under its own name",
                render(&slot.path)
            ),
        });
        return;
    }
    let value = match (&slot.items, value) {
        (Some(items), Value::Array(list)) => Value::Array(
            list.iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) if !only_top(items, map) => {
                        let context = format!("an item of {key}");
                        nest_map(items, map, &format!("{pointer}/{i}"), &context, violations)
                    }
                    _ => item.clone(),
                })
                .collect(),
        ),
        _ => value.clone(),
    };
    if !put(root, &slot.path, value) {
        violations.push(Violation {
            pointer: pointer.into(),
            rule: Rule::Schema,
            message: format!(
                "lands at {}, which another member of this map fills already; give each member once",
                render(&slot.path)
            ),
        });
    }
}

/// Inserts `value` at `path`, creating the groups on the way and merging into a group already
/// there (a group given whole next to some of its members given flat). False on a clash.
fn put(map: &mut Map<String, Value>, path: &[String], value: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut map = map;
    for name in parents {
        match map
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(inner) => map = inner,
            _ => return false,
        }
    }
    match (map.get_mut(last), value) {
        (None, value) => {
            map.insert(last.clone(), value);
            true
        }
        (Some(Value::Object(existing)), Value::Object(members)) => {
            members.into_iter().fold(true, |ok, (name, member)| {
                put(existing, &[name], member) && ok
            })
        }
        _ => false,
    }
}

fn get<'a>(map: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(map.get(first)?, |value, name| value.get(name))
}

/// A path below the body root as a JSON pointer.
fn render(path: &[String]) -> String {
    path.iter().map(|p| format!("/{}", escape(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_object;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

    /// The inverse of `nest` by the same rules: every leaf under its own name, arrays whole
    /// (their grouped items flattened), empty groups kept by name. Refuses a name filled twice.
    fn flatten(index: &Index, nested: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        fn collect(
            index: &Index,
            prefix: &[String],
            map: &Map<String, Value>,
            flat: &mut Map<String, Value>,
        ) -> Result<(), String> {
            for (key, value) in map {
                let path = [prefix, std::slice::from_ref(key)].concat();
                let slot = index
                    .slots
                    .get(key)
                    .into_iter()
                    .flatten()
                    .find(|s| s.path == path);
                let slot = slot.ok_or_else(|| format!("{} is not in the model", render(&path)))?;
                let value = match (value, &slot.items) {
                    (Value::Object(members), _) if slot.group && !members.is_empty() => {
                        collect(index, &path, members, flat)?;
                        continue;
                    }
                    (Value::Array(list), Some(items)) => Value::Array(
                        list.iter()
                            .map(|item| match item {
                                Value::Object(m) => flatten(items, m).map(Value::Object),
                                other => Ok(other.clone()),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    _ => value.clone(),
                };
                if flat.insert(key.clone(), value).is_some() {
                    return Err(format!("{key} is filled twice"));
                }
            }
            Ok(())
        }
        let mut flat = Map::new();
        collect(index, &[], nested, &mut flat)?;
        Ok(flat)
    }

    /// Every complete v2.0.0 fixture, after the bridge's normalisation, with its type and root.
    fn fixtures() -> Vec<(String, Value, ObjectType, Map<String, Value>)> {
        let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
            .expect("fixtures")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
                let mut object: Value = serde_json::from_str(&text).expect("JSON");
                normalise_pilot_variants(&mut object);
                let body = object["body"].as_object().expect("body").clone();
                let (root_key, root) = body.into_iter().next().expect("a body root");
                let object_type = ObjectType::from_body_root(&root_key).expect("a model root");
                (
                    name,
                    object,
                    object_type,
                    root.as_object().expect("root").clone(),
                )
            })
            .collect()
    }

    fn round_trips(object_type: ObjectType, root: &Map<String, Value>) -> Result<(), String> {
        let flat = flatten(index::of(object_type), root)?;
        assert!(is_nested(object_type, &Value::Object(root.clone())));
        assert!(!is_nested(object_type, &Value::Object(flat.clone())));
        let nested = nest(object_type, &flat).map_err(|v| format!("{v:?}"))?;
        assert_eq!(nested.root, Value::Object(root.clone()));
        assert_eq!(nested.warnings, vec![]);
        Ok(())
    }

    #[test]
    fn valid_fixtures_round_trip() {
        let valid: Vec<_> = fixtures()
            .into_iter()
            .filter(|(_, o, ..)| check_object(o).is_ok())
            .collect();
        let names: Vec<&str> = valid.iter().map(|(n, ..)| n.as_str()).collect();
        // subject-2 is valid as stored; registration-3 once its roster rename is normalised.
        assert_eq!(names, ["registration-3.json", "subject-2.json"]);
        assert_eq!(round_trips(ObjectType::Subject, &valid[1].3), Ok(()));
        // registration-3's roster block repeats the rights block's register_product_ref: the
        // flat form has one name for both, so that body is exactly what only nested form says.
        let collision = flatten(index::of(ObjectType::Registration), &valid[0].3);
        assert_eq!(
            collision,
            Err("register_product_ref is filled twice".into())
        );
        let mut rights_only = valid[0].3.clone();
        rights_only.remove("roll_records");
        assert_eq!(round_trips(ObjectType::Registration, &rights_only), Ok(()));
    }

    /// Structure alone: every fixture body round-trips whatever its values (bad dates, bare
    /// references, a mislabelled header), unless the flat form cannot hold it (both registration
    /// blocks naming the product) or it has a member the model lacks.
    #[test]
    fn model_shaped_fixtures_round_trip() {
        let mut outcomes = Vec::new();
        for (name, _, object_type, root) in fixtures() {
            outcomes.push(format!("{name}: {:?}", round_trips(object_type, &root)));
        }
        assert_eq!(
            outcomes,
            [
                "product-1.json: Ok(())",
                "registration-1.json: Err(\"register_product_ref is filled twice\")",
                "registration-2.json: Err(\"register_product_ref is filled twice\")",
                "registration-3.json: Err(\"register_product_ref is filled twice\")",
                "registration-4.json: Ok(())",
                "registration-5.json: Err(\"register_product_ref is filled twice\")",
                "registration-6.json: Err(\"register_product_ref is filled twice\")",
                "registration-7.json: Err(\"register_product_ref is filled twice\")",
                "subject-1.json: Ok(())",
                "subject-2.json: Ok(())",
                // Its qualification item puts subject_market_roles_type one level too high.
                "subject-3.json: Err(\"/subject_market_roles_type is not in the model\")",
                "subject-4.json: Ok(())",
            ]
        );
    }
}
