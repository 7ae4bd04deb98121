//! `zl evidence notarize`: hash files, notarise them in batch transactions, write receipts.

use crate::client::Client;
use crate::commits::{self, CommitStream, TransactionStatus};
use crate::files::{self, InputFile};
use crate::plan::{self, PlannedTransaction};
use crate::progress::Progress;
use crate::receipt_writer::{write_receipts, ReceiptContext};
use crate::sign::{self, ChainBinding};
use crate::status::NodeStatus;
use crate::submit::{self, Submission, SubmitObserver};
use anyhow::{bail, Context as _};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zl_types::evidence::EVIDENCE_TEXT_BYTES_MAX;
use zl_types::{Genesis, Hash, HashAlgorithm, NotarizeArgs};

/// How long past the last expiry zl keeps waiting for commits (clock skew, slow blocks).
const COMMIT_GRACE: Duration = Duration::from_secs(15);

/// What the user asked for.
#[derive(Clone, Debug)]
pub(crate) struct NotarizeOptions {
    /// The signing key file.
    pub(crate) key: PathBuf,
    /// Category of the records.
    pub(crate) category: String,
    /// Title of the records; by default the file name, or "<n> files".
    pub(crate) title: Option<String>,
    /// Business reference.
    pub(crate) reference: String,
    /// Data security level 1-4.
    pub(crate) security_level: u8,
    /// Distinct documents per transaction.
    pub(crate) documents_per_transaction: usize,
    /// Where receipts go (mirroring relative paths); beside the files when absent.
    pub(crate) out_dir: Option<PathBuf>,
    /// Files and folders.
    pub(crate) paths: Vec<PathBuf>,
}

/// Why one transaction yielded no receipts.
struct Failure {
    transaction: usize,
    reason: String,
}

