//! Committing an executed block: everything of the block in one fsynced write batch.

use std::sync::Arc;
use zl_types::CommitCertificate;

use crate::ledger::{Ledger, Tip};
use crate::store::Batch;
use crate::tables::{
    encode_hashes, evidence_index_key, evidence_tree_key, u64_key, BlockHashes, BlockValue, Blocks,
    EvidenceDocuments, EvidenceIndex, EvidenceRecords, EvidenceTree, Meta, ObjectLeaves, State,
    TransactionValueRef, Transactions, MEMBER_PREFIX, META_EVIDENCE_FRONTIER, META_TIP_HEIGHT,
};
use crate::{ExecutedBlock, LedgerError, StoredBlock};

impl Ledger {
    /// Commits an executed block with its certificate in one RocksDB write batch, fsynced.
    /// The block must be the one [`Ledger::execute`] returned, unchanged.
    ///
    /// The block must extend the current tip and the certificate must commit this block (its
    /// hash and height) and verify against the validator set of its height (the genesis set,
    /// or the one governance decided two blocks or more before); a certificate that would fail
    /// the start-up check is never written. The in-memory tip moves only after the write. A new
    /// validator set the block decided is part of its state writes.
    pub fn commit(
        &self,
        block: ExecutedBlock,
        certificate: CommitCertificate,
    ) -> Result<StoredBlock, LedgerError> {
        let _commits = self.lock_commits();
        let tip = self.tip_snapshot();
        let header = &block.header;
        if header.height != tip.height + 1 || header.previous_hash != tip.hash {
            return Err(LedgerError::NotOnTip {
                height: header.height,
                previous_hash: header.previous_hash,
                tip_height: tip.height,
                tip_hash: tip.hash,
            });
        }
        // The fields are public; a block altered after `execute` must never reach the disk.
        assert_eq!(
            block.hash,
            header.hash(self.alg, &self.genesis_hash),
            "a committed block's hash is its header's"
        );
        self.check_certificate(&block, &certificate)?;

        let height = header.height;
        let mut batch = Batch::new(&self.store);
        let mut failed = Vec::new();
        for (index, tx) in block.transactions.iter().enumerate() {
            let index = index as u64;
            if !tx.outcome.ok {
                failed.push(index);
            }
            let value = TransactionValueRef {
                transaction: &tx.transaction,
                height,
                index,
                outcome: &tx.outcome,
            };
            batch.put_json::<Transactions, _>(&tx.id.0, &value);
        }
        for (key, value) in &block.writes {
            // Contracts remove a key by writing it empty (the state root still commits to it).
            if value.is_empty() {
                batch.delete::<State>(key);
            } else {
                batch.put::<State>(key, value);
            }
        }
        let mut index_keys =
            Vec::with_capacity(block.evidence.iter().map(|new| new.documents.len()).sum());
        for new in &block.evidence {
            let seq = new.record.seq;
            batch.put_json::<EvidenceRecords, _>(&u64_key(seq), &new.record);
            batch.put::<EvidenceDocuments>(&u64_key(seq), &encode_hashes(&new.documents));
            for (document_index, digest) in new.documents.iter().enumerate() {
                let document_index =
                    u32::try_from(document_index).expect("records hold at most 50,000 documents");
                index_keys.push(evidence_index_key(digest, seq, document_index));
            }
        }
        // Digests are random: put in key order, each lands next to the one before in the
        // memtable's skip list, where RocksDB finds its place without a search from the top.
        index_keys.sort_unstable();
        for key in &index_keys {
            batch.put::<EvidenceIndex>(key, &[]);
        }
        if !block.object_leaves.is_empty() {
            batch.put::<ObjectLeaves>(&u64_key(height), &encode_hashes(&block.object_leaves));
        }
        for (level, index, hash) in &block.tree_nodes {
            batch.put::<EvidenceTree>(&evidence_tree_key(*level, *index), &hash.0);
        }
        let stored = StoredBlock {
            height,
            hash: block.hash,
            header: block.header.clone(),
            certificate,
            transaction_ids: block.transactions.iter().map(|tx| tx.id).collect(),
        };
        let value = BlockValue {
            header: stored.header.clone(),
            hash: stored.hash,
            certificate: stored.certificate.clone(),
            transaction_ids: stored.transaction_ids.clone(),
            failed,
        };
        batch.put_json::<Blocks, _>(&u64_key(height), &value);
        batch.put::<BlockHashes>(&block.hash.0, &u64_key(height));
        batch.put_json::<Meta, _>(META_TIP_HEIGHT, &height);
        batch.put_json::<Meta, _>(META_EVIDENCE_FRONTIER, &block.frontier);
        self.store.write_synced(batch)?;

        self.forget_members(
            block
                .writes
                .keys()
                .filter(|key| key.starts_with(MEMBER_PREFIX)),
        );
        self.set_tip(Tip {
            height,
            hash: block.hash,
            time: block.header.time,
            state_root: block.header.state_root,
            frontier: block.frontier,
            block: Some(Arc::new(stored.clone())),
        });
        tracing::debug!(
            target: "zl_ledger",
            height,
            hash = %block.hash,
            transactions = block.transactions.len(),
            records = block.evidence.len(),
            "committed a block"
        );
        Ok(stored)
    }

    /// Checks that `certificate` commits `block` and verifies against the validators of its height.
    fn check_certificate(
        &self,
        block: &ExecutedBlock,
        certificate: &CommitCertificate,
    ) -> Result<(), LedgerError> {
        if certificate.block_hash != block.hash || certificate.height != block.header.height {
            return Err(LedgerError::BadCertificate(format!(
                "it commits block {} at height {}, not block {} at height {}",
                certificate.block_hash, certificate.height, block.hash, block.header.height
            )));
        }
        let validators = self.stored_validator_set(block.header.height)?;
        certificate
            .verify(&validators, &self.genesis.chain_id, &self.genesis_hash)
            .map_err(|e| {
                LedgerError::BadCertificate(format!(
                    "{e} (the validators of height {} hash to {})",
                    block.header.height,
                    self.set_hash(&validators)
                ))
            })
    }
}
