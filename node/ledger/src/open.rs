//! Opening the ledger: format check, genesis creation or match, and the start-up consistency check.

use rocksdb::IteratorMode;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use zl_types::merkle::Frontier;
use zl_types::{Genesis, Hash};

use crate::ledger::{Ledger, Tip};
use crate::state_root::{genesis_state_root, genesis_writes};
use crate::store::{decode_json, Batch, Store};
use crate::tables::{
    decode_u64_key, u64_key, BlockHashes, BlockValue, Blocks, EvidenceRecords, Meta, State, Table,
    META_EVIDENCE_FRONTIER, META_FORMAT_VERSION, META_GENESIS_HASH, META_TIP_HEIGHT,
};
use crate::{LedgerError, StoredBlock, CONSISTENCY_CHECK_BLOCKS, FORMAT_VERSION};

impl Ledger {
    /// Opens the ledger in `dir`, creating it with the genesis state if it does not exist.
    ///
    /// Refuses a database of a newer format ([`LedgerError::NewerFormat`]) or of another
    /// genesis ([`LedgerError::GenesisMismatch`]), and one that fails the consistency check
    /// ([`LedgerError::Corrupt`]): the tip block and its certificate are present and verify
    /// against the validators of the tip's height, the tip header names that set and the next
    /// one as the state records them, the last few blocks are hash-linked, the meta tip is the
    /// highest block, and the stored evidence-log frontier matches the tip header.
    pub fn open(dir: &Path, genesis: Genesis) -> Result<Ledger, LedgerError> {
        genesis.check().map_err(LedgerError::Genesis)?;
        let genesis_hash = genesis.hash();
        let store = Store::open(dir, |store| check_format(store, dir))?;
        if store.get::<Meta>(META_FORMAT_VERSION)?.is_none() {
            initialize(&store, &genesis, &genesis_hash)?;
            tracing::info!(target: "zl_ledger", dir = %dir.display(), genesis = %genesis_hash, "created the ledger");
        }
        let found = meta::<Hash>(&store, META_GENESIS_HASH)?;
        if found != genesis_hash {
            return Err(LedgerError::GenesisMismatch {
                dir: dir.to_path_buf(),
                found,
                expected: genesis_hash,
            });
        }
        let alg = genesis.crypto_suite.hash_algorithm();
        let ledger = Ledger {
            store,
            dir: dir.to_path_buf(),
            genesis,
            genesis_hash,
            alg,
            tip: RwLock::new(Tip {
                height: 0,
                hash: genesis_hash,
                time: 0,
                state_root: Hash::ZERO,
                frontier: Frontier::new(),
                block: None,
            }),
            commit_lock: Mutex::new(()),
            members: RwLock::new(HashMap::new()),
        };
        let tip = ledger.check_consistency()?;
        tracing::info!(target: "zl_ledger", height = tip.height, hash = %tip.hash, "opened the ledger");
        ledger.set_tip(tip);
        Ok(ledger)
    }

    /// The start-up consistency check; returns the tip it verified.
    fn check_consistency(&self) -> Result<Tip, LedgerError> {
        let store = &self.store;
        let height = meta::<u64>(store, META_TIP_HEIGHT)?;
        let frontier = meta::<Frontier>(store, META_EVIDENCE_FRONTIER)?;
        frontier
            .check()
            .map_err(|e| corrupt(format!("the stored evidence-log frontier is invalid: {e}")))?;
        let highest = last_key::<Blocks>(store)?;
        if highest.unwrap_or(0) != height {
            return Err(corrupt(format!(
                "the meta tip is height {height} but the highest stored block is {}",
                highest.map_or("none".to_string(), |h| h.to_string())
            )));
        }
        let highest_record = last_key::<EvidenceRecords>(store)?;
        if highest_record.map_or(0, |seq| seq + 1) != frontier.size {
            return Err(corrupt(format!(
                "the evidence log holds {} records but its frontier counts {}",
                highest_record.map_or(0, |seq| seq + 1),
                frontier.size
            )));
        }
        if height == 0 {
            if frontier.size != 0 {
                return Err(corrupt(format!(
                    "no block is stored but the evidence log counts {}",
                    frontier.size
                )));
            }
            return Ok(Tip {
                height,
                hash: self.genesis_hash,
                time: self.genesis.genesis_time,
                state_root: genesis_state_root(&self.genesis),
                frontier,
                block: None,
            });
        }
        let tip = self.check_recent_blocks(height)?;
        self.check_tip(&tip, &frontier)?;
        Ok(Tip {
            height,
            hash: tip.hash,
            time: tip.header.time,
            state_root: tip.header.state_root,
            frontier,
            block: Some(Arc::new(tip)),
        })
    }

    /// Checks the hash links of the blocks just below the tip; returns the tip block.
    fn check_recent_blocks(&self, height: u64) -> Result<StoredBlock, LedgerError> {
        let lowest = height.saturating_sub(CONSISTENCY_CHECK_BLOCKS).max(1);
        let mut child: Option<StoredBlock> = None;
        let mut tip = None;
        for h in (lowest..=height).rev() {
            let block = self
                .block(h)?
                .ok_or_else(|| corrupt(format!("block {h} is missing below the tip {height}")))?;
            let hash = block.header.hash(self.alg, &self.genesis_hash);
            if block.header.height != h
                || block.hash != hash
                || block.header.chain_id != self.genesis.chain_id
            {
                return Err(corrupt(format!(
                    "block {h} does not match its stored hash, height or chain id"
                )));
            }
            if let Some(child) = &child {
                if child.header.previous_hash != hash {
                    return Err(corrupt(format!(
                        "block {} does not link to block {h}",
                        child.height
                    )));
                }
            }
            if h == 1 && block.header.previous_hash != self.genesis_hash {
                return Err(corrupt("block 1 does not link to the genesis".into()));
            }
            if tip.is_none() {
                tip = Some(block.clone());
            }
            child = Some(block);
        }
        Ok(tip.expect("the loop visits the tip first"))
    }

