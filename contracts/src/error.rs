//! Why a contract call failed: a stable code and a message saying what to fix.

/// A failed call. The transaction is still recorded, with this error, and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The contract or method does not exist.
    #[error("unknown call: {0}")]
    UnknownCall(String),
    /// The arguments do not have the method's shape or break a rule.
    #[error("bad arguments: {0}")]
    BadArguments(String),
    /// The signer lacks the role or ownership the call needs.
    #[error("not allowed: {0}")]
    Unauthorized(String),
    /// The call refers to something that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The call conflicts with the current state (e.g. revoking a revoked record).
    #[error("conflict: {0}")]
    Conflict(String),
}

impl ContractError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ContractError::UnknownCall(_) => "unknown_call",
            ContractError::BadArguments(_) => "bad_arguments",
            ContractError::Unauthorized(_) => "unauthorized",
            ContractError::NotFound(_) => "not_found",
            ContractError::Conflict(_) => "conflict",
        }
    }

    /// The same error, with the index of the failing call in its message.
    pub fn in_call(self, index: usize) -> ContractError {
        self.map_message(|m| format!("call {index}: {m}"))
    }

    /// The same error, with `context` (what it means and what to do) after its message.
    pub fn with_context(self, context: &str) -> ContractError {
        self.map_message(|m| format!("{m}; {context}"))
    }

    fn map_message(self, wrap: impl FnOnce(String) -> String) -> ContractError {
        match self {
            ContractError::UnknownCall(m) => ContractError::UnknownCall(wrap(m)),
            ContractError::BadArguments(m) => ContractError::BadArguments(wrap(m)),
            ContractError::Unauthorized(m) => ContractError::Unauthorized(wrap(m)),
            ContractError::NotFound(m) => ContractError::NotFound(wrap(m)),
            ContractError::Conflict(m) => ContractError::Conflict(wrap(m)),
        }
    }
}
