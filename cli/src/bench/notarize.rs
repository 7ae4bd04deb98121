//! `zl bench notarize`: `zl evidence notarize` of a folder of many small files, end to end
//! (process start to exit), with a sample of the receipts verified offline so only real
//! receipts count.

use super::node::{self, BenchNode};
use super::proc::{ChildGuard, TempDir};
use crate::files::RECEIPT_SUFFIX;
use anyhow::{bail, Context as _};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use zl_types::{CryptoSuite, EvidenceReceipt, Genesis};

/// Files of one run, at most.
pub(crate) const FILES_MAX: usize = 1_000_000;
/// Files per sub-folder of the generated tree.
const FILES_PER_FOLDER: usize = 1_000;
/// Size of the smallest generated file; sizes spread over 64..=256 bytes.
const FILE_BYTES_MIN: usize = 64;
/// Spread of the generated file sizes.
const FILE_BYTES_SPREAD: usize = 193;
/// Receipts verified offline after the run, evenly spread over the files.
const RECEIPTS_VERIFIED: usize = 1_000;
/// How long `zl evidence notarize` may take.
const NOTARIZE_TIMEOUT: Duration = Duration::from_secs(1_800);

/// What `zl bench notarize` is asked to do.
#[derive(Clone, Debug)]
pub(crate) struct NotarizeBenchOptions {
    /// Files to generate and notarise.
    pub(crate) files: usize,
    /// The chain's crypto suite.
    pub(crate) suite: CryptoSuite,
    /// The `zld` to run.
    pub(crate) zld: Option<PathBuf>,
}

/// What the notarize benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct NotarizeFigures {
    /// The chain suite.
    pub(crate) suite: String,
    /// Files notarised.
    pub(crate) files: usize,
    /// Bytes of all files.
    pub(crate) file_bytes: u64,
    /// Seconds from starting `zl evidence notarize` to its exit.
    pub(crate) elapsed_s: f64,
    /// `files / elapsed_s`.
    pub(crate) documents_per_s: f64,
    /// Receipt files written.
    pub(crate) receipts: usize,
    /// Receipts verified offline (all passed, or the benchmark fails).
    pub(crate) receipts_verified: usize,
}

/// Runs the benchmark.
pub(crate) fn run(options: &NotarizeBenchOptions) -> anyhow::Result<NotarizeFigures> {
    if options.files == 0 || options.files > FILES_MAX {
        bail!("--files must be 1 to {FILES_MAX}");
    }
    let zld = node::find_zld(options.zld.as_deref())?;
    let folder = TempDir::new("notarize")?;
    let documents = folder.path().join("documents");
    let receipts = folder.path().join("receipts");
    let generated = Instant::now();
    let file_bytes = generate(&documents, options.files)?;
    eprintln!(
        "zl bench notarize: wrote {} files ({file_bytes} bytes) in {:.1} s",
        options.files,
        generated.elapsed().as_secs_f64()
    );
    let mut node = BenchNode::start(&zld, options.suite)?;
    let exe = std::env::current_exe().context("cannot find zl's own executable")?;
    let mut command = Command::new(exe);
    command
        .args(["--node", node.url(), "evidence", "notarize", "--key"])
        .arg(node.client_key())
        .arg("--out-dir")
        .arg(&receipts)
        .arg(&documents)
        // Its report goes to our stderr, so our stdout holds only the benchmark's figures.
        .stdout(stderr_stdio()?);
    let started = Instant::now();
    let status = ChildGuard::spawn("zl evidence notarize", &mut command)?.wait(NOTARIZE_TIMEOUT)?;
    let elapsed_s = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("`zl evidence notarize` failed ({status}); see its message above");
    }
    let genesis_text = std::fs::read_to_string(node.home().join("genesis.json"))?;
    let genesis = Genesis::from_json(&genesis_text).context("the node's genesis is unreadable")?;
    node.stop()?;
    let receipt_count = walkdir::WalkDir::new(&receipts)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(RECEIPT_SUFFIX)
        })
        .count();
    if receipt_count != options.files {
        bail!(
            "{receipt_count} receipts were written for {} files",
            options.files
        );
    }
    let receipts_verified = verify_sample(&documents, &receipts, options.files, &genesis)?;
    Ok(NotarizeFigures {
        suite: options.suite.name().into(),
        files: options.files,
        file_bytes,
        elapsed_s,
        documents_per_s: options.files as f64 / elapsed_s,
        receipts: receipt_count,
        receipts_verified,
    })
}

