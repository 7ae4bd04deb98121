//! Reads: blocks, transactions and their receipts, evidence records and their receipts.

use rocksdb::{Direction, IteratorMode};
use zl_contracts::evidence::superseded_key;
use zl_types::evidence::document_leaves;
use zl_types::receipt::{DocumentProof, LogProof};
use zl_types::transaction::outcome_leaf;
use zl_types::{merkle, EvidenceReceipt, EvidenceRecord, Hash};

use crate::ledger::Ledger;
use crate::open::stored_block;
use crate::proofs::all_inclusion_proofs;
use crate::store::decode_json;
use crate::tables::{
    decode_evidence_index_key, decode_hashes, u64_key, BlockValue, Blocks, EvidenceDocuments,
    EvidenceIndex, EvidenceRecords, State, TransactionValue, Transactions,
};
use crate::{
    LedgerError, RecordProofs, StoredBlock, TransactionInfo, TransactionReceipt,
    RECEIPTS_PER_DIGEST_MAX, TRANSACTION_RECEIPT_FORMAT,
};

/// A record with what its proofs need: the block row that holds it and its documents.
struct RecordContext {
    record: EvidenceRecord,
    block: BlockValue,
    documents: Vec<Hash>,
    log: LogProof,
}

impl Ledger {
    /// The committed block at `height`, if any.
    pub fn block(&self, height: u64) -> Result<Option<StoredBlock>, LedgerError> {
        Ok(self
            .block_value(height)?
            .map(|value| stored_block(height, value)))
    }

    fn block_value(&self, height: u64) -> Result<Option<BlockValue>, LedgerError> {
        self.store.get_json::<Blocks, BlockValue>(&u64_key(height))
    }

    /// A block that a stored row refers to, which must exist.
    fn referenced_block(&self, height: u64, by: &str) -> Result<BlockValue, LedgerError> {
        self.block_value(height)?.ok_or_else(|| {
            LedgerError::Corrupt(format!("block {height}, which holds {by}, is missing"))
        })
    }

    /// Whether a transaction with this id is committed.
    pub fn contains_transaction(&self, id: &Hash) -> Result<bool, LedgerError> {
        self.store.contains::<Transactions>(&id.0)
    }

    /// A committed transaction with its place and outcome.
    pub fn transaction(&self, id: &Hash) -> Result<Option<TransactionInfo>, LedgerError> {
        let value = self
            .store
            .get_json::<Transactions, TransactionValue>(&id.0)?;
        Ok(value.map(|v| TransactionInfo {
            id: *id,
            height: v.height,
            index: v.index,
            transaction: v.transaction,
            outcome: v.outcome,
        }))
    }

    /// A committed transaction's receipt: its outcome, proven against its block's header.
    pub fn transaction_receipt(
        &self,
        id: &Hash,
    ) -> Result<Option<TransactionReceipt>, LedgerError> {
        let Some(info) = self.transaction(id)? else {
            return Ok(None);
        };
        let block = self.referenced_block(info.height, &format!("transaction {id}"))?;
        let index = usize::try_from(info.index).unwrap_or(usize::MAX);
        if block.transaction_ids.get(index) != Some(id) {
            return Err(LedgerError::Corrupt(format!(
                "transaction {id} is not at index {index} of block {}",
                info.height
            )));
        }
        let leaves: Vec<Hash> = block
            .transaction_ids
            .iter()
            .enumerate()
            .map(|(i, tx_id)| {
                let ok = block.failed.binary_search(&(i as u64)).is_err();
                merkle::leaf_hash(self.alg, &outcome_leaf(tx_id, ok))
            })
            .collect();
        let proof = merkle::inclusion_proof(self.alg, &leaves, info.index)
            .map_err(|e| LedgerError::Corrupt(format!("transaction {id}: {e}")))?;
        Ok(Some(TransactionReceipt {
            format: TRANSACTION_RECEIPT_FORMAT.into(),
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            id: *id,
            height: info.height,
            index: info.index,
            ok: info.outcome.ok,
            error: info.outcome.error,
            events: info.outcome.events,
            proof,
            validator_set_changes: self.validator_set_changes(block.header.height)?,
            header: block.header,
            certificate: block.certificate,
        }))
    }

    /// An evidence record by sequence number.
    pub fn evidence_record(&self, seq: u64) -> Result<Option<EvidenceRecord>, LedgerError> {
        self.store
            .get_json::<EvidenceRecords, EvidenceRecord>(&u64_key(seq))
    }

    /// The note left in the state when record `seq` was corrected or revoked
    /// (`{"by": <seq of the newer record>, "kind": "correct" | "revoke"}`), if it was.
    pub fn evidence_superseded(&self, seq: u64) -> Result<Option<serde_json::Value>, LedgerError> {
        match self.store.get::<State>(&superseded_key(seq))? {
            None => Ok(None),
            Some(bytes) => {
                decode_json::<State, serde_json::Value>(&superseded_key(seq), &bytes).map(Some)
            }
        }
    }

