//! Redaction of personal data (DATA-MODEL.md §9, PROTOCOL.md §21): what goes on chain is the
//! body with every personal field replaced by a salted SM3 digest. The full snapshot stays off
//! chain with its snapshot salt; revealing one field's salt proves that field alone.

use serde_json::Value;
use sm3::{Digest, Sm3};

use crate::schema::escape;

/// Domain separation of field salts.
pub const FIELD_SALT_DOMAIN: &[u8] = b"ZL-OBJECT-FIELD-SALT-V1";

/// Prefix of a redacted value: `sm3:` and 64 lowercase hex digits.
pub const REDACTED_PREFIX: &str = "sm3:";

/// Members holding personal data of natural persons (names, identity numbers, phones,
/// addresses, bank accounts), wherever they occur in a body. The pilot's own test suite keeps
/// the same members off chain (FIELDS.md §3, item 12); the personal block's address, phone, fax and
/// mail members are added.
pub const PERSONAL_KEYS: &[&str] = &[
    // subject: natural-person investors and an enterprise's key personnel
    "subject_investor_name",
    "subject_id_number",
    "subject_id_address",
    "subject_contact_address",
    "subject_contact_number",
    "subject_cellphone_number",
    "subject_personal_fax",
    "subject_id_doc_mailbox",
    "subject_invoice_account_number",
    "subject_key_personnel_name",
    "subject_key_personnel_id",
    "subject_key_personnel_address",
    "subject_key_personnel_contact",
    // account
    "account_opening_agent_name",
    "account_opening_agent_contact_number",
    "account_closing_agent_name",
    "account_closing_agent_contact_number",
    // product
    "product_issuer_contact_person",
    "product_issuer_contact_info",
    "product_fund_manager_name",
    "product_fund_manager_certificate_number",
    // transactionreport
    "transaction_product_issuer_name",
    "transaction_issuer_name",
    "transaction_investor_name",
    "transaction_investor_original_name",
    "transaction_investor_counterparty_name",
    // registration
    "register_right_recognition_subject_name",
    "register_right_recognition_agent_subject_name",
    "register_debt_holder_contact_number",
    "register_investor_name",
    // settlement
    "settlement_out_bank_account",
    "settlement_in_bank_account",
    "settlement_out_account_name",
    "settlement_in_account_name",
    // infodisclosure
    "disclosure_identifier_name",
    "disclosure_auditor_name",
];

/// A body fit for the chain, and where it was redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    /// The object with each personal field's value replaced by its digest.
    pub object: Value,
    /// Pointers of the replaced members, in document order.
    pub pointers: Vec<String>,
}

/// The salt of the member at `pointer`: `SM3(FIELD_SALT_DOMAIN ‖ snapshot_salt ‖ pointer)`.
pub fn field_salt(snapshot_salt: &[u8; 32], pointer: &str) -> [u8; 32] {
    let mut hasher = Sm3::new();
    hasher.update(FIELD_SALT_DOMAIN);
    hasher.update(snapshot_salt);
    hasher.update(pointer.as_bytes());
    hasher.finalize().into()
}

/// `sm3:` ‖ hex(SM3(field_salt ‖ JCS(value))).
pub fn field_digest(field_salt: &[u8; 32], value: &Value) -> String {
    // A JSON value always has canonical bytes; serde_json values hold no NaN or infinity.
    let canonical = serde_json_canonicalizer::to_vec(value).unwrap_or_default();
    let mut hasher = Sm3::new();
    hasher.update(field_salt);
    hasher.update(&canonical);
    format!("{REDACTED_PREFIX}{}", hex::encode(hasher.finalize()))
}

/// Replaces every non-empty personal member of `object.body` by its salted digest. The header
/// is kept whole. `snapshot_salt` is 32 random bytes the caller draws and keeps with the full
/// snapshot (this crate does not draw randomness).
pub fn redact(object: &Value, snapshot_salt: &[u8; 32]) -> Redacted {
    let mut redacted = object.clone();
    let mut pointers = Vec::new();
    if let Some(body) = redacted.get_mut("body") {
        walk(body, "/body", snapshot_salt, &mut pointers);
    }
    Redacted {
        object: redacted,
        pointers,
    }
}

fn walk(value: &mut Value, at: &str, salt: &[u8; 32], pointers: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                let pointer = format!("{at}/{}", escape(key));
                let empty = member.is_null() || member.as_str() == Some("");
                if PERSONAL_KEYS.contains(&key.as_str()) && !empty {
                    *member = Value::String(field_digest(&field_salt(salt, &pointer), member));
                    pointers.push(pointer);
                } else {
                    walk(member, &pointer, salt, pointers);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &format!("{at}/{i}"), salt, pointers);
            }
        }
        _ => {}
    }
}

/// Pointers of the personal members of `object.body` still in clear: any non-empty value that
/// is not a redacted digest (`sm3:` and 64 lowercase hex digits). The chain refuses a record
/// with any, so no personal field reaches it in clear.
pub fn unredacted(object: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(body) = object.get("body") {
        find_clear(body, "/body", &mut found);
    }
    found
}

fn find_clear(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let pointer = format!("{at}/{}", escape(key));
                let empty = member.is_null() || member.as_str() == Some("");
                if PERSONAL_KEYS.contains(&key.as_str()) {
                    if !empty && !member.as_str().is_some_and(is_redacted) {
                        found.push(pointer);
                    }
                } else {
                    find_clear(member, &pointer, found);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_clear(item, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// Whether `text` is a redacted digest: `sm3:` and 64 lowercase hex digits.
pub fn is_redacted(text: &str) -> bool {
    text.strip_prefix(REDACTED_PREFIX).is_some_and(|digits| {
        digits.len() == 64
            && digits
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Whether `value` is what the redacted member at `pointer` hides, given that member's salt
/// (which the holder of the full snapshot may reveal for this one member).
pub fn discloses(redacted: &str, field_salt: &[u8; 32], value: &Value) -> bool {
    field_digest(field_salt, value) == redacted
}
