//! Why the mempool refused a transaction; each message says what the submitter should do.

use zl_types::{Hash, PublicKey};

/// A refused insertion. Nothing changed in the mempool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// A transaction with this id is already pending.
    #[error("transaction {0} is already pending; wait for its commit instead of sending it again")]
    Duplicate(Hash),
    /// The transaction's expiry is not after the current time.
    #[error(
        "transaction expired at {expires_at} (now {now_ms}); sign it again with a later expires_at"
    )]
    Expired {
        /// The transaction's `expires_at`, Unix ms.
        expires_at: u64,
        /// The time of the insertion, Unix ms.
        now_ms: u64,
    },
    /// The signer already has `limit` transactions pending.
    #[error("member {member} already has {limit} transactions pending, its quota; retry after some commit")]
    QuotaExceeded {
        /// The signer whose quota is used up (boxed: a key is large, errors stay small).
        member: Box<PublicKey>,
        /// The per-member limit.
        limit: usize,
    },
    /// The mempool holds as many transactions or bytes as it may.
    #[error("the mempool is full; retry in {retry_after_ms} ms")]
    Full {
        /// A hint for the client: when to try again, in milliseconds.
        retry_after_ms: u64,
    },
}
