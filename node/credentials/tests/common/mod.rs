//! A verifier's world for tests: DID documents, status, issuer registrations and nonces in memory.

#![allow(dead_code, unreachable_pub)]

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use zl_credentials::verify::{Acceptance, Environment, NonceMemory, Status, StatusAnswer};
use zl_types::did::{to_jwk, DidDocument};
use zl_types::SecretKey;

/// 2022-10-01T19:33:24Z.
pub const NOW: u64 = 1_664_652_804_000;
pub const ISSUER: &str = "did:rem:shanghai:91310000564759688N";
pub const ENTERPRISE: &str = "did:rem:shanghai:SH000001F.S2101";
pub const INVESTOR: &str = "did:rem:jiangsu:Q123456789";

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(zl_types::CryptoSuite::Sm, &[seed; 32]).expect("a valid SM2 secret")
}

/// A document for `did` whose `#keys-1` authenticates and asserts.
pub fn document(did: &str, key: &SecretKey) -> Value {
    let method = format!("{did}#keys-1");
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": did,
        "controller": did,
        "verificationMethod": [{
            "id": method, "type": "SM2VerificationKey2022", "controller": did,
            "publicKeyJwk": to_jwk(&key.public_key()),
        }],
        "authentication": [method],
        "assertionMethod": [method],
    })
}

#[derive(Default)]
pub struct World {
    pub documents: HashMap<String, Value>,
    pub deactivated: HashSet<String>,
    pub status: HashMap<String, Status>,
    pub issuers: HashMap<String, Vec<String>>,
    /// Types registered with a status (default: QualifiedInvestorCredential).
    pub status_types: HashMap<String, Vec<String>>,
    /// When true, status and registrations are unknown (an offline verifier).
    pub offline: bool,
    /// When true, status and registrations cannot be read (a failing ledger).
    pub broken: bool,
}

impl World {
    /// The issuer (registered for QualifiedInvestorCredential), the enterprise and the investor.
    pub fn new() -> World {
        let mut world = World::default();
        world.add(ISSUER, &key(1));
        world.add(ENTERPRISE, &key(2));
        world.add(INVESTOR, &key(3));
        world
            .issuers
            .insert(ISSUER.into(), vec!["QualifiedInvestorCredential".into()]);
        world
    }

    pub fn add(&mut self, did: &str, key: &SecretKey) {
        self.documents.insert(did.into(), document(did, key));
    }
}

impl Environment for World {
    fn regulatory_chain(&self) -> Option<&str> {
        Some("regulator")
    }

    fn resolve(&self, did: &str) -> Result<DidDocument, String> {
        if self.deactivated.contains(did) {
            return Err("deactivated".into());
        }
        let document = self.documents.get(did).ok_or("notFound")?;
        DidDocument::from_json(document, Some("regulator")).map_err(|e| e.to_string())
    }

    fn status(&self, _issuer: &str, id: &str) -> Result<Option<StatusAnswer>, String> {
        if self.broken {
            return Err("the ledger cannot be read".into());
        }
        if self.offline {
            return Ok(None);
        }
        let status = self.status.get(id).copied().unwrap_or(Status::NotExist);
        let types = match status {
            Status::NotExist => Vec::new(),
            _ => self
                .status_types
                .get(id)
                .cloned()
                .unwrap_or_else(|| vec!["QualifiedInvestorCredential".into()]),
        };
        Ok(Some(StatusAnswer { status, types }))
    }

    fn may_issue(&self, issuer: &str, credential_type: &str) -> Result<Option<bool>, String> {
        if self.broken {
            return Err("the ledger cannot be read".into());
        }
        if self.offline {
            return Ok(None);
        }
        let registered = self.issuers.get(issuer);
        Ok(Some(
            registered.is_some_and(|t| t.iter().any(|t| t == credential_type)),
        ))
    }
}

/// Nonces remembered for ever (enough for a test).
#[derive(Default)]
pub struct Nonces(pub HashSet<String>);

impl NonceMemory for Nonces {
    fn accept_once(&mut self, _holder: &str, nonce: &str, _now_ms: u64) -> Acceptance {
        if self.0.insert(nonce.to_owned()) {
            Acceptance::Fresh
        } else {
            Acceptance::Replayed
        }
    }
}

/// The appendix E.1 credential (qualified investor), with dates around [`NOW`] and the
/// investor as subject, unsigned.
pub fn qualified_investor() -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": "https://www.china-see.com/credentials/3562",
        "type": ["VerifiableCredential", "QualifiedInvestorCredential"],
        "issuer": ISSUER,
        "issuanceDate": "2022-01-01T19:23:24Z",
        "expirationDate": "2023-01-01T19:23:24Z",
        "credentialSubject": {
            "id": INVESTOR,
            "riskTolerance": {
                "type": "qualified",
                "description": "a qualified investor",
                "investorType": "institution",
                "accountOpeningDate": "2020-01-01T19:23:24Z"
            }
        },
        "credentialStatus": {"id": "https://www.china-see.com/vcstatus/24", "type": "VCStatus2022"}
    })
}

/// The qualified-investor credential, signed by the issuer at [`NOW`], with status valid.
pub fn issued(world: &mut World) -> Value {
    let vc = zl_credentials::issue::issue_credential(
        &qualified_investor(),
        &format!("{ISSUER}#keys-1"),
        &key(1),
        NOW - 1000,
    )
    .expect("issues");
    world
        .status
        .insert(vc["id"].as_str().unwrap().into(), Status::Valid);
    vc
}
