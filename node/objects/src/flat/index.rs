//! The leaf-name index of each type, derived once from the official schema: where every name a
//! flat map may use lands in the nested body.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use serde_json::Value;
use zl_types::object::ObjectType;

use crate::schema::OFFICIAL_SCHEMA;

/// Where one name lands: its path below the map being nested, and what it is there.
#[derive(Debug)]
pub(crate) struct Slot {
    /// Property names from the map's root down to the member itself.
    pub(crate) path: Vec<String>,
    /// A group (an object of named members), placed whole when a flat map names it.
    pub(crate) group: bool,
    /// For an array whose items have groups of their own: the items' index (flat items are
    /// nested with it). `None` when flat and nested items coincide, so they are kept as sent.
    pub(crate) items: Option<Arc<Index>>,
}

/// Every name a flat map of one schema may use, with the places it lands.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Name → its places; more than one only for the exceptions of FIELDS.md §3.1.
    pub(crate) slots: BTreeMap<String, Vec<Slot>>,
    /// The root's own property names: a map using only these is already nested.
    pub(crate) top: BTreeSet<String>,
}

impl Index {
    /// Whether flat and nested forms differ at all for this schema.
    fn needs_nesting(&self) -> bool {
        self.slots
            .values()
            .flatten()
            .any(|slot| slot.group || slot.items.is_some())
    }
}

/// The index of `object_type`'s body root.
pub(crate) fn of(object_type: ObjectType) -> &'static Index {
    static INDEXES: OnceLock<Vec<Index>> = OnceLock::new();
    let indexes = INDEXES.get_or_init(|| {
        let schema: Value = serde_json::from_str(OFFICIAL_SCHEMA).expect("bundled schema is JSON");
        let mut ids = HashMap::new();
        collect_ids(&schema, &mut ids);
        let schemas = Schemas { root: &schema, ids };
        ObjectType::ALL
            .iter()
            .map(|t| schemas.index(schemas.by_ref(&format!("#{}", t.definition()))))
            .collect()
    });
    let position = ObjectType::ALL
        .iter()
        .position(|t| *t == object_type)
        .expect("every type is in ALL");
    &indexes[position]
}

/// The official schema names its definitions by `$id` (`"#Subject/BasicInformationSubject"`)
/// and refers to them by that id, so `$ref`s resolve through this table, not JSON pointers.
fn collect_ids<'a>(node: &'a Value, ids: &mut HashMap<String, &'a Value>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("$id") {
                ids.insert(id.clone(), node);
            }
            map.values().for_each(|child| collect_ids(child, ids));
        }
        Value::Array(items) => items.iter().for_each(|child| collect_ids(child, ids)),
        _ => {}
    }
}

struct Schemas<'a> {
    root: &'a Value,
    ids: HashMap<String, &'a Value>,
}

impl<'a> Schemas<'a> {
    fn by_ref(&self, reference: &str) -> &'a Value {
        let found = match reference.strip_prefix('#') {
            Some(pointer) if pointer.starts_with('/') => self.root.pointer(pointer),
            _ => self.ids.get(reference).copied(),
        };
        // The schema is bundled; a dangling reference is a build defect the tests catch.
        found.unwrap_or_else(|| panic!("official schema: unresolved $ref {reference}"))
    }

    fn resolve(&self, mut node: &'a Value) -> &'a Value {
        while let Some(Value::String(reference)) = node.get("$ref") {
            node = self.by_ref(reference);
        }
        node
    }

    /// The properties of a schema, with those of its `oneOf`/`anyOf`/`allOf` branches folded
    /// in: the subject's organisation and person blocks are branches, and a flat map may fill
    /// either.
    fn properties(&self, node: &'a Value) -> Vec<(&'a str, &'a Value)> {
        let node = self.resolve(node);
        let mut out: Vec<(&str, &Value)> = node
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.as_str(), schema))
            .collect();
        for keyword in ["oneOf", "anyOf", "allOf"] {
            for branch in node
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.extend(self.properties(branch));
            }
        }
        out
    }

    fn has_type(&self, node: &Value, wanted: &str) -> bool {
        match self.resolve(node).get("type") {
            Some(Value::String(t)) => t == wanted,
            Some(Value::Array(ts)) => ts.iter().any(|t| t == wanted),
            _ => false,
        }
    }

    fn index(&self, root: &'a Value) -> Index {
        let mut index = Index {
            top: self
                .properties(root)
                .into_iter()
                .map(|(name, _)| name.to_owned())
                .collect(),
            ..Index::default()
        };
        self.walk(root, &mut Vec::new(), &mut index);
        index
    }

    fn walk(&self, node: &'a Value, path: &mut Vec<String>, index: &mut Index) {
        for (name, schema) in self.properties(node) {
            path.push(name.to_owned());
            // A property declared without a type but with members (none in v2.0.0) is a group
            // too: what matters for placing leaves is that it has named members.
            let members = !self.properties(schema).is_empty();
            let group =
                members && (self.has_type(schema, "object") || !self.has_type(schema, "array"));
            // Arrays stop the descent: their items are a list, not more leaves of this map.
            let items = if self.has_type(schema, "array") {
                self.resolve(schema)
                    .get("items")
                    .filter(|items| !self.properties(items).is_empty())
                    .map(|items| self.index(items))
                    .filter(Index::needs_nesting)
                    .map(Arc::new)
            } else {
                None
            };
            let slot = Slot {
                path: path.clone(),
                group,
                items,
            };
            index.slots.entry(name.to_owned()).or_default().push(slot);
            if group {
                self.walk(schema, path, index);
            }
            path.pop();
        }
    }
}
