//! The lifecycle of one object (JR/T 0314 §6.5, DATA-MODEL.md §10) as a pure state machine:
//! create at version 0, update at version+1 (full, or incremental merged into the latest full
//! snapshot), overwrite as a new revision of existing versions, delete as a terminal empty
//! version. The `objects` contract keeps a `History` per object and feeds it each write; the
//! validator is an input so the rules can be tested apart from the schema.

use serde_json::{Map, Value};
use zl_types::object::{read_header, Operation};

use crate::Violation;

/// Most revisions one version may have: overwrites are governed corrections, not a log.
pub const REVISIONS_MAX: usize = 64;

/// Most versions one overwrite may rewrite at once (an old version and every later one).
pub const OVERWRITE_SPAN_MAX: usize = 256;

/// Why a write is refused; the history is then unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The header could not be read.
    #[error("{0}")]
    Header(String),
    /// A write for another object than this history's.
    #[error("the write is for object {found:?} but this history is of {expected:?}")]
    OtherObject {
        /// This history's object id.
        expected: String,
        /// The write's.
        found: String,
    },
    /// The write's type differs from the object's.
    #[error("the object is a {expected}; a write cannot make it a {found}")]
    TypeChanged {
        /// The object's type.
        expected: String,
        /// The write's.
        found: String,
    },
    /// The object was deleted: nothing may follow (JR/T 0314 §6.5 e 2).
    #[error("the object was deleted at version {0}; nothing may follow a deletion")]
    Deleted(u64),
    /// An update or delete not at the next version.
    #[error("{operation} must write version {expected} (the latest is {latest}), not {found}")]
    NotNextVersion {
        /// The operation.
        operation: &'static str,
        /// latest + 1.
        expected: u64,
        /// The latest version.
        latest: u64,
        /// The version written.
        found: u64,
    },
    /// The operation is not allowed here (e.g. create on an existing object).
    #[error("{0}")]
    Operation(String),
    /// An overwrite batch that does not rewrite one version and every later one, in order.
    #[error("an overwrite of version {first} must rewrite versions {first}..={latest} in order, each once; write {index} is version {found}")]
    OverwriteSpan {
        /// The first version rewritten.
        first: u64,
        /// The latest version.
        latest: u64,
        /// Position in the batch.
        index: usize,
        /// The version found there.
        found: u64,
    },
    /// Too many revisions or too long a batch.
    #[error("{0}")]
    Limit(String),
    /// The merged full snapshot fails validation.
    #[error("the resulting full snapshot of version {version} is not valid: {violations:?}")]
    Invalid {
        /// The version.
        version: u64,
        /// What is wrong.
        violations: Vec<Violation>,
    },
}

/// One stored snapshot: the object as written and the full body it amounts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The object as the owner sealed it (full or incremental).
    pub written: Value,
    /// The full body after merging (empty object for a deletion).
    pub full_body: Value,
}

/// Every version of one object, each with its revisions in order (the last is current).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    object_id: String,
    type_name: String,
    versions: Vec<Vec<Revision>>,
    deleted: bool,
}

/// Whether a write's body is a patch: `header.metadata.incremental == true` (DATA-MODEL.md §10).
pub fn is_incremental(object: &Value) -> bool {
    object.pointer("/header/metadata/incremental") == Some(&Value::Bool(true))
}

