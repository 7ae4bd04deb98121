//! Documents to notarise, their receipts, and checking receipts in the test process.

use crate::{path_str, text, zl};
use std::path::{Path, PathBuf};
use zl_types::receipt::Proven;
use zl_types::{EvidenceReceipt, Genesis, Hash};

/// What `zl evidence notarize` appends to a file's name to name its receipt.
pub const RECEIPT_SUFFIX: &str = ".receipt.json";

/// Writes `count` small files with distinct contents into `dir`, named `doc-00000.txt` on.
pub fn write_documents(dir: &Path, count: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("document folder");
    (0..count)
        .map(|n| {
            let path = dir.join(format!("doc-{n:05}.txt"));
            std::fs::write(&path, format!("document {n} of {count}\n")).expect("document written");
            path
        })
        .collect()
}

/// The receipt path of `file` when receipts go beside the files.
pub fn receipt_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(RECEIPT_SUFFIX);
    PathBuf::from(name)
}

/// The receipts in `dir` (not recursive), sorted.
pub fn receipts_in(dir: &Path) -> Vec<PathBuf> {
    let mut receipts: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder lists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path_str(path).ends_with(RECEIPT_SUFFIX))
        .collect();
    receipts.sort();
    receipts
}

/// The genesis file at `path`.
pub fn load_genesis(path: &Path) -> Genesis {
    Genesis::from_json(&std::fs::read_to_string(path).expect("genesis readable"))
        .expect("a valid genesis")
}

/// Parses a receipt file; `Err` says why it is not a whole receipt.
pub fn read_receipt(path: &Path) -> Result<EvidenceReceipt, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a whole receipt: {e}", path.display()))
}

/// Verifies `file` against `receipt` and `genesis` in this process, as `zl evidence verify` does.
pub fn verify_in_process(
    file: &Path,
    receipt: &EvidenceReceipt,
    genesis: &Genesis,
) -> Result<Proven, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let digest: Hash = receipt.record.digest_algorithm.digest(&bytes);
    receipt
        .verify(&digest, genesis)
        .map_err(|e| format!("{}: {e}", file.display()))
}

/// What `zl evidence verify FILE --receipt R --genesis G` answered.
#[derive(Debug)]
pub struct Verdict {
    /// The exit code.
    pub code: i32,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

/// Runs `zl evidence verify FILE --receipt RECEIPT --genesis GENESIS` (offline).
pub fn zl_verify(file: &Path, receipt: &Path, genesis: &Path) -> Verdict {
    let output = zl(&[
        "evidence",
        "verify",
        path_str(file),
        "--receipt",
        path_str(receipt),
        "--genesis",
        path_str(genesis),
    ]);
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("zl verify died by a signal: {}", text(&output)));
    Verdict {
        code,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts `zl evidence verify` accepts `file` with `receipt` under `genesis` (exit 0, VALID).
pub fn assert_zl_valid(file: &Path, receipt: &Path, genesis: &Path) {
    let verdict = zl_verify(file, receipt, genesis);
    assert_eq!(
        verdict.code,
        0,
        "zl verify refused {}: {verdict:?}",
        file.display()
    );
    assert!(
        verdict.stdout.contains("VALID"),
        "zl verify did not say VALID: {verdict:?}"
    );
}