/// A handle on this process's stderr for a child's output.
fn stderr_stdio() -> anyhow::Result<std::process::Stdio> {
    use std::os::fd::AsFd as _;
    let fd = std::io::stderr().as_fd().try_clone_to_owned()?;
    Ok(std::process::Stdio::from(fd))
}

/// The relative path of generated file `index`.
fn relative(index: usize) -> PathBuf {
    PathBuf::from(format!("{:04}", index / FILES_PER_FOLDER)).join(format!("doc-{index:07}.txt"))
}

/// Writes `count` distinct small files under `dir`; returns their total size.
fn generate(dir: &Path, count: usize) -> anyhow::Result<u64> {
    let mut total = 0u64;
    for index in 0..count {
        let path = dir.join(relative(index));
        if index % FILES_PER_FOLDER == 0 {
            let parent = path.parent().context("generated paths have a parent")?;
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut text = format!("zl bench document {index}\n");
        let size = FILE_BYTES_MIN + index * 37 % FILE_BYTES_SPREAD;
        while text.len() < size {
            text.push(char::from(b'a' + (text.len() % 26) as u8));
        }
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        total += text.len() as u64;
    }
    Ok(total)
}

/// Verifies [`RECEIPTS_VERIFIED`] receipts spread over the files against the genesis.
fn verify_sample(
    documents: &Path,
    receipts: &Path,
    count: usize,
    genesis: &Genesis,
) -> anyhow::Result<usize> {
    let step = count.div_ceil(RECEIPTS_VERIFIED).max(1);
    let mut buffer = vec![0u8; crate::digest::READ_BUFFER_BYTES];
    let mut verified = 0;
    for index in (0..count).step_by(step) {
        let relative = relative(index);
        let receipt_path = crate::files::with_suffix(&receipts.join(&relative), RECEIPT_SUFFIX);
        let receipt: EvidenceReceipt = serde_json::from_slice(&std::fs::read(&receipt_path)?)
            .with_context(|| format!("{} is not a receipt", receipt_path.display()))?;
        let digest = crate::digest::file_digest(
            &documents.join(&relative),
            receipt.record.digest_algorithm,
            &mut buffer,
        )?;
        receipt
            .verify(&digest, genesis)
            .with_context(|| format!("the receipt {} does not verify", receipt_path.display()))?;
        verified += 1;
    }
    Ok(verified)
}

/// A readable summary.
pub(crate) fn summary(f: &NotarizeFigures) -> String {
    format!(
        "notarize benchmark, {} suite: {} files ({} bytes) notarised end to end in {:.2} s = {:.0} documents/s; {} receipts written, {} verified offline",
        f.suite, f.files, f.file_bytes, f.elapsed_s, f.documents_per_s, f.receipts, f.receipts_verified
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_distinct_files_of_bounded_size() {
        let dir = TempDir::new("test-generate").unwrap();
        let total = generate(dir.path(), 1_500).unwrap();
        let mut contents = std::collections::HashSet::new();
        for index in 0..1_500 {
            let bytes = std::fs::read(dir.path().join(relative(index))).unwrap();
            assert!((FILE_BYTES_MIN..FILE_BYTES_MIN + FILE_BYTES_SPREAD).contains(&bytes.len()));
            contents.insert(bytes);
        }
        assert_eq!(contents.len(), 1_500);
        assert!(total >= 1_500 * FILE_BYTES_MIN as u64);
    }
}
