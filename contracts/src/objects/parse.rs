//! Reading one snapshot argument of the `objects` contract: the redacted object as text, its
//! header, the form of its seal, its body root, references, and that no personal member is in
//! clear. What needs the full snapshot (schema, seal signature) the entry node checked.

use serde::Deserialize;
use serde_json::{Map, Value};
use zl_objects::redact::unredacted;
use zl_types::object::{read_header, Header, Operation, Reference, Seal, OBJECT_BYTES_MAX};
use zl_types::Hash;

use crate::ContractError;

/// One snapshot as a call carries it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotArg {
    /// The object with its body redacted (PROTOCOL.md §21), as JSON text: text, because bodies
    /// hold decimal numbers, which the chain's canonical transaction JSON does not.
    pub object: String,
    /// SM3 of the RFC 8785 bytes of the full sealed snapshot (PROTOCOL.md §22).
    pub snapshot_digest: Hash,
}

/// A snapshot argument that passed every check the chain can make without the full snapshot.
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    /// The header as the chain reads it.
    pub header: Header,
    /// The seal (present on every recorded snapshot).
    pub seal: Seal,
    /// `header` as written.
    pub header_json: Value,
    /// The redacted body as written (`{}` for a deletion).
    pub body: Value,
    /// Whether the body is a patch (DATA-MODEL.md §10).
    pub incremental: bool,
    /// The body's references, in document order.
    pub references: Vec<Reference>,
    /// The digest of the full snapshot.
    pub snapshot_digest: Hash,
}

/// The stateless part of a snapshot's check (size, JSON, header, seal form, body).
pub(crate) fn parse(arg: &SnapshotArg) -> Result<Parsed, ContractError> {
    let bad = |m: String| ContractError::BadArguments(m);
    if arg.object.len() > OBJECT_BYTES_MAX {
        return Err(bad(format!(
            "the object is {} bytes; an object may have at most {OBJECT_BYTES_MAX}",
            arg.object.len()
        )));
    }
    let object: Value = serde_json::from_str(&arg.object)
        .map_err(|e| bad(format!("the object is not JSON: {e}")))?;
    let members = object
        .as_object()
        .ok_or_else(|| bad("the object is not a JSON object".into()))?;
    if let Some(extra) = members
        .keys()
        .find(|k| !matches!(k.as_str(), "header" | "body"))
    {
        return Err(bad(format!("/{extra}: an object has only header and body")));
    }
    let header = read_header(&object).map_err(|e| bad(e.to_string()))?;
    let seal = header.seal.clone().ok_or_else(|| {
        bad("/header/seal: is missing; the chain records sealed snapshots only".into())
    })?;
    let body = object
        .get("body")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    check_body(&header, &body)?;
    let clear = unredacted(&object);
    if !clear.is_empty() {
        return Err(bad(format!(
            "personal members in clear at {}; redact them (PROTOCOL.md §21) before they go on chain",
            clear.join(", ")
        )));
    }
    let mut violations = Vec::new();
    let references = zl_objects::checks::references(&object, &mut violations);
    if let Some(v) = violations.first() {
        return Err(bad(v.to_string()));
    }
    Ok(Parsed {
        incremental: zl_objects::lifecycle::is_incremental(&object),
        header_json: object["header"].clone(),
        header,
        seal,
        body,
        references: references.into_iter().map(|(_, r)| r).collect(),
        snapshot_digest: arg.snapshot_digest,
    })
}

/// A deletion's body is empty; any other body has the one root its type names.
fn check_body(header: &Header, body: &Value) -> Result<(), ContractError> {
    let object_type = header.content.object_type;
    let members = body
        .as_object()
        .ok_or_else(|| ContractError::BadArguments("/body: is not a JSON object".into()))?;
    let roots: Vec<&String> = members.keys().collect();
    let ok = if header.content.operation == Operation::Delete {
        roots.is_empty()
    } else {
        roots == [object_type.body_root()]
    };
    if ok {
        return Ok(());
    }
    let wanted = if header.content.operation == Operation::Delete {
        "a deletion writes an empty body".to_owned()
    } else {
        format!(
            "a {object_type} has exactly one root, {:?}",
            object_type.body_root()
        )
    };
    Err(ContractError::BadArguments(format!(
        "/body: has {roots:?}; {wanted}"
    )))
}
