//! The credential and presentation models of JR/T 0325 §7.2 and §8.2: lenient input (a single
//! object or string where the model has a set), arrays on output, required members, limits.

use crate::{time, CredentialError};
use serde_json::{Map, Value};

/// Bytes of a credential at most.
pub const CREDENTIAL_BYTES_MAX: usize = 64 * 1024;
/// Bytes of a presentation at most.
pub const PRESENTATION_BYTES_MAX: usize = 256 * 1024;
/// Credentials in one presentation at most.
pub const CREDENTIALS_PER_PRESENTATION_MAX: usize = 16;
/// Proofs on one credential or presentation at most.
pub const PROOFS_MAX: usize = 4;
/// The base credential type every credential names.
pub const CREDENTIAL_TYPE: &str = "VerifiableCredential";
/// The base presentation type.
pub const PRESENTATION_TYPE: &str = "VerifiablePresentation";
/// The `credentialStatus` type of §7.2.6.
pub const STATUS_TYPE: &str = "VCStatus2022";
/// The credential type by which a subject authorises an agent (appendix E.3).
pub const AUTHORISATION_TYPE: &str = "CreditDataAuthorization";
/// The types an authorisation credential may carry without an issuer registration (E.3 has
/// both); any other type it carries must be registered for its issuer like any credential's.
pub const AUTHORISATION_EXEMPT_TYPES: [&str; 2] = [AUTHORISATION_TYPE, "LegalEntity"];

/// Refuses what JSON-LD would read differently from this model or silently drop: keywords
/// other than `@context` (an `@id` would hide a subject's id from the model's reading), blank
/// node keys (`_:b0`), `null` values and empty arrays.
pub fn check_plain_json(what: &'static str, value: &Value) -> Result<(), CredentialError> {
    match value {
        Value::Null => Err(CredentialError::malformed(
            what,
            "a null value would be dropped; leave the member out",
        )),
        Value::Array(items) if items.is_empty() => Err(CredentialError::malformed(
            what,
            "an empty array would be dropped; leave the member out",
        )),
        Value::Array(items) => items.iter().try_for_each(|i| check_plain_json(what, i)),
        Value::Object(members) => members.iter().try_for_each(|(key, member)| {
            if key == "@context" {
                return Ok(());
            }
            if key.starts_with('@') || key.starts_with("_:") {
                return Err(CredentialError::malformed(
                    what,
                    format!("the key {key:?} is not accepted: use the model's terms (id, type, ...) only"),
                ));
            }
            check_plain_json(what, member)
        }),
        _ => Ok(()),
    }
}

/// Members the model holds as sets; a single value is read as a set of one.
const SET_MEMBERS: [&str; 5] = [
    "@context",
    "type",
    "credentialSubject",
    "proof",
    "verifiableCredential",
];

/// The output form: every set member an array, embedded credentials too. JSON-LD reads a
/// single value and a one-element array alike, so proofs made over either form still verify.
pub fn normalise(document: &Value) -> Value {
    let Value::Object(members) = document else {
        return document.clone();
    };
    let mut out = Map::new();
    for (key, value) in members {
        let value = if SET_MEMBERS.contains(&key.as_str()) && !value.is_array() {
            Value::Array(vec![value.clone()])
        } else {
            value.clone()
        };
        let value = match (key.as_str(), value) {
            ("verifiableCredential", Value::Array(items)) => {
                Value::Array(items.iter().map(normalise).collect())
            }
            (_, value) => value,
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

/// The values of a set member.
pub fn set<'a>(object: &'a Map<String, Value>, name: &str) -> Vec<&'a Value> {
    match object.get(name) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    }
}

/// The document without its `proof` member, and the proofs it carried.
pub fn split_proof(
    what: &'static str,
    document: &Value,
) -> Result<(Value, Vec<Map<String, Value>>), CredentialError> {
    let mut object = document
        .as_object()
        .ok_or_else(|| CredentialError::malformed(what, "not a JSON object"))?
        .clone();
    let proofs: Vec<Map<String, Value>> = match object.remove("proof") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|p| match p {
                Value::Object(p) => Ok(p),
                _ => Err(CredentialError::malformed(what, "a proof is not an object")),
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Object(p)) => vec![p],
        Some(_) => return Err(CredentialError::malformed(what, "proof is not an object")),
    };
    if proofs.len() > PROOFS_MAX {
        return Err(CredentialError::malformed(
            what,
            format!("{} proofs; at most {PROOFS_MAX}", proofs.len()),
        ));
    }
    Ok((Value::Object(object), proofs))
}

fn text<'a>(
    what: &'static str,
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, CredentialError> {
    match object.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(CredentialError::malformed(
            what,
            format!("{name} must be a string"),
        )),
        None => Err(CredentialError::malformed(
            what,
            format!("{name} is required"),
        )),
    }
}

fn types(what: &'static str, object: &Map<String, Value>) -> Result<Vec<String>, CredentialError> {
    set(object, "type")
        .into_iter()
        .map(|t| {
            t.as_str()
                .map(str::to_owned)
                .ok_or_else(|| CredentialError::malformed(what, "every type must be a string"))
        })
        .collect()
}

/// A credential subject: its id (a DID, if present) and its claims.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    /// `credentialSubject.id`.
    pub id: Option<String>,
    /// The whole subject object.
    pub claims: Map<String, Value>,
}

