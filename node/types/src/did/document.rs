//! DID documents (JR/T 0325 §6, appendices C and D): read leniently (a single value where the
//! model has a set), checked strictly (a closed set of members, valid DIDs, keys on their
//! curve, references that resolve), written in one canonical shape (sets as arrays, the two
//! contexts). docs/DID.md §6 states each rule and choice.

use super::jwk::{from_jwk, to_jwk};
use super::syntax::Did;
use crate::crypto::PublicKey;
use serde_json::{Map, Value};

/// The W3C DID context; a document must name it first.
pub const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// The `rem` context (bundled, never fetched) defining `SM2VerificationKey2022`, `publicKeyJwk`.
pub const REM_CONTEXT: &str = "https://www.rem.com/2022/credentials/rems/v1";
/// The verification method type of SM2 keys (appendix D).
pub const SM2_METHOD_TYPE: &str = "SM2VerificationKey2022";
/// The verification method type of Ed25519 keys (allowed besides SM2).
pub const ED25519_METHOD_TYPE: &str = "JsonWebKey2020";

/// Serialised bytes of a document at most.
pub const DOCUMENT_BYTES_MAX: usize = 16 * 1024;
/// Verification methods (listed or embedded) at most.
pub const METHODS_MAX: usize = 16;
/// Services at most.
pub const SERVICES_MAX: usize = 16;
/// Entries of `alsoKnownAs` or `controller` at most.
pub const ALIASES_MAX: usize = 8;
/// Bytes of a URI (alias, service id or endpoint) at most.
pub const URI_BYTES_MAX: usize = 512;

/// Why a DID document was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad DID document: {0}")]
pub struct DocumentError(pub String);

fn bad(why: impl Into<String>) -> DocumentError {
    DocumentError(why.into())
}

/// A verification method: its id (`<DID>#<fragment>`), its controller and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationMethod {
    /// `<DID>#<fragment>`.
    pub id: String,
    /// The DID that controls this key.
    pub controller: String,
    /// The key (its type follows from it: SM2 or Ed25519).
    pub key: PublicKey,
}

/// An entry of `authentication` or `assertionMethod`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relationship {
    /// The id of a method defined elsewhere in the document.
    Reference(String),
    /// A method defined here.
    Embedded(Box<VerificationMethod>),
}

/// A service endpoint (§6.2.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// A URI.
    pub id: String,
    /// One or more application-defined type names.
    pub types: Vec<String>,
    /// A URI.
    pub endpoint: String,
}

/// A checked DID document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DidDocument {
    /// The subject's DID.
    pub id: String,
    /// Other identifiers of the subject (URIs).
    pub also_known_as: Vec<String>,
    /// The DIDs allowed to change this document (at least one).
    pub controller: Vec<String>,
    /// The listed verification methods (at least one).
    pub verification_method: Vec<VerificationMethod>,
    /// Keys that authenticate the subject.
    pub authentication: Vec<Relationship>,
    /// Keys that sign the subject's assertions (credentials).
    pub assertion_method: Vec<Relationship>,
    /// Services.
    pub service: Vec<Service>,
}

/// A member read as a set: absent is empty, a single value is a set of one.
fn set<'a>(object: &'a Map<String, Value>, name: &str) -> Vec<&'a Value> {
    match object.get(name) {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    }
}

fn string<'a>(value: &'a Value, what: &str) -> Result<&'a str, DocumentError> {
    value
        .as_str()
        .ok_or_else(|| bad(format!("{what} is not a string")))
}

fn closed(object: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), DocumentError> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(extra) => Err(bad(format!(
            "{what} has the member {extra:?}, which this chain does not know; remove it"
        ))),
        None => Ok(()),
    }
}

