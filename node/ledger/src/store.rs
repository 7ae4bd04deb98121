//! Thin typed access to RocksDB: options, column families by table, JSON values, write batches.

use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, DBCompressionType, Options, WriteBatch, WriteOptions,
    DB,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

use crate::tables::{Table, ALL_TABLES};
use crate::{LedgerError, BLOCK_CACHE_BYTES, MEMTABLES_BYTES_MAX};

/// The open database.
pub(crate) struct Store {
    db: DB,
}

/// Options shared by the database and every column family.
fn options(cache: &Cache) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    // Most dedup look-ups miss; a Bloom filter answers them without reading data blocks.
    table.set_bloom_filter(10.0, false);
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    // Built without compression libraries (default features off): say so rather than rely
    // on RocksDB's fallback.
    opts.set_compression_type(DBCompressionType::None);
    opts.set_block_based_table_factory(&table);
    opts.set_max_background_jobs(2);
    opts.set_db_write_buffer_size(MEMTABLES_BYTES_MAX);
    opts.set_keep_log_file_num(4);
    opts
}

impl Store {
    /// Opens (or creates) the database with every table. Existing tables are opened first and
    /// `check` runs on them before any missing table is created, so a database this build must
    /// refuse (e.g. a newer format) is not changed.
    pub(crate) fn open(
        dir: &Path,
        check: impl FnOnce(&Store) -> Result<(), LedgerError>,
    ) -> Result<Store, LedgerError> {
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        let opts = options(&cache);
        let existing = DB::list_cf(&opts, dir).unwrap_or_default();
        let names: Vec<String> = if existing.is_empty() {
            ALL_TABLES.iter().map(|name| name.to_string()).collect()
        } else {
            existing
        };
        let db = DB::open_cf_with_opts(
            &opts,
            dir,
            names.into_iter().map(|name| (name, opts.clone())),
        )?;
        let mut store = Store { db };
        check(&store)?;
        for name in ALL_TABLES {
            if store.db.cf_handle(name).is_none() {
                store.db.create_cf(name, &opts)?;
            }
        }
        Ok(store)
    }

    /// The column family of table `T`, if it exists (only before [`Store::open`] creates them all).
    pub(crate) fn try_cf<T: Table>(&self) -> Option<&ColumnFamily> {
        self.db.cf_handle(T::NAME)
    }

    /// The column family of table `T`.
    pub(crate) fn cf<T: Table>(&self) -> &ColumnFamily {
        self.db
            .cf_handle(T::NAME)
            .expect("Store::open creates every table")
    }

    /// The raw RocksDB handle.
    pub(crate) fn db(&self) -> &DB {
        &self.db
    }

    /// A raw value.
    pub(crate) fn get<T: Table>(&self, key: &[u8]) -> Result<Option<Vec<u8>>, LedgerError> {
        Ok(self.db.get_cf(self.cf::<T>(), key)?)
    }

    /// Whether a key exists, without copying its value out.
    pub(crate) fn contains<T: Table>(&self, key: &[u8]) -> Result<bool, LedgerError> {
        Ok(self.db.get_pinned_cf(self.cf::<T>(), key)?.is_some())
    }

    /// A JSON value; a value that does not decode is reported as corruption of table `T`.
    pub(crate) fn get_json<T: Table, V: DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<V>, LedgerError> {
        match self.db.get_pinned_cf(self.cf::<T>(), key)? {
            None => Ok(None),
            Some(bytes) => decode_json::<T, V>(key, &bytes).map(Some),
        }
    }

    /// Writes a batch and fsyncs the write-ahead log before returning.
    pub(crate) fn write_synced(&self, batch: Batch) -> Result<(), LedgerError> {
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        self.db.write_opt(batch.inner, &opts)?;
        Ok(())
    }

    /// Bytes of the live SST files of all tables plus the write-ahead logs.
    pub(crate) fn disk_bytes(&self, dir: &Path) -> u64 {
        let sst: u64 = ALL_TABLES
            .iter()
            .filter_map(|name| self.db.cf_handle(name))
            .filter_map(|cf| {
                self.db
                    .property_int_value_cf(cf, "rocksdb.total-sst-files-size")
                    .ok()
                    .flatten()
            })
            .sum();
        // RocksDB names its write-ahead logs `<number>.log` (its info log is `LOG`).
        let wal: u64 = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".log"))
            .filter_map(|entry| entry.metadata().ok())
            .map(|meta| meta.len())
            .sum();
        sst + wal
    }
}

/// Decodes a JSON value of table `T`.
pub(crate) fn decode_json<T: Table, V: DeserializeOwned>(
    key: &[u8],
    bytes: &[u8],
) -> Result<V, LedgerError> {
    serde_json::from_slice(bytes).map_err(|e| {
        LedgerError::Corrupt(format!(
            "the value of key {} in table {} does not decode: {e}",
            short_hex(key),
            T::NAME
        ))
    })
}

/// Hex of a key, cut short for messages.
pub(crate) fn short_hex(key: &[u8]) -> String {
    let mut text: String = key.iter().take(48).map(|b| format!("{b:02x}")).collect();
    if key.len() > 48 {
        text.push('…');
    }
    text
}

/// A write batch addressed by table.
pub(crate) struct Batch<'a> {
    store: &'a Store,
    inner: WriteBatch,
}

impl<'a> Batch<'a> {
    /// An empty batch for `store`.
    pub(crate) fn new(store: &'a Store) -> Batch<'a> {
        Batch {
            store,
            inner: WriteBatch::default(),
        }
    }

    /// Puts a raw value.
    pub(crate) fn put<T: Table>(&mut self, key: &[u8], value: &[u8]) {
        self.inner.put_cf(self.store.cf::<T>(), key, value);
    }

    /// Deletes a key.
    pub(crate) fn delete<T: Table>(&mut self, key: &[u8]) {
        self.inner.delete_cf(self.store.cf::<T>(), key);
    }

    /// Deletes every key in `from..to`.
    pub(crate) fn delete_range<T: Table>(&mut self, from: &[u8], to: &[u8]) {
        self.inner.delete_range_cf(self.store.cf::<T>(), from, to);
    }

    /// Puts a JSON value.
    pub(crate) fn put_json<T: Table, V: Serialize + ?Sized>(&mut self, key: &[u8], value: &V) {
        let bytes =
            serde_json::to_vec(value).expect("ledger values are plain data and always serialise");
        self.put::<T>(key, &bytes);
    }
}
