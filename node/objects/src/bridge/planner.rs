//! Building a plan: each object spec of a request (nested body, or the pilot's flat leaf-name
//! map) becomes a full object with its header, its bare references pinned to the version
//! current now (JR/T 0314 §6.5 g), the pilot's variants normalised with a warning, and every
//! check of the data model run; objects written earlier in the same command count as current.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use zl_types::object::{ObjectType, Operation, MODEL_PROTOCOL, MODEL_VERSION};
use zl_types::Call;

use super::{BridgeError, ChainView, Plan, PlannedObject, PLAN_OBJECTS_MAX};
use crate::normalise::{normalise_pilot_variants, Warning};
use crate::{check_object, flat, Rule, Violation};

/// An object as the planner sees it: its latest version, type, and whether it is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectState {
    /// The latest version.
    pub latest: u64,
    /// Its type.
    pub object_type: ObjectType,
    /// Whether its latest version is a deletion.
    pub deleted: bool,
}

/// A plan under construction.
pub struct Planner<'a> {
    chain: &'a dyn ChainView,
    time: u64,
    remark: Option<String>,
    written: HashMap<String, ObjectState>,
    plan: Plan,
    violations: Vec<Violation>,
}

impl<'a> Planner<'a> {
    /// A planner for `request`, whose `time` (Unix seconds of the business event) becomes each
    /// header's timestamp and whose optional `remark` each header's remark.
    pub fn new(chain: &'a dyn ChainView, request: &Value) -> Result<Planner<'a>, BridgeError> {
        let time = request.get("time").and_then(Value::as_u64).ok_or_else(|| {
            BridgeError::BadRequest(
                "/time: give the business event's time as Unix seconds (an integer)".into(),
            )
        })?;
        let remark = match request.get("remark") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => return Err(BridgeError::BadRequest("/remark: must be text".into())),
        };
        Ok(Planner {
            chain,
            time,
            remark,
            written: HashMap::new(),
            plan: Plan::default(),
            violations: Vec::new(),
        })
    }

    /// The object as it stands, counting what this plan writes.
    pub fn state(&self, object_id: &str) -> Option<ObjectState> {
        self.written
            .get(object_id)
            .copied()
            .or_else(|| self.chain.object(object_id))
    }

    /// Refuses unless `object_id` exists, is not deleted, and is a `object_type`.
    pub fn require(
        &self,
        object_type: ObjectType,
        source: &str,
        object_id: &str,
    ) -> Result<(), BridgeError> {
        match self.state(object_id) {
            None => Err(BridgeError::Conflict(format!(
                "{source}: no {} {object_id:?} on chain; register it first",
                object_type.name()
            ))),
            Some(s) if s.object_type != object_type => Err(BridgeError::Conflict(format!(
                "{source}: {object_id:?} is a {}, not a {}",
                s.object_type.name(),
                object_type.name()
            ))),
            Some(s) if s.deleted => Err(BridgeError::Conflict(format!(
                "{source}: {} {object_id:?} is deleted",
                object_type.name()
            ))),
            Some(_) => Ok(()),
        }
    }

    /// Writes `spec` as a new object (version 0); it must not exist yet.
    pub fn create(
        &mut self,
        object_type: ObjectType,
        source: &str,
        spec: &Value,
    ) -> Result<String, BridgeError> {
        let (id, root) = self.read_spec(object_type, source, spec)?;
        if self.state(&id).is_some() {
            return Err(BridgeError::Conflict(format!(
                "{source}: {id:?} exists already; send an update instead"
            )));
        }
        self.write(object_type, source, &id, Operation::Create, Some(root));
        Ok(id)
    }

    /// Writes `spec` as the next version of an existing object (a full update).
    pub fn update(
        &mut self,
        object_type: ObjectType,
        source: &str,
        spec: &Value,
    ) -> Result<String, BridgeError> {
        let (id, root) = self.read_spec(object_type, source, spec)?;
        self.require(object_type, source, &id)?;
        self.write(object_type, source, &id, Operation::Update, Some(root));
        Ok(id)
    }

    /// Creates the object, or updates it if it exists.
    pub fn upsert(
        &mut self,
        object_type: ObjectType,
        source: &str,
        spec: &Value,
    ) -> Result<String, BridgeError> {
        let (id, root) = self.read_spec(object_type, source, spec)?;
        let operation = if self.state(&id).is_some() {
            self.require(object_type, source, &id)?;
            Operation::Update
        } else {
            Operation::Create
        };
        self.write(object_type, source, &id, operation, Some(root));
        Ok(id)
    }

    /// Deletes an existing object (an empty body at the next version).
    pub fn delete(
        &mut self,
        object_type: ObjectType,
        source: &str,
        object_id: &str,
    ) -> Result<(), BridgeError> {
        self.require(object_type, source, object_id)?;
        self.write(object_type, source, object_id, Operation::Delete, None);
        Ok(())
    }

    /// Appends an `equity` call.
    pub fn equity(&mut self, method: &str, args: Value) {
        self.plan.equity.push(Call {
            contract: "equity".into(),
            method: method.into(),
            args,
        });
    }

    /// The plan, or every violation found.
    pub fn finish(mut self) -> Result<Plan, BridgeError> {
        if !self.violations.is_empty() {
            self.violations.sort();
            return Err(BridgeError::Invalid(self.violations));
        }
        if self.plan.objects.len() > PLAN_OBJECTS_MAX {
            return Err(BridgeError::BadRequest(format!(
                "the command writes {} objects; one command may write at most {PLAN_OBJECTS_MAX}: split it",
                self.plan.objects.len()
            )));
        }
        Ok(self.plan)
    }

