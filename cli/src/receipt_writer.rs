//! Writing a run's receipts: fetch each committed record's proofs (the next one while the
//! current one is written), check them, and write one receipt per file.

use crate::client::Client;
use crate::commits::TransactionStatus;
use crate::plan::PlannedTransaction;
use crate::progress::Progress;
use crate::receipts::{fetch_record_proofs, write_atomically, RecordProofs, RecordTemplate};
use crate::sign::SignedTransaction;
use anyhow::{bail, Context as _};
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use zl_types::receipt::DocumentProof;
use zl_types::{merkle, Genesis};

/// What writing receipts needs to know.
pub(crate) struct ReceiptContext<'a> {
    /// The node.
    pub(crate) client: &'a Client,
    /// The chain's genesis, to verify one receipt per record in full.
    pub(crate) genesis: &'a Genesis,
    /// The run's transactions.
    pub(crate) signed: &'a [SignedTransaction],
    /// What each transaction notarised, and for which files.
    pub(crate) planned: &'a [PlannedTransaction],
    /// Each file's receipt path.
    pub(crate) receipt_paths: &'a [PathBuf],
    /// The progress bar.
    pub(crate) progress: &'a Progress,
}

/// Writes the receipts of the `committed` transactions (index, height); returns each one's
/// height or why it has no receipts. The next record's proofs are fetched while the current
/// record's receipts are written.
pub(crate) fn write_receipts(
    context: &ReceiptContext<'_>,
    committed: &[(usize, u64)],
) -> Vec<(usize, Result<u64, String>)> {
    std::thread::scope(|scope| {
        // One record in flight: overlap without holding many large proof sets in memory.
        let (sender, fetched) = sync_channel(1);
        scope.spawn(move || {
            for &(index, _) in committed {
                let proofs = fetch_proofs(context.client, &context.signed[index]);
                if sender.send(proofs).is_err() {
                    return;
                }
            }
        });
        committed
            .iter()
            .zip(fetched)
            .map(|(&(index, height), proofs)| {
                let written = proofs.and_then(|proofs| {
                    let planned = &context.planned[index];
                    write_transaction_receipts(
                        &proofs,
                        context.genesis,
                        planned,
                        context.receipt_paths,
                        context.progress,
                    )
                });
                (
                    index,
                    written.map(|()| height).map_err(|e| format!("{e:#}")),
                )
            })
            .collect()
    })
}

/// Reads the record's seq from the transaction's events and fetches the record's proofs.
fn fetch_proofs(client: &Client, transaction: &SignedTransaction) -> anyhow::Result<RecordProofs> {
    let status: TransactionStatus =
        client.get_json(&format!("/v1/transactions/{}", transaction.id))?;
    let seq = status
        .events
        .iter()
        .find(|e| e.contract == "evidence" && e.kind == "notarized")
        .and_then(|e| e.attributes.get("seq").and_then(Value::as_u64))
        .context("the committed transaction has no evidence.notarized event with a seq; the node is faulty")?;
    let proofs = fetch_record_proofs(client, seq)?;
    if proofs.record.tx_id != transaction.id {
        bail!(
            "record {seq} belongs to transaction {}, not this one; the node is faulty",
            proofs.record.tx_id
        );
    }
    Ok(proofs)
}

/// Checks the node's proofs for one planned transaction and writes the receipts of its files.
///
/// One receipt is verified in full against the genesis; every document's proof is checked
/// against the record, so a faulty node can never make zl write a receipt that fails later.
fn write_transaction_receipts(
    proofs: &RecordProofs,
    genesis: &Genesis,
    planned: &PlannedTransaction,
    receipt_paths: &[PathBuf],
    progress: &Progress,
) -> anyhow::Result<()> {
    let record = &proofs.record;
    let count = planned.documents.len();
    if record.document_count != count as u64 || proofs.documents.len() != count {
        bail!(
            "record {} holds {} documents and came with {} proofs, but the transaction notarised {count}; the node is faulty",
            record.seq,
            record.document_count,
            proofs.documents.len()
        );
    }
    let first = check_document(proofs, genesis, planned, 0)?;
    proofs
        .receipt_for(first.clone())
        .verify(&first.digest, genesis)
        .map_err(|e| {
            anyhow::anyhow!(
                "the node's proofs for record {} do not verify ({e}); no receipts written for it",
                record.seq
            )
        })?;
    let template = proofs.template();
    crate::work::parallel_map(
        planned.files.len(),
        HashSet::<PathBuf>::new,
        |made_dirs, position| {
            let (file, document) = planned.files[position];
            let proof = check_document(proofs, genesis, planned, document)?;
            let path = &receipt_paths[file];
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !made_dirs.contains(parent) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create folder {}", parent.display()))?;
                    made_dirs.insert(parent.to_path_buf());
                }
            }
            write_atomically(path, &template.render(proof))
                .with_context(|| format!("cannot write receipt {}", path.display()))?;
            progress.inc(1);
            Ok::<_, anyhow::Error>(())
        },
    )?;
    Ok(())
}

/// The proof of document `index`, checked: right place, our digest, leads to the record's root
/// (the documents tree uses the chain's hash algorithm).
fn check_document<'a>(
    proofs: &'a RecordProofs,
    genesis: &Genesis,
    planned: &PlannedTransaction,
    index: usize,
) -> anyhow::Result<&'a DocumentProof> {
    let proof = &proofs.documents[index];
    let record = &proofs.record;
    if proof.index != index as u64 || proof.digest != planned.documents[index] {
        bail!(
            "the node's proof {index} of record {} is for document {} with digest {}, not ours ({}); the node is faulty",
            record.seq,
            proof.index,
            proof.digest,
            planned.documents[index]
        );
    }
    let alg = genesis.crypto_suite.hash_algorithm();
    let leaf = merkle::leaf_hash(alg, &proof.digest.0);
    merkle::verify_inclusion(
        alg,
        &leaf,
        proof.index,
        record.document_count,
        &proof.path,
        &record.documents_root,
    )
    .with_context(|| {
        format!(
            "the node's proof of document {index} in record {} is wrong",
            record.seq
        )
    })?;
    Ok(proof)
}