    fn record_context(&self, seq: u64) -> Result<Option<RecordContext>, LedgerError> {
        let Some(record) = self.evidence_record(seq)? else {
            return Ok(None);
        };
        let block = self.referenced_block(record.height, &format!("evidence record {seq}"))?;
        let bytes = self
            .store
            .get::<EvidenceDocuments>(&u64_key(seq))?
            .unwrap_or_default();
        let documents = decode_hashes(&format!("the documents of evidence record {seq}"), &bytes)?;
        if documents.len() as u64 != record.document_count {
            return Err(LedgerError::Corrupt(format!(
                "evidence record {seq} counts {} documents but {} are stored",
                record.document_count,
                documents.len()
            )));
        }
        let log = self.log_proof(seq, block.header.evidence_log_size)?;
        Ok(Some(RecordContext {
            record,
            block,
            documents,
            log,
        }))
    }

    /// Record `seq` with the proofs of all its documents, against the block that holds it.
    pub fn record_proofs(&self, seq: u64) -> Result<Option<RecordProofs>, LedgerError> {
        let Some(context) = self.record_context(seq)? else {
            return Ok(None);
        };
        let leaves = document_leaves(self.alg, &context.documents);
        let (paths, root) = all_inclusion_proofs(self.alg, &leaves);
        if root != context.record.documents_root {
            return Err(LedgerError::Corrupt(format!(
                "the stored documents of evidence record {seq} do not match its root"
            )));
        }
        let documents = context
            .documents
            .iter()
            .zip(paths)
            .enumerate()
            .map(|(index, (digest, path))| DocumentProof {
                index: index as u64,
                digest: *digest,
                path,
            })
            .collect();
        Ok(Some(RecordProofs {
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            record: context.record,
            log: context.log,
            validator_set_changes: self.validator_set_changes(context.block.header.height)?,
            header: context.block.header,
            certificate: context.block.certificate,
            documents,
        }))
    }

    /// One receipt per (record, document) holding `digest`, oldest first; at most `limit`
    /// (and at most [`RECEIPTS_PER_DIGEST_MAX`]).
    pub fn evidence_by_digest(
        &self,
        digest: &Hash,
        limit: usize,
    ) -> Result<Vec<EvidenceReceipt>, LedgerError> {
        let limit = limit.min(RECEIPTS_PER_DIGEST_MAX);
        let mut hits = Vec::new();
        let mode = IteratorMode::From(&digest.0, Direction::Forward);
        for entry in self
            .store
            .db()
            .iterator_cf(self.store.cf::<EvidenceIndex>(), mode)
        {
            if hits.len() >= limit {
                break;
            }
            let (key, _) = entry?;
            if !key.starts_with(&digest.0) {
                break;
            }
            hits.push(decode_evidence_index_key(&key)?);
        }
        let mut receipts = Vec::with_capacity(hits.len());
        // Every receipt carries the changes up to its own header: read them all once.
        let changes = if hits.is_empty() {
            Vec::new()
        } else {
            self.validator_set_changes(u64::MAX)?
        };
        let mut current: Option<(RecordContext, Vec<Hash>)> = None;
        for (seq, document_index) in hits {
            if current.as_ref().map(|(c, _)| c.record.seq) != Some(seq) {
                let context = self.record_context(seq)?.ok_or_else(|| {
                    LedgerError::Corrupt(format!(
                        "the evidence index names record {seq}, which is missing"
                    ))
                })?;
                let leaves = document_leaves(self.alg, &context.documents);
                current = Some((context, leaves));
            }
            let (context, leaves) = current.as_ref().expect("set just above");
            if context.documents.get(document_index as usize) != Some(digest) {
                return Err(LedgerError::Corrupt(format!(
                    "the evidence index puts {digest} at document {document_index} of record {seq}, which holds another"
                )));
            }
            let path = merkle::inclusion_proof(self.alg, leaves, u64::from(document_index))
                .map_err(|e| LedgerError::Corrupt(format!("record {seq}: {e}")))?;
            receipts.push(EvidenceReceipt {
                format: zl_types::receipt::RECEIPT_FORMAT.into(),
                chain_id: self.genesis.chain_id.clone(),
                genesis_hash: self.genesis_hash,
                record: context.record.clone(),
                document: DocumentProof {
                    index: u64::from(document_index),
                    digest: *digest,
                    path,
                },
                log: context.log.clone(),
                header: context.block.header.clone(),
                certificate: context.block.certificate.clone(),
                validator_set_changes: changes
                    .iter()
                    .take_while(|change| change.height <= context.record.height)
                    .cloned()
                    .collect(),
            });
        }
        Ok(receipts)
    }
}