    /// The id and the nested body member of a spec: `object_id` (or the pilot's id field of
    /// the type), then either the body root key, the root's own members, or the flat form.
    fn read_spec(
        &mut self,
        object_type: ObjectType,
        source: &str,
        spec: &Value,
    ) -> Result<(String, Value), BridgeError> {
        let mut members: Map<String, Value> = spec.as_object().cloned().ok_or_else(|| {
            BridgeError::BadRequest(format!("{source}: must be an object spec (a JSON object)"))
        })?;
        let id = [Some("object_id"), pilot_id_key(object_type)]
            .into_iter()
            .flatten()
            .find_map(|key| members.remove(key))
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|id| zl_types::object::valid_object_id(id))
            .ok_or_else(|| {
                BridgeError::BadRequest(format!(
                    "{source}: give the object's id as object_id{}: 1-128 of 0-9 A-Z a-z . _ : -",
                    pilot_id_key(object_type).map_or(String::new(), |k| format!(" or {k}"))
                ))
            })?;
        let root_key = object_type.body_root();
        let root = if members.len() == 1 && members.contains_key(root_key) {
            members.remove(root_key).unwrap_or_default()
        } else if flat::is_nested(object_type, &Value::Object(members.clone())) {
            Value::Object(members)
        } else {
            match flat::nest(object_type, &members) {
                Ok(nested) => {
                    self.warn(source, nested.warnings);
                    nested.root
                }
                Err(violations) => {
                    self.refuse(source, violations);
                    Value::Object(Map::new())
                }
            }
        };
        Ok((id, root))
    }

    fn write(
        &mut self,
        object_type: ObjectType,
        source: &str,
        id: &str,
        operation: Operation,
        root: Option<Value>,
    ) {
        let version = match operation {
            Operation::Create => 0,
            _ => self.state(id).map_or(0, |s| s.latest + 1),
        };
        let body = match root {
            Some(mut root) => {
                let at = format!("/body/{}", object_type.body_root());
                self.pin_references(source, &mut root, &at);
                json!({ object_type.body_root(): root })
            }
            None => json!({}),
        };
        let mut header = json!({
            "model": {"protocol": MODEL_PROTOCOL, "version": MODEL_VERSION},
            "content": {
                "type": object_type.name(),
                "object_id": id,
                "version": version,
                "operation": operation.name(),
                "timestamp": self.time,
            },
            "metadata": null,
        });
        if let Some(remark) = &self.remark {
            header["remark"] = json!(remark);
        }
        let mut object = json!({"header": header, "body": body});
        let warnings = normalise_pilot_variants(&mut object);
        self.warn(source, warnings);
        if let Err(violations) = check_object(&object) {
            // A reference the planner could not pin is reported once, by the planner.
            let pinned: Vec<String> = self.violations.iter().map(|v| v.pointer.clone()).collect();
            let fresh = violations
                .into_iter()
                .filter(|v| !pinned.contains(&format!("{source}{}", v.pointer)))
                .collect();
            self.refuse(source, fresh);
        }
        self.written.insert(
            id.to_owned(),
            ObjectState {
                latest: version,
                object_type,
                deleted: operation == Operation::Delete,
            },
        );
        self.plan.objects.push(PlannedObject {
            source: source.to_owned(),
            object_type,
            object_id: id.to_owned(),
            version,
            operation,
            object,
        });
    }

    /// Pins each bare reference (`…_ref` holding an id without `/version`) to the version
    /// current now; a reference to nothing, or to a deleted object, is a violation.
    fn pin_references(&mut self, source: &str, value: &mut Value, at: &str) {
        match value {
            Value::Object(map) => {
                for (key, member) in map.iter_mut() {
                    let pointer = format!("{at}/{key}");
                    match member {
                        Value::String(target)
                            if key.ends_with("_ref")
                                && !target.is_empty()
                                && !target.contains('/') =>
                        {
                            match self.state(target) {
                                Some(s) if !s.deleted => *target = format!("{target}/{}", s.latest),
                                found => self.violations.push(Violation {
                                    pointer: format!("{source}{pointer}"),
                                    rule: Rule::Reference,
                                    message: format!(
                                        "refers to {target:?}, which {}; register it first",
                                        if found.is_some() {
                                            "is deleted"
                                        } else {
                                            "is not on chain nor written earlier in this command"
                                        }
                                    ),
                                }),
                            }
                        }
                        _ => self.pin_references(source, member, &pointer),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.pin_references(source, item, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn warn(&mut self, source: &str, warnings: Vec<Warning>) {
        self.plan
            .warnings
            .extend(warnings.into_iter().map(|w| Warning {
                pointer: format!("{source}{}", w.pointer),
                message: w.message,
            }));
    }

    fn refuse(&mut self, source: &str, violations: Vec<Violation>) {
        self.violations
            .extend(violations.into_iter().map(|v| Violation {
                pointer: format!("{source}{}", v.pointer),
                ..v
            }));
    }
}

/// The id field the pilot's flat maps carry for a type (FIELDS.md §3.2).
fn pilot_id_key(object_type: ObjectType) -> Option<&'static str> {
    match object_type {
        ObjectType::Subject => Some("subject_object_id"),
        ObjectType::Account => Some("account_object_id"),
        ObjectType::Product => Some("product_object_id"),
        ObjectType::TransactionReport => Some("transaction_object_id"),
        ObjectType::Registration => Some("register_registration_object_id"),
        ObjectType::Settlement | ObjectType::InfoDisclosure => None,
    }
}