/// An absolute URI: a scheme, `:`, then no whitespace or control characters.
fn check_uri(text: &str, what: &str) -> Result<(), DocumentError> {
    let scheme_ok = text.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_alphabetic)
            && scheme
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
    });
    if !scheme_ok
        || text.len() > URI_BYTES_MAX
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad(format!(
            "{what} {:?} is not an absolute URI of at most {URI_BYTES_MAX} bytes without spaces",
            text.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

/// `<DID>#<fragment>` with a fragment of `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
pub fn check_method_id(id: &str, regulatory_chain: Option<&str>) -> Result<(), DocumentError> {
    let (did, fragment) = id
        .split_once('#')
        .ok_or_else(|| bad(format!("method id {id:?} is not <DID>#<fragment>")))?;
    Did::parse(did, regulatory_chain).map_err(|e| bad(e.to_string()))?;
    let ok = (1..=64).contains(&fragment.len())
        && fragment.as_bytes()[0].is_ascii_alphanumeric()
        && fragment
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
    if !ok {
        return Err(bad(format!(
            "method id {id:?}: the fragment must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit"
        )));
    }
    Ok(())
}

fn method(
    value: &Value,
    regulatory_chain: Option<&str>,
) -> Result<VerificationMethod, DocumentError> {
    let object = value
        .as_object()
        .ok_or_else(|| bad("a verification method is not an object"))?;
    closed(
        object,
        &["id", "type", "controller", "publicKeyJwk"],
        "a verification method",
    )?;
    let field = |name: &str| {
        object
            .get(name)
            .ok_or_else(|| bad(format!("a verification method has no {name:?}")))
    };
    let id = string(field("id")?, "a method's id")?;
    check_method_id(id, regulatory_chain)?;
    let controller = string(field("controller")?, "a method's controller")?;
    Did::parse(controller, regulatory_chain).map_err(|e| bad(e.to_string()))?;
    let key = from_jwk(field("publicKeyJwk")?).map_err(|e| bad(format!("{id}: {e}")))?;
    let expected = method_type(&key);
    let kind = string(field("type")?, "a method's type")?;
    if kind != expected {
        return Err(bad(format!(
            "{id}: type {kind:?} does not match its key; an {} key is a {expected}",
            key.suite().name()
        )));
    }
    Ok(VerificationMethod {
        id: id.to_string(),
        controller: controller.to_string(),
        key,
    })
}

/// The method type of a key.
pub fn method_type(key: &PublicKey) -> &'static str {
    match key {
        PublicKey::Sm2(_) => SM2_METHOD_TYPE,
        PublicKey::Ed25519(_) => ED25519_METHOD_TYPE,
    }
}

impl DidDocument {
    /// Reads and checks a document. `regulatory_chain` is the regulatory chain's id, the one
    /// chain id besides JR/T 0325 table 2 that DIDs in it may name.
    pub fn from_json(
        value: &Value,
        regulatory_chain: Option<&str>,
    ) -> Result<DidDocument, DocumentError> {
        let size = serde_json::to_vec(value).map_or(usize::MAX, |b| b.len());
        if size > DOCUMENT_BYTES_MAX {
            return Err(bad(format!("{size} bytes; at most {DOCUMENT_BYTES_MAX}")));
        }
        let object = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
        closed(
            object,
            &[
                "@context",
                "id",
                "alsoKnownAs",
                "controller",
                "verificationMethod",
                "authentication",
                "assertionMethod",
                "service",
            ],
            "the document",
        )?;
        check_context(object)?;
        let did = |text: &str| {
            Did::parse(text, regulatory_chain)
                .map(|_| text.to_string())
                .map_err(|e| bad(e.to_string()))
        };
        let id = did(string(
            object.get("id").ok_or_else(|| bad("no \"id\""))?,
            "\"id\"",
        )?)?;
        let strings = |name: &str| -> Result<Vec<&str>, DocumentError> {
            let items = set(object, name);
            if items.len() > ALIASES_MAX {
                return Err(bad(format!("more than {ALIASES_MAX} entries in {name:?}")));
            }
            items.into_iter().map(|v| string(v, name)).collect()
        };
        let also_known_as = strings("alsoKnownAs")?
            .into_iter()
            .map(|uri| check_uri(uri, "alsoKnownAs").map(|()| uri.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let controller = strings("controller")?
            .into_iter()
            .map(did)
            .collect::<Result<Vec<_>, _>>()?;
        if controller.is_empty() {
            return Err(bad(
                "no \"controller\"; name the DID(s) that may change the document",
            ));
        }
        let verification_method = set(object, "verificationMethod")
            .into_iter()
            .map(|v| method(v, regulatory_chain))
            .collect::<Result<Vec<_>, _>>()?;
        if verification_method.is_empty() {
            return Err(bad("no \"verificationMethod\"; list at least one key"));
        }
        let relationship = |name: &str| {
            set(object, name)
                .into_iter()
                .map(|v| match v {
                    Value::String(id) => Ok(Relationship::Reference(id.clone())),
                    // `{"id": …}` alone is a reference too (appendices B and C write it so).
                    Value::Object(o) if o.len() == 1 && o.contains_key("id") => {
                        Ok(Relationship::Reference(string(&o["id"], name)?.to_string()))
                    }
                    other => {
                        method(other, regulatory_chain).map(|m| Relationship::Embedded(Box::new(m)))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let document = DidDocument {
            id,
            also_known_as,
            controller,
            authentication: relationship("authentication")?,
            assertion_method: relationship("assertionMethod")?,
            service: services(object)?,
            verification_method,
        };
        document.check_methods()?;
        Ok(document)
    }

    /// Method ids are unique, there are not too many, and every reference names one of them.
    fn check_methods(&self) -> Result<(), DocumentError> {
        let ids: Vec<&str> = self.methods().map(|m| m.id.as_str()).collect();
        if ids.len() > METHODS_MAX {
            return Err(bad(format!("more than {METHODS_MAX} verification methods")));
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(bad(format!("the method id {:?} is used twice", pair[0])));
        }
        for reference in self.relationships().filter_map(|r| match r {
            Relationship::Reference(id) => Some(id),
            Relationship::Embedded(_) => None,
        }) {
            if !ids.contains(&reference.as_str()) {
                return Err(bad(format!(
                    "{reference:?} is referenced but no method of the document has that id"
                )));
            }
        }
        Ok(())
    }

    fn relationships(&self) -> impl Iterator<Item = &Relationship> {
        self.authentication.iter().chain(&self.assertion_method)
    }

    /// Every verification method: listed, then embedded.
    pub fn methods(&self) -> impl Iterator<Item = &VerificationMethod> {
        self.verification_method
            .iter()
            .chain(self.relationships().filter_map(|r| match r {
                Relationship::Embedded(m) => Some(m.as_ref()),
                Relationship::Reference(_) => None,
            }))
    }

    /// The method `id` if it is in `authentication` (referenced or embedded).
    pub fn authentication_method(&self, id: &str) -> Option<&VerificationMethod> {
        self.authentication.iter().find_map(|r| match r {
            Relationship::Reference(reference) if reference == id => self.method(id),
            Relationship::Embedded(m) if m.id == id => Some(m.as_ref()),
            _ => None,
        })
    }

    /// The method holding `key` if it is in `assertionMethod` (referenced or embedded): the
    /// keys that may sign the subject's assertions, credentials and object seals alike.
    pub fn assertion_method_with_key(&self, key: &PublicKey) -> Option<&VerificationMethod> {
        self.assertion_method.iter().find_map(|r| {
            let method = match r {
                Relationship::Reference(reference) => self.method(reference)?,
                Relationship::Embedded(m) => m.as_ref(),
            };
            (&method.key == key).then_some(method)
        })
    }

    /// The method `id`, if the document has it.
    pub fn method(&self, id: &str) -> Option<&VerificationMethod> {
        self.methods().find(|m| m.id == id)
    }

    /// The canonical JSON form: both contexts, sets as arrays, a single controller as a string,
    /// empty optional sets left out.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "@context".into(),
            serde_json::json!([DID_CONTEXT, REM_CONTEXT]),
        );
        out.insert("id".into(), self.id.clone().into());
        if !self.also_known_as.is_empty() {
            out.insert("alsoKnownAs".into(), self.also_known_as.clone().into());
        }
        let controller = match self.controller.as_slice() {
            [one] => Value::from(one.clone()),
            many => Value::from(many.to_vec()),
        };
        out.insert("controller".into(), controller);
        out.insert(
            "verificationMethod".into(),
            self.verification_method.iter().map(method_json).collect(),
        );
        for (name, list) in [
            ("authentication", &self.authentication),
            ("assertionMethod", &self.assertion_method),
        ] {
            if !list.is_empty() {
                let items = list.iter().map(|r| match r {
                    Relationship::Reference(id) => Value::from(id.clone()),
                    Relationship::Embedded(m) => method_json(m),
                });
                out.insert(name.into(), items.collect());
            }
        }
        if !self.service.is_empty() {
            let items = self.service.iter().map(
                |s| serde_json::json!({"id": s.id, "type": s.types, "serviceEndpoint": s.endpoint}),
            );
            out.insert("service".into(), items.collect());
        }
        Value::Object(out)
    }
}

fn method_json(m: &VerificationMethod) -> Value {
    serde_json::json!({
        "id": m.id,
        "type": method_type(&m.key),
        "controller": m.controller,
        "publicKeyJwk": to_jwk(&m.key),
    })
}

/// `@context`: the DID context first; besides it only the rem context (nothing is fetched).
fn check_context(object: &Map<String, Value>) -> Result<(), DocumentError> {
    let contexts = set(object, "@context");
    let names: Vec<&str> = contexts.iter().filter_map(|c| c.as_str()).collect();
    if names.len() != contexts.len() || names.first() != Some(&DID_CONTEXT) {
        return Err(bad(format!("\"@context\" must start with {DID_CONTEXT:?}")));
    }
    if let Some(other) = names[1..].iter().find(|c| **c != REM_CONTEXT) {
        return Err(bad(format!(
            "unknown context {other:?}; only {DID_CONTEXT:?} and {REM_CONTEXT:?} are known here"
        )));
    }
    Ok(())
}

fn services(object: &Map<String, Value>) -> Result<Vec<Service>, DocumentError> {
    let items = set(object, "service");
    if items.len() > SERVICES_MAX {
        return Err(bad(format!("more than {SERVICES_MAX} services")));
    }
    items
        .into_iter()
        .map(|value| {
            let o = value
                .as_object()
                .ok_or_else(|| bad("a service is not an object"))?;
            closed(o, &["id", "type", "serviceEndpoint"], "a service")?;
            let field = |name: &str| {
                o.get(name)
                    .ok_or_else(|| bad(format!("a service has no {name:?}")))
            };
            let id = string(field("id")?, "a service's id")?;
            check_uri(id, "service id")?;
            let endpoint = string(field("serviceEndpoint")?, "serviceEndpoint")?;
            check_uri(endpoint, "serviceEndpoint")?;
            let types = set(o, "type")
                .into_iter()
                .map(|t| string(t, "a service's type").map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            if types.is_empty() || types.iter().any(|t| t.is_empty() || t.len() > 64) {
                return Err(bad(
                    "a service's type must be one or more names of 1-64 bytes",
                ));
            }
            Ok(Service {
                id: id.to_string(),
                types,
                endpoint: endpoint.to_string(),
            })
        })
        .collect()
}