/// A credential read by the model of §7.2 (nothing verified yet).
#[derive(Clone, Debug, PartialEq)]
pub struct Credential {
    /// `id`, a URI.
    pub id: String,
    /// `type`, including `VerifiableCredential`.
    pub types: Vec<String>,
    /// `issuer`, a DID.
    pub issuer: String,
    /// `issuanceDate` as written and in Unix ms.
    pub issuance: (String, u64),
    /// `expirationDate` as written and in Unix ms.
    pub expiration: (String, u64),
    /// `credentialStatus.id`, if the credential has a status.
    pub status_id: Option<String>,
    /// The subjects.
    pub subjects: Vec<Subject>,
    /// The credential without its proofs: what the proofs sign.
    pub unsigned: Value,
    /// The proofs.
    pub proofs: Vec<Map<String, Value>>,
}

impl Credential {
    /// Reads a credential. A status is required except on an authorisation credential
    /// (appendix E.3 has none; docs/DID.md §8).
    pub fn parse(value: &Value) -> Result<Credential, CredentialError> {
        const WHAT: &str = "credential";
        let size = serde_json::to_vec(value).map_or(usize::MAX, |b| b.len());
        if size > CREDENTIAL_BYTES_MAX {
            return Err(CredentialError::malformed(
                WHAT,
                format!("{size} bytes; at most {CREDENTIAL_BYTES_MAX}"),
            ));
        }
        check_plain_json(WHAT, value)?;
        let (unsigned, proofs) = split_proof(WHAT, value)?;
        let object = unsigned
            .as_object()
            .expect("split_proof checked the object");
        let id = text(WHAT, object, "id")?.to_owned();
        if !id.contains(':') {
            return Err(CredentialError::malformed(
                WHAT,
                format!("id {id:?} is not a URI"),
            ));
        }
        let types = types(WHAT, object)?;
        if !types.iter().any(|t| t == CREDENTIAL_TYPE) {
            return Err(CredentialError::malformed(
                WHAT,
                "type must include VerifiableCredential",
            ));
        }
        let issuer = match object.get("issuer") {
            Some(Value::Object(issuer)) => text(WHAT, issuer, "id")?.to_owned(),
            _ => text(WHAT, object, "issuer")?.to_owned(),
        };
        let issuance = text(WHAT, object, "issuanceDate")?.to_owned();
        let expiration = text(WHAT, object, "expirationDate")?.to_owned();
        let issuance_ms = time::parse(&issuance)?;
        let expiration_ms = time::parse(&expiration)?;
        let status_id = match object.get("credentialStatus") {
            Some(Value::Object(status)) => {
                if text(WHAT, status, "type")? != STATUS_TYPE {
                    return Err(CredentialError::malformed(
                        WHAT,
                        "credentialStatus.type must be VCStatus2022",
                    ));
                }
                Some(text(WHAT, status, "id")?.to_owned())
            }
            Some(_) => {
                return Err(CredentialError::malformed(
                    WHAT,
                    "credentialStatus must be an object",
                ))
            }
            None if types.iter().any(|t| t == AUTHORISATION_TYPE) => None,
            None => {
                return Err(CredentialError::malformed(
                    WHAT,
                    "credentialStatus is required (§7.2.6)",
                ))
            }
        };
        let subjects = set(object, "credentialSubject")
            .into_iter()
            .map(|s| match s {
                Value::Object(claims) => Ok(Subject {
                    id: claims.get("id").and_then(Value::as_str).map(str::to_owned),
                    claims: claims.clone(),
                }),
                _ => Err(CredentialError::malformed(
                    WHAT,
                    "credentialSubject must be an object",
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(Credential {
            id,
            types,
            issuer,
            issuance: (issuance, issuance_ms),
            expiration: (expiration, expiration_ms),
            status_id,
            subjects,
            unsigned,
            proofs,
        })
    }

    /// The types besides `VerifiableCredential`.
    pub fn specific_types(&self) -> impl Iterator<Item = &str> {
        self.types
            .iter()
            .map(String::as_str)
            .filter(|t| *t != CREDENTIAL_TYPE)
    }
}

/// A presentation read by the model of §8.2.
#[derive(Clone, Debug, PartialEq)]
pub struct Presentation {
    /// `holder`, a DID.
    pub holder: String,
    /// The embedded credentials, as given.
    pub credentials: Vec<Value>,
    /// The presentation without its proofs.
    pub unsigned: Value,
    /// The proofs.
    pub proofs: Vec<Map<String, Value>>,
}

impl Presentation {
    /// Reads a presentation. `holder` is required here: the proof's key must belong to it.
    pub fn parse(value: &Value) -> Result<Presentation, CredentialError> {
        const WHAT: &str = "presentation";
        let size = serde_json::to_vec(value).map_or(usize::MAX, |b| b.len());
        if size > PRESENTATION_BYTES_MAX {
            return Err(CredentialError::malformed(
                WHAT,
                format!("{size} bytes; at most {PRESENTATION_BYTES_MAX}"),
            ));
        }
        check_plain_json(WHAT, value)?;
        let (unsigned, proofs) = split_proof(WHAT, value)?;
        let object = unsigned
            .as_object()
            .expect("split_proof checked the object");
        if !types(WHAT, object)?.iter().any(|t| t == PRESENTATION_TYPE) {
            return Err(CredentialError::malformed(
                WHAT,
                "type must include VerifiablePresentation",
            ));
        }
        let holder = text(WHAT, object, "holder")?.to_owned();
        let credentials: Vec<Value> = set(object, "verifiableCredential")
            .into_iter()
            .cloned()
            .collect();
        if credentials.is_empty() || credentials.len() > CREDENTIALS_PER_PRESENTATION_MAX {
            return Err(CredentialError::malformed(
                WHAT,
                format!(
                    "{} credentials; a presentation carries 1 to {CREDENTIALS_PER_PRESENTATION_MAX}",
                    credentials.len()
                ),
            ));
        }
        Ok(Presentation {
            holder,
            credentials,
            unsigned,
            proofs,
        })
    }
}