    /// Checks the tip's validator sets, certificate, hash index and evidence-log commitment.
    fn check_tip(&self, tip: &StoredBlock, frontier: &Frontier) -> Result<(), LedgerError> {
        let validators = self.stored_validator_set(tip.height)?;
        let next = self.stored_validator_set(tip.height + 1)?;
        if tip.header.validator_set_hash != self.set_hash(&validators)
            || tip.header.next_validator_set_hash != self.set_hash(&next)
        {
            return Err(corrupt(format!(
                "tip block {} names validator sets other than the ones its state records",
                tip.height
            )));
        }
        let cert = &tip.certificate;
        if cert.block_hash != tip.hash || cert.height != tip.height {
            return Err(corrupt(format!(
                "the certificate of tip block {} is for another block",
                tip.height
            )));
        }
        cert.verify(&validators, &self.genesis.chain_id, &self.genesis_hash)
            .map_err(|e| {
                corrupt(format!(
                    "the certificate of tip block {} does not verify: {e}",
                    tip.height
                ))
            })?;
        let indexed = self.store.get::<BlockHashes>(&tip.hash.0)?;
        if indexed.as_deref() != Some(&u64_key(tip.height)[..]) {
            return Err(corrupt(format!(
                "the hash index does not point at tip block {}",
                tip.height
            )));
        }
        let header = &tip.header;
        if frontier.size != header.evidence_log_size
            || frontier.root(self.alg) != header.evidence_log_root
        {
            return Err(corrupt(format!(
                "the stored evidence log ({} records, root {}) differs from tip header {} ({} records, root {})",
                frontier.size,
                frontier.root(self.alg),
                tip.height,
                header.evidence_log_size,
                header.evidence_log_root
            )));
        }
        Ok(())
    }
}

fn corrupt(message: String) -> LedgerError {
    LedgerError::Corrupt(message)
}

/// Refuses a database whose format this build cannot read, before anything is written to it.
fn check_format(store: &Store, dir: &Path) -> Result<(), LedgerError> {
    let Some(cf) = store.try_cf::<Meta>() else {
        return Ok(()); // A new database: there is no meta table yet.
    };
    let Some(bytes) = store.db().get_cf(cf, META_FORMAT_VERSION)? else {
        return Ok(());
    };
    let found: u32 = decode_json::<Meta, u32>(META_FORMAT_VERSION, &bytes)?;
    if found > FORMAT_VERSION {
        return Err(LedgerError::NewerFormat {
            dir: dir.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    if found < FORMAT_VERSION {
        return Err(corrupt(format!(
            "the database names format {found}, which no zld ever wrote"
        )));
    }
    Ok(())
}

/// Writes the genesis state and meta in one batch.
fn initialize(store: &Store, genesis: &Genesis, genesis_hash: &Hash) -> Result<(), LedgerError> {
    let leftovers =
        store.get::<Meta>(META_GENESIS_HASH)?.is_some() || last_key::<Blocks>(store)?.is_some();
    if leftovers {
        return Err(corrupt(
            "the database holds a chain but no format version".into(),
        ));
    }
    let mut batch = Batch::new(store);
    for (key, value) in genesis_writes(genesis) {
        batch.put::<State>(&key, &value);
    }
    batch.put_json::<Meta, _>(META_GENESIS_HASH, genesis_hash);
    batch.put_json::<Meta, _>(META_TIP_HEIGHT, &0u64);
    batch.put_json::<Meta, _>(META_EVIDENCE_FRONTIER, &Frontier::new());
    batch.put_json::<Meta, _>(META_FORMAT_VERSION, &FORMAT_VERSION);
    store.write_synced(batch)
}

/// A meta entry that must exist.
fn meta<V: serde::de::DeserializeOwned>(store: &Store, key: &[u8]) -> Result<V, LedgerError> {
    store.get_json::<Meta, V>(key)?.ok_or_else(|| {
        corrupt(format!(
            "the meta entry {:?} is missing",
            String::from_utf8_lossy(key)
        ))
    })
}

/// The highest u64 key of a table keyed by height or seq.
fn last_key<T: Table>(store: &Store) -> Result<Option<u64>, LedgerError> {
    match store
        .db()
        .iterator_cf(store.cf::<T>(), IteratorMode::End)
        .next()
    {
        None => Ok(None),
        Some(entry) => {
            let (key, _) = entry?;
            decode_u64_key(T::NAME, &key).map(Some)
        }
    }
}

/// Decodes a stored block row (used by queries too).
pub(crate) fn stored_block(height: u64, value: BlockValue) -> StoredBlock {
    StoredBlock {
        height,
        hash: value.hash,
        header: value.header,
        certificate: value.certificate,
        transaction_ids: value.transaction_ids,
    }
}
