//! What can be wrong with a credential or presentation, each error saying what to do.

use thiserror::Error;

/// A refusal or failure while issuing or verifying a credential or presentation.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CredentialError {
    /// The input is not the JSON the model asks for.
    #[error("malformed {what}: {why}")]
    Malformed {
        /// `credential`, `presentation` or `proof`.
        what: &'static str,
        /// The rule broken.
        why: String,
    },
    /// An `@context` URL is not one of the bundled contexts (nothing is fetched at run time).
    #[error("unknown JSON-LD context {0:?}: only the bundled contexts can be used ({1})")]
    UnknownContext(String, String),
    /// JSON-LD expansion would drop or could not map a term: an error, never a silent omission.
    #[error("JSON-LD expansion refused the document: {0}; define every term in a bundled context and use absolute IRIs")]
    Expansion(String),
    /// URDNA2015 gave up (a poison graph) or failed.
    #[error("RDF canonicalisation failed: {0}")]
    Canonicalisation(String),
    /// The proof does not verify, or names a key it may not use.
    #[error("proof refused: {0}")]
    Proof(String),
    /// A DID in the credential or presentation breaks JR/T 0325 §5.2, or cannot be resolved.
    #[error("DID refused: {0}")]
    Did(String),
    /// Outside the validity period.
    #[error("credential {id} is not valid at {now}: valid from {from} until {until}")]
    Period {
        /// The credential's id.
        id: String,
        /// The time checked.
        now: String,
        /// `issuanceDate`.
        from: String,
        /// `expirationDate`.
        until: String,
    },
    /// The status is not `valid`.
    #[error("credential {id} status is {status}; a verifier accepts only valid credentials")]
    Status {
        /// The credential's id.
        id: String,
        /// `revoked` or `notExist`.
        status: String,
    },
    /// The issuer is not registered on chain for one of the credential's types.
    #[error("issuer {issuer} is not registered to issue {credential_type}; ask governance to register it")]
    IssuerNotRegistered {
        /// The issuer's DID.
        issuer: String,
        /// The type it may not issue.
        credential_type: String,
    },
    /// The presentation's nonce was accepted before, inside the replay window.
    #[error("presentation nonce {0:?} was already accepted; the holder must create a new presentation with a fresh nonce")]
    Replay(String),
    /// The verifier should know the status or registration but could not read it: it refuses
    /// rather than accept unchecked.
    #[error("the verifier could not check the credential ({0}); retry later")]
    Unavailable(String),
    /// The verifier remembers as many nonces for this holder as it may.
    #[error(
        "the verifier holds its limit of recent presentations from {0}; retry in a few minutes"
    )]
    NoncesFull(String),
    /// The holder presents a credential about someone else without an authorisation credential.
    #[error("holder {holder} is not the subject {subject} of credential {id} and carries no authorisation credential from that subject naming the holder")]
    NotAuthorised {
        /// The presentation's holder.
        holder: String,
        /// The credential's subject.
        subject: String,
        /// The credential's id.
        id: String,
    },
}

impl CredentialError {
    /// A malformed-input error.
    pub fn malformed(what: &'static str, why: impl Into<String>) -> CredentialError {
        CredentialError::Malformed {
            what,
            why: why.into(),
        }
    }
}
