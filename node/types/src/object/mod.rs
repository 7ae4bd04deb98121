//! Business data objects of JR/T 0314 §6 in the pilot's data model v2.0.0: object types,
//! operations, the header the chain relies on, references and the owner's seal.
//!
//! An object stays a `serde_json::Value`: the official JSON Schema is the model of its body
//! (validated by `zl-objects`); this module reads and fixes the parts the chain itself acts on.

mod header;
mod proof;
mod record;
mod reference;
mod seal;

pub use header::{read_header, Content, Header};
pub use proof::{ObjectProof, OBJECT_PROOF_FORMAT};
pub use record::{object_root, snapshot_digest, SnapshotRecord};
pub use reference::Reference;
pub use seal::{
    key_to_hex, seal_object, seal_signing_bytes, verify_seal, Seal, SEAL_DIGEST_ALGO, SEAL_KEY_TYPE,
};

use std::fmt;

/// `header.model.protocol` of every object (JR/T 0314 table 1).
pub const MODEL_PROTOCOL: &str = "区域性股权市场跨链业务数据模型";

/// The model version ZhengLian writes and accepts.
pub const MODEL_VERSION: &str = "2.0.0";

/// Model versions the official schema still lists but ZhengLian refuses on write: the alpha
/// layouts differ from 2.0.0 (DATA-MODEL.md §2).
pub const REFUSED_MODEL_VERSIONS: &[&str] = &["2.0.0-alpha4"];

/// Longest `header.content.object_id` (JR/T 0314 table 1).
pub const OBJECT_ID_MAX: usize = 128;

/// Longest `header.remark` in characters (JR/T 0314 table 1).
pub const REMARK_MAX: usize = 2048;

/// Largest object accepted, in bytes of its JSON text: a whole register goes in chunks, and
/// files are referenced by `Document` objects, not embedded.
pub const OBJECT_BYTES_MAX: usize = 1 << 20;

/// Why an object, its header or its seal is refused: the JSON pointer of the offending member
/// and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {problem}")]
pub struct ObjectError {
    /// JSON pointer (RFC 6901) into the object; empty for the whole object.
    pub pointer: String,
    /// What is wrong, and what would be right.
    pub problem: String,
}

impl ObjectError {
    /// An error at `pointer`.
    pub fn at(pointer: impl Into<String>, problem: impl Into<String>) -> ObjectError {
        ObjectError {
            pointer: pointer.into(),
            problem: problem.into(),
        }
    }
}

/// The seven object types of model v2.0.0, each with the one root key its body carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    /// 主体: enterprises, institutions and investors.
    Subject,
    /// 账户.
    Account,
    /// 产品.
    Product,
    /// 交易报告.
    TransactionReport,
    /// 登记.
    Registration,
    /// 资金结算.
    Settlement,
    /// 信息披露 (financial statements and regulatory information live here).
    InfoDisclosure,
}

impl ObjectType {
    /// All types, in the order of the schema's `body.oneOf`.
    pub const ALL: [ObjectType; 7] = [
        ObjectType::Subject,
        ObjectType::Account,
        ObjectType::Product,
        ObjectType::TransactionReport,
        ObjectType::Settlement,
        ObjectType::Registration,
        ObjectType::InfoDisclosure,
    ];

    /// `header.content.type`.
    pub fn name(self) -> &'static str {
        match self {
            ObjectType::Subject => "subject",
            ObjectType::Account => "account",
            ObjectType::Product => "product",
            ObjectType::TransactionReport => "transactionreport",
            ObjectType::Registration => "registration",
            ObjectType::Settlement => "settlement",
            ObjectType::InfoDisclosure => "infodisclosure",
        }
    }

    /// The body's one root key.
    pub fn body_root(self) -> &'static str {
        match self {
            ObjectType::Subject => "subject_information",
            ObjectType::Account => "account_information",
            ObjectType::Product => "product_information",
            ObjectType::TransactionReport => "transaction_report_information",
            ObjectType::Registration => "registration_information",
            ObjectType::Settlement => "capital_settlement_information",
            ObjectType::InfoDisclosure => "disclosure_approval_information",
        }
    }

    /// The schema definition (`$id` without `#`) of the body root.
    pub fn definition(self) -> &'static str {
        match self {
            ObjectType::Subject => "SubjectInformation",
            ObjectType::Account => "AccountInformation",
            ObjectType::Product => "ProductInformation",
            ObjectType::TransactionReport => "TransactionReportInformation",
            ObjectType::Registration => "RegistrationInformation",
            ObjectType::Settlement => "CapitalSettlementInformation",
            ObjectType::InfoDisclosure => "DisclosureApprovalInformation",
        }
    }

    /// The type named `name` in `header.content.type`.
    pub fn from_name(name: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The type whose body root is `key`.
    pub fn from_body_root(key: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.body_root() == key)
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `header.content.operation` (JR/T 0314 table 1 adds `overwrite` to the model's three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Version 0 of a new object.
    Create,
    /// Version + 1, full or incremental.
    Update,
    /// A new revision of an existing version.
    Overwrite,
    /// Version + 1 with an empty body; nothing may follow.
    Delete,
}

impl Operation {
    /// The header's text.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Overwrite => "overwrite",
            Operation::Delete => "delete",
        }
    }

    /// The operation named `name`.
    pub fn from_name(name: &str) -> Option<Operation> {
        [
            Operation::Create,
            Operation::Update,
            Operation::Overwrite,
            Operation::Delete,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `id` is a valid object id: 1 to 128 characters of `[0-9A-Za-z._:-]`, starting with a
/// letter or digit. No `/`, so `<object_id>/<version>` (references, storage keys) stays
/// unambiguous and cannot climb out of a storage folder.
pub fn valid_object_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= OBJECT_ID_MAX
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}
