//! Verifiable credentials and presentations of JR/T 0325 §7–§9 and appendix F: the bundled
//! JSON-LD contexts, strict expansion to RDF, URDNA2015 canonicalisation, the SM2Signature2022
//! proof, and the verification pipelines of §9.5 and §9.6.
//!
//! A pure crate: no I/O, no clock, no randomness. DID documents, credential status, issuer
//! registrations, nonce memory and the current time come in as parameters (see [`verify`]).

#![forbid(unsafe_code)]

pub mod canon;
pub mod contexts;
mod error;
pub mod issue;
pub mod shape;
pub mod suite;
pub mod time;
pub mod verify;

pub use error::CredentialError;