/// RFC 7396 JSON merge patch: members of `patch` replace those of `target`, objects merge
/// recursively, `null` removes a member, anything else (arrays included) replaces whole.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let members = target.as_object_mut().expect("made an object above");
    for (key, value) in patch_members {
        if value.is_null() {
            members.remove(key);
        } else {
            merge_patch(members.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

impl History {
    /// Starts a history with a `create` at version 0.
    pub fn create(
        object: &Value,
        validate: impl Fn(&Value) -> Result<(), Vec<Violation>>,
    ) -> Result<History, LifecycleError> {
        let header = read_header(object).map_err(|e| LifecycleError::Header(e.to_string()))?;
        if header.content.operation != Operation::Create {
            return Err(LifecycleError::Operation(format!(
                "a new object starts with create, not {}",
                header.content.operation
            )));
        }
        if is_incremental(object) {
            return Err(LifecycleError::Operation(
                "a create carries the full body, not a patch".into(),
            ));
        }
        validate(object).map_err(|violations| LifecycleError::Invalid {
            version: 0,
            violations,
        })?;
        Ok(History {
            object_id: header.content.object_id,
            type_name: header.content.object_type.name().into(),
            versions: vec![vec![Revision {
                written: object.clone(),
                full_body: body(object),
            }]],
            deleted: false,
        })
    }

    /// The latest version.
    pub fn latest(&self) -> u64 {
        self.versions.len() as u64 - 1
    }

    /// Whether the object was deleted.
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// The revisions of `version`, oldest first.
    pub fn revisions(&self, version: u64) -> Option<&[Revision]> {
        self.versions
            .get(usize::try_from(version).ok()?)
            .map(Vec::as_slice)
    }

    /// The current revision of `version`.
    pub fn current(&self, version: u64) -> Option<&Revision> {
        self.revisions(version)?.last()
    }

    /// Applies an `update` or `delete` at the next version.
    pub fn apply(
        &mut self,
        object: &Value,
        validate: impl Fn(&Value) -> Result<(), Vec<Violation>>,
    ) -> Result<(), LifecycleError> {
        let (operation, version) = self.admit(object)?;
        let expected = self.latest() + 1;
        let name = match operation {
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Create => {
                return Err(LifecycleError::Operation(format!(
                    "object {} exists; create only starts an object",
                    self.object_id
                )))
            }
            Operation::Overwrite => {
                return Err(LifecycleError::Operation(
                    "an overwrite goes through overwrite(), as a batch".into(),
                ))
            }
        };
        if version != expected {
            return Err(LifecycleError::NotNextVersion {
                operation: name,
                expected,
                latest: self.latest(),
                found: version,
            });
        }
        let full_body = if operation == Operation::Delete {
            Value::Object(Map::new())
        } else {
            let base = &self
                .current(self.latest())
                .expect("a history has a version")
                .full_body;
            let full_body = merged(base, object);
            validate(&with_body(object, &full_body)).map_err(|violations| {
                LifecycleError::Invalid {
                    version,
                    violations,
                }
            })?;
            full_body
        };
        self.versions.push(vec![Revision {
            written: object.clone(),
            full_body,
        }]);
        self.deleted = operation == Operation::Delete;
        Ok(())
    }

    /// Applies an overwrite batch: new revisions of version `v` and of every later version, in
    /// order. Each incremental write merges into the (new) full snapshot of the version before
    /// it. All or nothing.
    pub fn overwrite(
        &mut self,
        objects: &[Value],
        validate: impl Fn(&Value) -> Result<(), Vec<Violation>>,
    ) -> Result<(), LifecycleError> {
        if objects.is_empty() || objects.len() > OVERWRITE_SPAN_MAX {
            return Err(LifecycleError::Limit(format!(
                "an overwrite rewrites 1 to {OVERWRITE_SPAN_MAX} versions, not {}",
                objects.len()
            )));
        }
        let mut next = self.clone();
        let mut first = None;
        for (index, object) in objects.iter().enumerate() {
            let (operation, version) = self.admit(object)?;
            if operation != Operation::Overwrite {
                return Err(LifecycleError::Operation(format!(
                    "write {index} of an overwrite batch is a {operation}"
                )));
            }
            let first = *first.get_or_insert(version);
            if version != first + index as u64 || version > self.latest() {
                return Err(LifecycleError::OverwriteSpan {
                    first,
                    latest: self.latest(),
                    index,
                    found: version,
                });
            }
            let slot = usize::try_from(version).expect("version within the history");
            if next.versions[slot].len() >= REVISIONS_MAX {
                return Err(LifecycleError::Limit(format!(
                    "version {version} already has {REVISIONS_MAX} revisions"
                )));
            }
            let full_body = if is_incremental(object) {
                let Some(previous) = version.checked_sub(1) else {
                    return Err(LifecycleError::Operation(
                        "an overwrite of version 0 carries the full body".into(),
                    ));
                };
                merged(
                    &next.current(previous).expect("earlier version").full_body,
                    object,
                )
            } else {
                body(object)
            };
            validate(&with_body(object, &full_body)).map_err(|violations| {
                LifecycleError::Invalid {
                    version,
                    violations,
                }
            })?;
            next.versions[slot].push(Revision {
                written: object.clone(),
                full_body,
            });
        }
        let last = first.expect("a non-empty batch") + objects.len() as u64 - 1;
        if last != self.latest() {
            return Err(LifecycleError::OverwriteSpan {
                first: first.unwrap_or(0),
                latest: self.latest(),
                index: objects.len(),
                found: last,
            });
        }
        *self = next;
        Ok(())
    }

    /// Reads a write's header and checks it belongs here and the object is not deleted.
    fn admit(&self, object: &Value) -> Result<(Operation, u64), LifecycleError> {
        let header = read_header(object).map_err(|e| LifecycleError::Header(e.to_string()))?;
        let content = header.content;
        if content.object_id != self.object_id {
            return Err(LifecycleError::OtherObject {
                expected: self.object_id.clone(),
                found: content.object_id,
            });
        }
        if content.object_type.name() != self.type_name {
            return Err(LifecycleError::TypeChanged {
                expected: self.type_name.clone(),
                found: content.object_type.name().into(),
            });
        }
        if self.deleted {
            return Err(LifecycleError::Deleted(self.latest()));
        }
        Ok((content.operation, content.version))
    }
}

fn body(object: &Value) -> Value {
    object
        .get("body")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()))
}

fn merged(base: &Value, object: &Value) -> Value {
    if !is_incremental(object) {
        return body(object);
    }
    let mut full = base.clone();
    merge_patch(&mut full, &body(object));
    full
}

fn with_body(object: &Value, full_body: &Value) -> Value {
    let mut full = object.clone();
    full["body"] = full_body.clone();
    full
}
