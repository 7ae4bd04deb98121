//! Reading an object's header: the fields the chain acts on, each checked with its own error.

use serde_json::Value;

use super::{
    valid_object_id, ObjectError, ObjectType, Operation, Seal, MODEL_PROTOCOL, MODEL_VERSION,
    REFUSED_MODEL_VERSIONS, REMARK_MAX,
};

/// `header.content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    /// `type`.
    pub object_type: ObjectType,
    /// `object_id`.
    pub object_id: String,
    /// `version`: 0 at creation, then one more per update or deletion.
    pub version: u64,
    /// `operation`.
    pub operation: Operation,
    /// `timestamp`: UNIX seconds of the business event, as the owner states it.
    pub timestamp: i64,
}

/// What the chain reads from `header`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `content`.
    pub content: Content,
    /// `remark`, if any (the reason for an overwrite goes here).
    pub remark: Option<String>,
    /// `seal`, if the object is sealed.
    pub seal: Option<Seal>,
}

/// Reads and checks `object.header`: model protocol and version 2.0.0 (alpha layouts refused),
/// content fields, remark length, and the seal's form (not its signature: see
/// [`super::verify_seal`]).
pub fn read_header(object: &Value) -> Result<Header, ObjectError> {
    let header = member(object, "", "header")?;
    let model = member(header, "/header", "model")?;
    let protocol = string(model, "/header/model", "protocol")?;
    if protocol != MODEL_PROTOCOL {
        return Err(ObjectError::at(
            "/header/model/protocol",
            format!("is {protocol:?}; the model's protocol is {MODEL_PROTOCOL:?}"),
        ));
    }
    let version = string(model, "/header/model", "version")?;
    if REFUSED_MODEL_VERSIONS.contains(&version) {
        return Err(ObjectError::at(
            "/header/model/version",
            format!("{version:?} is an early layout this node refuses on write; send model version {MODEL_VERSION:?}"),
        ));
    }
    if version != MODEL_VERSION {
        return Err(ObjectError::at(
            "/header/model/version",
            format!("is {version:?}; this node writes model version {MODEL_VERSION:?}"),
        ));
    }
    let content = read_content(member(header, "/header", "content")?)?;
    let remark = match header.get("remark") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() <= REMARK_MAX => Some(text.clone()),
        Some(Value::String(_)) => {
            return Err(ObjectError::at(
                "/header/remark",
                format!("is longer than {REMARK_MAX} characters"),
            ))
        }
        Some(_) => return Err(ObjectError::at("/header/remark", "is not a string")),
    };
    let seal = match header.get("seal") {
        None | Some(Value::Null) => None,
        Some(seal) => Some(Seal::read(seal)?),
    };
    Ok(Header {
        content,
        remark,
        seal,
    })
}

fn read_content(content: &Value) -> Result<Content, ObjectError> {
    let at = "/header/content";
    let type_name = string(content, at, "type")?;
    let object_type = ObjectType::from_name(type_name).ok_or_else(|| {
        ObjectError::at(
            "/header/content/type",
            format!("{type_name:?} is not one of subject, account, product, transactionreport, registration, settlement, infodisclosure"),
        )
    })?;
    let object_id = string(content, at, "object_id")?;
    if !valid_object_id(object_id) {
        return Err(ObjectError::at(
            "/header/content/object_id",
            format!("{:?} is not 1-128 characters of 0-9 A-Z a-z . _ : - starting with a letter or digit", truncate(object_id)),
        ));
    }
    let version = member(content, at, "version")?
        .as_u64()
        .ok_or_else(|| ObjectError::at("/header/content/version", "is not a whole number ≥ 0"))?;
    let operation_name = string(content, at, "operation")?;
    let operation = Operation::from_name(operation_name).ok_or_else(|| {
        ObjectError::at(
            "/header/content/operation",
            format!("{operation_name:?} is not one of create, update, overwrite, delete"),
        )
    })?;
    // JR/T 0314 §6.5: a creation is version 0 and an update or deletion version+1; an
    // overwrite names the existing version it revises, 0 included.
    let version_ok = match operation {
        Operation::Create => version == 0,
        Operation::Update | Operation::Delete => version > 0,
        Operation::Overwrite => true,
    };
    if !version_ok {
        return Err(ObjectError::at(
            "/header/content/version",
            format!("is {version} with operation {operation_name:?}: create writes version 0, update and delete a later one"),
        ));
    }
    let timestamp = member(content, at, "timestamp")?.as_i64().ok_or_else(|| {
        ObjectError::at(
            "/header/content/timestamp",
            "is not a whole number of UNIX seconds",
        )
    })?;
    Ok(Content {
        object_type,
        object_id: object_id.to_owned(),
        version,
        operation,
        timestamp,
    })
}

fn member<'v>(parent: &'v Value, at: &str, key: &str) -> Result<&'v Value, ObjectError> {
    match parent.get(key) {
        Some(Value::Null) | None => Err(ObjectError::at(format!("{at}/{key}"), "is missing")),
        Some(value) => Ok(value),
    }
}

fn string<'v>(parent: &'v Value, at: &str, key: &str) -> Result<&'v str, ObjectError> {
    member(parent, at, key)?
        .as_str()
        .ok_or_else(|| ObjectError::at(format!("{at}/{key}"), "is not a string"))
}

fn truncate(text: &str) -> String {
    text.chars().take(140).collect()
}
