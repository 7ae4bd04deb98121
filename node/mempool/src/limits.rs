//! The mempool's bounds, with their defaults as named constants.

/// Default of [`MempoolLimits::transactions_max`].
pub const TRANSACTIONS_MAX_DEFAULT: usize = 100_000;
/// Default of [`MempoolLimits::bytes_max`]: 256 MiB.
pub const BYTES_MAX_DEFAULT: usize = 256 * 1024 * 1024;
/// Default of [`MempoolLimits::per_member_max`].
pub const PER_MEMBER_MAX_DEFAULT: usize = 20_000;
/// Bytes counted for a transaction beyond its signing bytes (the 64-byte signature).
pub const TRANSACTION_OVERHEAD_BYTES: usize = 64;
/// The largest [`crate::transaction_size`]: a batch or gossip limit of at least this many
/// bytes lets every transaction leave the pool.
pub const TRANSACTION_SIZE_MAX: usize =
    zl_types::transaction::TRANSACTION_BYTES_MAX + TRANSACTION_OVERHEAD_BYTES;
/// How long a client should wait before retrying when the mempool is full: about one block.
pub const FULL_RETRY_AFTER_MS: u64 = 1_000;

/// How much the mempool may hold. Every bound is enforced on insertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolLimits {
    /// Pending transactions, at most.
    pub transactions_max: usize,
    /// Sum of the pending transactions' sizes ([`crate::transaction_size`]), at most.
    pub bytes_max: usize,
    /// Pending transactions of one signer, at most: one busy member cannot fill the pool.
    pub per_member_max: usize,
}

impl Default for MempoolLimits {
    fn default() -> MempoolLimits {
        MempoolLimits {
            transactions_max: TRANSACTIONS_MAX_DEFAULT,
            bytes_max: BYTES_MAX_DEFAULT,
            per_member_max: PER_MEMBER_MAX_DEFAULT,
        }
    }
}

// A full quota of one member must fit in the pool, or the quota would never bind.
const _: () = assert!(PER_MEMBER_MAX_DEFAULT <= TRANSACTIONS_MAX_DEFAULT);
// The largest transaction must fit in an empty pool.
const _: () = assert!(TRANSACTION_SIZE_MAX <= BYTES_MAX_DEFAULT);
