//! Phase 3 of `zl bench did`, in this process on one thread after the node has stopped:
//! verifications per second of one SM2Signature2022 credential
//! (`zl_credentials::verify::verify_credential`, the whole §9.5 pipeline), beside raw SM2
//! verifications of a 64-byte message (`PublicKey::verify`), and the URDNA2015
//! canonicalisation of the credential alone.

use anyhow::{bail, Context as _};
use rand_core::OsRng;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

use crate::bench::objects::rate;
use zl_credentials::verify::{verify_credential, Environment, Status, StatusAnswer};
use zl_types::did::{to_jwk, DidDocument, DID_CONTEXT, REM_CONTEXT, SM2_METHOD_TYPE};
use zl_types::{CryptoSuite, SecretKey};

/// How long each rate is measured.
const MEASURE: Duration = Duration::from_secs(5);
/// The issuer: an organisation DID (unified social credit code) of the benchmark's chain.
const ISSUER: &str = "did:rem:shanghai:91310000564759688N";
/// The subject: one of the enterprise DIDs the benchmark creates.
const SUBJECT: &str = "did:rem:shanghai:SH000001";
/// A day, in milliseconds.
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// What the credential phase measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct VcFigures {
    /// Bytes of the signed credential's JSON.
    pub(crate) credential_bytes: usize,
    /// Quads of the credential's canonical form.
    pub(crate) quads: usize,
    /// Seconds each rate was measured.
    pub(crate) seconds_each: f64,
    /// Whole credential verifications per second on one thread.
    pub(crate) vc_verifications_per_s: f64,
    /// SM2 verifications of a 64-byte message per second on one thread.
    pub(crate) sm2_verifications_per_s: f64,
    /// Milliseconds to canonicalise the credential (without its proof) once.
    pub(crate) canonicalisation_ms: f64,
}

/// A verifier that knows the issuer's document, finds every status valid and the issuer
/// registered. It parses the document from JSON on every call, as a resolver's answer would
/// have to be.
struct Verifier {
    issuer_document: Value,
}

impl Environment for Verifier {
    fn regulatory_chain(&self) -> Option<&str> {
        None
    }

    fn resolve(&self, did: &str) -> Result<DidDocument, String> {
        if did != ISSUER {
            return Err("notFound".into());
        }
        DidDocument::from_json(&self.issuer_document, None).map_err(|e| e.to_string())
    }

    fn status(&self, _issuer: &str, _id: &str) -> Result<Option<StatusAnswer>, String> {
        Ok(Some(StatusAnswer {
            status: Status::Valid,
            types: vec!["QualifiedInvestorCredential".into()],
        }))
    }

    fn may_issue(&self, _issuer: &str, _credential_type: &str) -> Result<Option<bool>, String> {
        Ok(Some(true))
    }
}

/// The JR/T 0325 appendix E.1 credential (qualified investor), valid from a day before
/// `now_ms` for a year, unsigned.
fn qualified_investor(now_ms: u64) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", REM_CONTEXT],
        "id": "https://www.china-see.com/credentials/3562",
        "type": ["VerifiableCredential", "QualifiedInvestorCredential"],
        "issuer": ISSUER,
        "issuanceDate": zl_credentials::time::format(now_ms - DAY_MS),
        "expirationDate": zl_credentials::time::format(now_ms + 365 * DAY_MS),
        "credentialSubject": {
            "id": SUBJECT,
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

/// Issues one credential with a fresh SM2 key and measures the three rates.
pub(crate) fn measure() -> anyhow::Result<VcFigures> {
    let key = SecretKey::generate(CryptoSuite::Sm, &mut OsRng);
    let public = key.public_key();
    let method = format!("{ISSUER}#keys-1");
    let verifier = Verifier {
        issuer_document: json!({
            "@context": [DID_CONTEXT, REM_CONTEXT],
            "id": ISSUER,
            "controller": ISSUER,
            "verificationMethod": [{"id": method, "type": SM2_METHOD_TYPE,
                "controller": ISSUER, "publicKeyJwk": to_jwk(&public)}],
            "assertionMethod": [method],
        }),
    };
    let now = crate::time::now_ms();
    let credential =
        zl_credentials::issue::issue_credential(&qualified_investor(now), &method, &key, now)
            .context("the benchmark's credential cannot be issued")?;
    let verified = verify_credential(&verifier, &credential, now)
        .context("the benchmark's own credential does not verify")?;
    if !(verified.status_checked && verified.issuer_checked && verified.subjects == [SUBJECT]) {
        bail!(
            "the benchmark's credential verified without its status or issuer checks: {verified:?}"
        );
    }
    let mut unsigned = credential.clone();
    unsigned
        .as_object_mut()
        .context("a credential is an object")?
        .remove("proof");
    let quads = zl_credentials::canon::canonical_nquads(&unsigned)?
        .lines()
        .count();

    let vc_verifications_per_s = rate(MEASURE, || {
        verify_credential(&verifier, &credential, now)?;
        Ok(())
    })?;
    let message = [0x5a_u8; 64];
    let signature = key.sign(&message);
    let sm2_verifications_per_s = rate(MEASURE, || Ok(public.verify(&message, &signature)?))?;
    let canonicalisations_per_s = rate(MEASURE, || {
        zl_credentials::canon::canonical_nquads(&unsigned)?;
        Ok(())
    })?;
    Ok(VcFigures {
        credential_bytes: serde_json::to_vec(&credential)?.len(),
        quads,
        seconds_each: MEASURE.as_secs_f64(),
        vc_verifications_per_s,
        sm2_verifications_per_s,
        canonicalisation_ms: 1000.0 / canonicalisations_per_s,
    })
}
