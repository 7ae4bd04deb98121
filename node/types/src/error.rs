//! The error type of `zl-types`: every failure says what was wrong and what to do.

/// Errors from decoding, checking and verifying ZhengLian formats.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TypesError {
    /// Input did not have the documented format.
    #[error("bad format: {0}")]
    Format(String),
    /// A signature did not verify.
    #[error("bad signature: {0}")]
    Signature(String),
    /// A Merkle proof did not lead to the expected root.
    #[error("bad Merkle proof: {0}")]
    Proof(String),
    /// A value broke a documented limit or rule.
    #[error("invalid: {0}")]
    Invalid(String),
    /// A key file could not be read or decrypted.
    #[error("key file: {0}")]
    KeyFile(String),
}
