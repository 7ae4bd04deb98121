//! ZhengLian's ledger on RocksDB: blocks, transactions, state, the evidence index and log.
//!
//! One column family per typed table (see [`tables`]); one fsynced `WriteBatch` per block, so a
//! `kill -9` at any moment leaves either the whole block or none of it; a consistency check at
//! start-up. Blocks are executed ([`Ledger::execute`]) before they are committed
//! ([`Ledger::commit`]): the header of height H commits to H's own results.
#![forbid(unsafe_code)]

mod business;
mod commit;
pub mod consensus_store;
mod did;
pub use consensus_store::SigningWrite;
pub mod error;
mod execute;
mod governance;
mod ledger;
mod objects;
mod open;
mod proofs;
mod query;
pub mod state_root;
mod store;
pub mod tables;
mod types;

pub use error::LedgerError;
pub use ledger::Ledger;
pub use objects::OBJECT_LIST_MAX;
pub use types::{
    ExecutedBlock, ExecutedTransaction, Outcome, OutcomeError, RecordProofs, StoredBlock,
    TransactionInfo, TransactionReceipt, TRANSACTION_RECEIPT_FORMAT,
};

/// The on-disk format this build writes and reads. A database of a newer format is refused.
pub const FORMAT_VERSION: u32 = 1;

/// Transactions one block may carry (the 16 MB block limit allows about this many small ones).
pub const TRANSACTIONS_PER_BLOCK_MAX: usize = 65_536;

/// Receipts one [`Ledger::evidence_by_digest`] call returns, at most, whatever limit is asked.
pub const RECEIPTS_PER_DIGEST_MAX: usize = 1_000;

/// Blocks below the tip whose hash links are checked at start-up.
pub const CONSISTENCY_CHECK_BLOCKS: u64 = 8;

/// Size of the RocksDB block cache shared by all tables, in bytes.
pub const BLOCK_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Memory all tables' memtables may use together before RocksDB flushes them, in bytes.
pub const MEMTABLES_BYTES_MAX: usize = 256 * 1024 * 1024;

/// Member entries cached in memory before the cache is emptied and refilled.
pub const MEMBER_CACHE_ENTRIES_MAX: usize = 100_000;

// The node shares one ledger between its API, consensus and sync tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Ledger>();
};
