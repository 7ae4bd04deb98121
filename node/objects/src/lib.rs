//! Business data objects of JR/T 0314 §6 (pilot model v2.0.0): validation against the official
//! JSON Schema and the checks it misses, identifier checks, and normalisation of the pilot's
//! known variants. Pure: no I/O, no clock.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod checks;
pub mod flat;
pub mod identifiers;
pub mod lifecycle;
pub mod normalise;
pub mod redact;
pub mod schema;

use std::fmt;

use serde_json::Value;
use zl_types::object::{read_header, Header, Operation, Reference, OBJECT_BYTES_MAX};

/// Which rule a violation breaks; each has its own code in API errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The object is larger than [`OBJECT_BYTES_MAX`].
    Size,
    /// The header is not one this node writes (model version, id, operation, seal form).
    Header,
    /// The JSON Schema (type, required, enum, format, maxLength, …).
    Schema,
    /// A member the model does not define.
    UnknownKey,
    /// `header.content.type` does not name the body's root.
    TypeMismatch,
    /// A subject without exactly one of the organisation and person blocks, or whose
    /// `subject_type` names the other.
    SubjectKind,
    /// A registration without the block its `register_object_type` names.
    RegistrationBlock,
    /// A reference that is not `<object_id>/<version>` (or, on chain, points nowhere).
    Reference,
    /// A unified social credit code or resident identity number with a wrong check character.
    Identifier,
    /// A number outside what every JSON reader keeps exactly (integers beyond ±2^53).
    Number,
    /// A deletion whose body is not empty.
    DeletionBody,
}

impl Rule {
    /// The code clients match on.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Size => "object_too_large",
            Rule::Header => "header",
            Rule::Schema => "schema",
            Rule::UnknownKey => "unknown_key",
            Rule::TypeMismatch => "type_mismatch",
            Rule::SubjectKind => "subject_kind",
            Rule::RegistrationBlock => "registration_block",
            Rule::Reference => "reference",
            Rule::Identifier => "identifier",
            Rule::Number => "number",
            Rule::DeletionBody => "deletion_body",
        }
    }
}

/// One violation: where (JSON pointer, as JR/T 0314 appendix D shows), which rule, and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// RFC 6901 pointer into the object.
    pub pointer: String,
    /// The rule broken.
    pub rule: Rule,
    /// What is wrong (never echoing the value: it may be personal data).
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}]: {}",
            self.pointer,
            self.rule.code(),
            self.message
        )
    }
}

/// An object that passed every check, with what the chain needs from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The header.
    pub header: Header,
    /// Every reference in the body with its pointer, in document order.
    pub references: Vec<(String, Reference)>,
}

/// Runs every check on a full snapshot (or a deletion): size, header, the strict schema of its
/// type, and the checks the schema misses. Returns all violations, sorted by pointer.
pub fn check_object(object: &Value) -> Result<Checked, Vec<Violation>> {
    let size = serde_json::to_vec(object)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    if size > OBJECT_BYTES_MAX {
        return Err(vec![Violation {
            pointer: String::new(),
            rule: Rule::Size,
            message: format!("is {size} bytes; an object may have at most {OBJECT_BYTES_MAX}"),
        }]);
    }
    let header = read_header(object).map_err(|e| {
        vec![Violation {
            pointer: e.pointer,
            rule: Rule::Header,
            message: e.problem,
        }]
    })?;
    let mut violations = if header.content.operation == Operation::Delete {
        checks::deletion(object)
    } else {
        checks::full_snapshot(header.content.object_type, object)
    };
    let references = checks::references(object, &mut violations);
    if violations.is_empty() {
        Ok(Checked { header, references })
    } else {
        violations.sort();
        violations.dedup();
        Err(violations)
    }
}

/// The verdict of the official schema alone (no header extension, no extra checks), for the
/// table in DATA-MODEL.md.
pub fn check_official_schema(object: &Value) -> Vec<Violation> {
    let mut violations = schema::official_violations(object);
    violations.sort();
    violations
}
