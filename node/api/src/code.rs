//! The stable codes of error answers: one enum, so every code the API can send is listed
//! here and (a test checks) in `openapi.json`.

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident => $code:literal,)+) => {
        /// A stable, machine-readable error code, sent as snake_case text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code's text, e.g. `not_a_member`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

error_codes! {
    /// 413: the body exceeds the route's limit.
    BodyTooLarge => "body_too_large",
    /// 400: the body could not be read.
    UnreadableBody => "unreadable_body",
    /// 400: the body is not JSON.
    MalformedJson => "malformed_json",
    /// 400: JSON, but not a transaction.
    BadTransaction => "bad_transaction",
    /// 400: JSON, but not `{"transactions": [...]}`.
    BadBatch => "bad_batch",
    /// 400: a batch of 0 or too many transactions.
    BadBatchSize => "bad_batch_size",
    /// 400: another chain id or genesis hash.
    WrongChain => "wrong_chain",
    /// 400: the expiry has passed.
    Expired => "expired",
    /// 400: the expiry lies beyond the replay-protection window.
    ExpiryTooFar => "expiry_too_far",
    /// 400: another stateless rule broken (calls, salt, size, encoding).
    InvalidTransaction => "invalid_transaction",
    /// 400: a call names no known contract method.
    UnknownCall => "unknown_call",
    /// 400: a call's arguments have the wrong shape or break a limit.
    BadArguments => "bad_arguments",
    /// 403: the signer is not a registered member.
    NotAMember => "not_a_member",
    /// 400: the signature does not verify.
    BadSignature => "bad_signature",
    /// 409: the transaction is already in a block.
    AlreadyCommitted => "already_committed",
    /// 409: the transaction is already pending.
    Duplicate => "duplicate",
    /// 429: the signer has its quota of pending transactions.
    QuotaExceeded => "quota_exceeded",
    /// 503: the mempool is full.
    MempoolFull => "mempool_full",
    /// 400: a transaction id that is not 64 hex characters.
    BadId => "bad_id",
    /// 400: a block height that is not a number.
    BadHeight => "bad_height",
    /// 400: a digest that is not 64 hex characters.
    BadDigest => "bad_digest",
    /// 400: a record seq that is not a number.
    BadSeq => "bad_seq",
    /// 400: a path that could not be decoded.
    BadPath => "bad_path",
    /// 400: a query parameter that is unknown, not a number, or out of range.
    BadQuery => "bad_query",
    /// 404: the thing asked for does not exist.
    NotFound => "not_found",
    /// 404: no such route.
    UnknownRoute => "unknown_route",
    /// 405: the route exists, not with this method.
    MethodNotAllowed => "method_not_allowed",
    /// 422: a credential that does not pass JR/T 0325 §9.5 (the message says which rule).
    InvalidCredential => "invalid_credential",
    /// 422: a presentation that does not pass JR/T 0325 §9.6.
    InvalidPresentation => "invalid_presentation",
    /// 409: a presentation nonce this node accepted before.
    Replayed => "replayed",
    /// 401: a login whose challenge, key or signature does not hold.
    BadLogin => "bad_login",
    /// 401: no live login token (Authorization: Bearer).
    Unauthenticated => "unauthenticated",
    /// 503: too many open logins or remembered nonces; retry shortly.
    Busy => "busy",
    /// 503: the node is not ready yet.
    NotReady => "not_ready",
    /// 422: a data object that fails the data model's checks (each violation with its pointer).
    InvalidObject => "invalid_object",
    /// 422: a data object whose seal is missing or does not verify.
    BadSeal => "bad_seal",
    /// 503 (or 500): the object store is not configured, down, or holds a damaged file.
    StoreUnavailable => "store_unavailable",
    /// 403: logged in, but not as someone this may be shown to.
    Forbidden => "forbidden",
    /// 409: the command conflicts with what the chain records, or the chain refused it.
    Conflict => "conflict",
    /// 409: an idempotency key already used for another request.
    IdempotencyConflict => "idempotency_conflict",
    /// 503: this node runs no bridge.
    BridgeDisabled => "bridge_disabled",
    /// 503: the command's transaction was not committed in time (retry with the same key).
    NotCommitted => "not_committed",
    /// 500: the ledger could not be read.
    LedgerError => "ledger_error",
    /// 5xx: another server failure.
    InternalError => "internal_error",
    /// 4xx: another client error.
    BadRequest => "bad_request",
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