/// Runs the whole notarisation; exit code 1 when any transaction failed.
pub(crate) fn run(client: &Client, options: &NotarizeOptions) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let key = crate::keys::load(&options.key)?;
    let status = NodeStatus::fetch(client)?;
    if key.suite() != status.crypto_suite {
        bail!(
            "the key is an {} key but chain {} uses the {} suite; create a key with `zl keys new --suite {}`",
            key.suite().name(),
            status.chain_id,
            status.crypto_suite.name(),
            status.crypto_suite.name()
        );
    }
    let genesis: Genesis = client.get_json("/v1/genesis")?;
    if genesis.hash() != status.genesis_hash {
        bail!("the node's genesis does not hash to the genesis hash in its status; the node is misconfigured");
    }
    let algorithm = status.crypto_suite.hash_algorithm();
    let out_dir = options.out_dir.as_deref();
    let inputs = files::expand(&options.paths, out_dir)?;
    if inputs.is_empty() {
        bail!(
            "no files to notarise under the paths given (receipts and the --out-dir are skipped)"
        );
    }
    let receipt_paths = files::receipt_paths(&inputs, out_dir)?;

    let progress = Progress::new();
    progress.phase("hashing", inputs.len() as u64);
    let digests = crate::digest::digest_files(&inputs, algorithm, &progress)?;
    let planned = plan::group(&digests, options.documents_per_transaction);
    drop(digests);

    let chain = ChainBinding {
        chain_id: status.chain_id.clone(),
        genesis_hash: status.genesis_hash,
        suite: status.crypto_suite,
    };
    let now = crate::time::now_ms();
    let signed = crate::work::parallel_map(
        planned.len(),
        || (),
        |_, index| {
            let args = notarize_args(options, &planned[index], &inputs, algorithm);
            args.check()
                .context("check --category, --title and --reference")?;
            sign::sign_calls(
                &key,
                &chain,
                vec![sign::notarize_call(&args)?],
                now,
                sign::random_salt(),
            )
        },
    )?;

    // Follow commits before submitting, so none is missed.
    let stream = CommitStream::open(client)
        .inspect_err(|e| {
            progress.note(&format!(
                "note: cannot follow the node's commits ({e:#}); polling instead"
            ))
        })
        .ok();
    progress.phase("submitting", signed.len() as u64);
    let submissions = submit::submit_all(client, &signed, &mut Observer(&progress));

    let accepted: Vec<Hash> = signed
        .iter()
        .zip(&submissions)
        .filter(|(_, s)| **s == Submission::Accepted)
        .map(|(t, _)| t.id)
        .collect();
    let accepted_files: usize = signed
        .iter()
        .zip(&submissions)
        .zip(&planned)
        .filter(|((_, s), _)| **s == Submission::Accepted)
        .map(|(_, p)| p.files.len())
        .sum();
    progress.phase("committing and writing receipts", accepted_files as u64);
    let last_expiry = signed.iter().map(|t| t.expires_at).max().unwrap_or(now);
    let deadline = Instant::now()
        + Duration::from_millis(last_expiry.saturating_sub(crate::time::now_ms()))
        + COMMIT_GRACE;
    let mut results: Vec<Option<Result<u64, String>>> = submissions
        .iter()
        .map(|submission| match submission {
            Submission::Refused(detail) => Some(Err(format!(
                "refused by the node: {} ({})",
                detail.message, detail.code
            ))),
            Submission::Accepted => None,
        })
        .collect();
    let index_of: HashMap<Hash, usize> = signed
        .iter()
        .enumerate()
        .map(|(index, t)| (t.id, index))
        .collect();
    let context = ReceiptContext {
        client,
        genesis: &genesis,
        signed: &signed,
        planned: &planned,
        receipt_paths: &receipt_paths,
        progress: &progress,
    };
    // Receipts are written as their transactions commit, so a run cut short (the node or zl
    // killed) leaves a valid receipt for every file whose transaction committed.
    commits::wait_for_commits(client, stream, &accepted, deadline, |found| {
        let mut committed = Vec::new();
        for (id, outcome) in found {
            let index = index_of[id];
            if outcome.ok {
                committed.push((index, outcome.height));
            } else {
                results[index] = Some(Err(format!(
                    "failed at height {}: {}",
                    outcome.height,
                    execution_error(client, id)
                )));
            }
        }
        for (index, result) in write_receipts(&context, &committed) {
            results[index] = Some(result);
        }
    });
    for (result, transaction) in results.iter_mut().zip(&signed) {
        if result.is_none() {
            *result = Some(Err(format!(
                "not seen committed (expires at {}); run zl again for these files",
                crate::time::rfc3339_from_ms(transaction.expires_at)
            )));
        }
    }
    let mut failures = Vec::new();
    let mut heights = Vec::new();
    let mut written = 0;
    for (index, result) in results.into_iter().enumerate() {
        match result.expect("every transaction has a result") {
            Ok(height) => {
                heights.push(height);
                written += planned[index].files.len();
            }
            Err(reason) => failures.push(Failure {
                transaction: index,
                reason,
            }),
        }
    }
    progress.finish();

    for failure in &failures {
        let planned = &planned[failure.transaction];
        let first = &inputs[planned.files[0].0].path;
        eprintln!(
            "failed: transaction {} ({} files, first {}): {}",
            signed[failure.transaction].id,
            planned.files.len(),
            first.display(),
            failure.reason
        );
    }
    if written > 0 {
        let seconds = started.elapsed().as_secs_f64().max(1e-6);
        let first = heights.iter().min().copied().unwrap_or_default();
        let last = heights.iter().max().copied().unwrap_or_default();
        let place = match out_dir {
            Some(dir) => dir.display().to_string(),
            None => "files beside the documents (<file>.receipt.json)".into(),
        };
        println!(
            "notarised {written} files in {} transactions at heights {first}..{last}; receipts in {place}",
            heights.len()
        );
        println!(
            "{:.0} documents/s ({written} in {seconds:.2} s)",
            written as f64 / seconds
        );
    }
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of {} transactions failed; their files have no receipts",
            failures.len(),
            signed.len()
        );
        Ok(ExitCode::from(crate::EXIT_NEGATIVE))
    }
}

