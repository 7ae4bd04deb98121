//! The error type of `zl-ledger`: every failure says what was wrong and what to do.

use std::path::PathBuf;
use zl_types::{Hash, TypesError};

/// Errors from opening, executing on, committing to and reading the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database was written by a newer zld.
    #[error(
        "the database at {} was written by a newer zld (format {found}); this zld reads format {supported}: \
         upgrade zld or point --home at another directory",
        dir.display()
    )]
    NewerFormat {
        /// The database directory.
        dir: PathBuf,
        /// The format version found on disk.
        found: u32,
        /// The format version this build reads.
        supported: u32,
    },
    /// The database holds another chain than the genesis given.
    #[error(
        "the database at {} holds the chain with genesis {found}, but the genesis given hashes to {expected}: \
         point --home at this chain's own directory, or use the genesis.json the database was created with",
        dir.display()
    )]
    GenesisMismatch {
        /// The database directory.
        dir: PathBuf,
        /// The genesis hash stored in the database.
        found: Hash,
        /// The hash of the genesis given to [`crate::Ledger::open`].
        expected: Hash,
    },
    /// The genesis given is not valid.
    #[error("the genesis is not valid: {0}; fix genesis.json")]
    Genesis(TypesError),
    /// The database is damaged or inconsistent.
    #[error("the database is corrupt: {0}; restore the home directory from a backup (or re-sync it from peers)")]
    Corrupt(String),
    /// RocksDB failed.
    #[error(
        "database error: {0}; check free disk space and the permissions of the home directory"
    )]
    Rocks(#[from] rocksdb::Error),
    /// A block's time is not after its parent's.
    #[error(
        "block time {time} is not after the previous block's time {previous}; propose a later time"
    )]
    TimeNotIncreasing {
        /// The proposed time (Unix ms).
        time: u64,
        /// The tip's time, or the genesis time before the first block.
        previous: u64,
    },
    /// More transactions were given to one block than it may carry.
    #[error("a block carries at most {max} transactions, {count} were given; leave the rest for the next block")]
    TooManyTransactions {
        /// Transactions given.
        count: usize,
        /// [`crate::TRANSACTIONS_PER_BLOCK_MAX`].
        max: usize,
    },
    /// A block to commit does not extend the current tip.
    #[error(
        "block {height} (previous hash {previous_hash}) does not extend the tip at height {tip_height} \
         (hash {tip_hash}); execute it again on the current tip"
    )]
    NotOnTip {
        /// The block's height.
        height: u64,
        /// The block's previous hash.
        previous_hash: Hash,
        /// The tip's height.
        tip_height: u64,
        /// The tip's hash (the genesis hash before the first block).
        tip_hash: Hash,
    },
    /// A validator set was asked for a height it is not known for yet (or height 0).
    #[error(
        "the validator set of height {height} is not known: sets are known for heights 1 to {known_up_to} \
         (the tip plus the validator-set delay); ask for a height in that range, or again once more blocks commit"
    )]
    ValidatorSetUnknown {
        /// The height asked for.
        height: u64,
        /// The highest height whose set is known: the tip plus
        /// [`zl_types::governance::VALIDATOR_SET_DELAY`].
        known_up_to: u64,
    },
    /// A commit certificate is not for the block it came with, or does not verify.
    #[error("the commit certificate does not commit this block: {0}; commit the block with its own certificate")]
    BadCertificate(String),
}
