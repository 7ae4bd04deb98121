//! Distributed identity per JR/T 0325: `did:rem` identifiers (syntax, the 35 local business chain
//! ids, subject codes with the GB 32100 check). docs/DID.md states the grammar and every choice
//! the standard leaves open.

pub mod chains;
pub mod document;
pub mod jwk;
pub mod operation;
pub mod resolution;
pub mod syntax;
pub mod uscc;

pub use chains::{local_chain, LocalChain, LOCAL_CHAINS};
pub use document::{
    DidDocument, DocumentError, Relationship, Service, VerificationMethod, DID_CONTEXT,
    REM_CONTEXT, SM2_METHOD_TYPE,
};
pub use jwk::{from_jwk, to_jwk, JwkError};
pub use operation::{
    auth_bytes, investor_allocation_bytes, ControllerProof, DidOperation, OperationKind,
    DID_AUTH_TAG, DID_OPERATION_TAG, INVESTOR_ALLOCATION_TAG,
};
pub use resolution::{DocumentMetadata, ResolutionError, ResolutionResult, DID_CONTENT_TYPE};
pub use syntax::{Did, SubjectCode, DID_BYTES_MAX, DID_PREFIX};
pub use uscc::{check_character, check_uscc, UsccProblem};

/// Why a text is not a valid `did:rem` DID (JR/T 0325 resolution error `InvalidDid`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    /// Not of the form `did:rem:<chain id>:<subject code>`.
    #[error("{0:?} is not a did:rem DID: {1}; write did:rem:<chain id>:<subject code>, e.g. did:rem:shanghai:SH000001F.S2101")]
    Malformed(String, &'static str),
    /// The chain id is neither one of JR/T 0325 table 2 nor the regulatory chain's.
    #[error("{did:?}: {chain:?} is not a chain id; use one of the 35 local business chain ids of JR/T 0325 table 2 (e.g. shanghai, jiangsu) or the regulatory chain's id")]
    UnknownChain {
        /// The DID as given (at most 80 characters).
        did: String,
        /// The chain id as given.
        chain: String,
    },
    /// The subject code has none of the three shapes.
    #[error("{did:?}: {code:?} is not a subject code; use an enterprise code (e.g. SH000001F.S2101), an investor code (e.g. Q123456789) or an 18-character unified social credit code")]
    UnknownCode {
        /// The DID as given (at most 80 characters).
        did: String,
        /// The subject code as given.
        code: String,
    },
    /// An 18-character organisation code that is not a valid unified social credit code.
    #[error("{did:?}: not a unified social credit code (GB 32100): {problem}; check the code with the organisation's licence")]
    CreditCode {
        /// The DID as given (at most 80 characters).
        did: String,
        /// What is wrong with the code.
        problem: UsccProblem,
    },
}