/// The notarize arguments of one planned transaction.
fn notarize_args(
    options: &NotarizeOptions,
    planned: &PlannedTransaction,
    inputs: &[InputFile],
    algorithm: HashAlgorithm,
) -> NotarizeArgs {
    let title = match &options.title {
        Some(title) => title.clone(),
        None if planned.documents.len() == 1 => {
            let path = &inputs[planned.files[0].0].path;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            truncate(&name, EVIDENCE_TEXT_BYTES_MAX)
        }
        None => format!("{} files", planned.files.len()),
    };
    NotarizeArgs {
        refers_to: None,
        category: options.category.clone(),
        title,
        reference: options.reference.clone(),
        location: None,
        security_level: options.security_level,
        digest_algorithm: algorithm,
        documents: planned.documents.clone(),
    }
}

/// `text` cut to at most `bytes` bytes on a character boundary.
fn truncate(text: &str, bytes: usize) -> String {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The execution error of a failed transaction, for the report.
fn execution_error(client: &Client, id: &Hash) -> String {
    match client.get_json::<TransactionStatus>(&format!("/v1/transactions/{id}")) {
        Ok(status) => match status.error {
            Some(Value::Object(error)) => {
                let text = |key: &str| {
                    error
                        .get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                format!("{} ({})", text("message"), text("code"))
            }
            Some(Value::String(error)) => error,
            Some(other) => other.to_string(),
            None => "the node gives no reason".into(),
        },
        Err(e) => format!("its error could not be read: {e:#}"),
    }
}

/// Shows submission progress and the node's requests to wait.
struct Observer<'a>(&'a Progress);

impl SubmitObserver for Observer<'_> {
    fn decided(&mut self, count: usize) {
        self.0.inc(count as u64);
    }

    fn waiting(&mut self, wait: Duration, reason: &str) {
        self.0.note(&format!(
            "note: the node is busy ({reason}); resending in {:.1} s",
            wait.as_secs_f64()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(title: Option<&str>) -> NotarizeOptions {
        NotarizeOptions {
            key: PathBuf::new(),
            category: "file".into(),
            title: title.map(String::from),
            reference: "R-1".into(),
            security_level: 2,
            documents_per_transaction: 10,
            out_dir: None,
            paths: Vec::new(),
        }
    }

    #[test]
    fn titles_name_the_file_or_count_the_files() {
        let inputs: Vec<InputFile> = ["a/x.pdf", "a/y.pdf", "a/z.pdf"]
            .iter()
            .map(|p| InputFile {
                path: PathBuf::from(p),
                relative: PathBuf::from(p),
            })
            .collect();
        let single = PlannedTransaction {
            documents: vec![Hash([1; 32])],
            files: vec![(1, 0), (2, 0)],
        };
        let batch = PlannedTransaction {
            documents: vec![Hash([1; 32]), Hash([2; 32])],
            files: vec![(0, 0), (1, 1)],
        };
        let args = notarize_args(&options(None), &single, &inputs, HashAlgorithm::Sm3);
        assert_eq!(
            (args.title.as_str(), args.digest_algorithm),
            ("y.pdf", HashAlgorithm::Sm3)
        );
        assert_eq!((args.reference.as_str(), args.security_level), ("R-1", 2));
        assert_eq!(
            notarize_args(&options(None), &batch, &inputs, HashAlgorithm::Sha256).title,
            "2 files"
        );
        assert_eq!(
            notarize_args(&options(Some("Q3")), &batch, &inputs, HashAlgorithm::Sha256).title,
            "Q3"
        );
        assert_eq!(truncate("证链", 4), "证");
    }
}
