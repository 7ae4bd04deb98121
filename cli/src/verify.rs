//! `zl evidence verify`: checks a file against its receipt and a genesis, fully offline.

use crate::time::rfc3339_from_ms;
use anyhow::{bail, Context as _};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use zl_types::receipt::{Proven, RECEIPT_FORMAT};
use zl_types::{EvidenceKind, EvidenceReceipt, Genesis};

/// Size of a receipt file, at most (a real one is a few KiB).
const RECEIPT_BYTES_MAX: u64 = 16 * 1024 * 1024;
/// Size of a genesis file, at most (10,000 members fit easily).
const GENESIS_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// Verifies; prints VALID on stdout (exit 0) or INVALID on stderr (exit 1). Errors reading
/// the inputs are returned (exit 2).
pub(crate) fn run(
    file: &Path,
    receipt_path: &Path,
    genesis_path: &Path,
) -> anyhow::Result<ExitCode> {
    let genesis_text = read_limited(genesis_path, GENESIS_BYTES_MAX, "genesis")?;
    let genesis = Genesis::from_json(&genesis_text)
        .with_context(|| format!("{} is not a usable genesis file", genesis_path.display()))?;
    let receipt_text = read_limited(receipt_path, RECEIPT_BYTES_MAX, "receipt")?;
    let receipt = match parse_receipt(&receipt_text, receipt_path)? {
        Ok(receipt) => receipt,
        Err(damage) => return Ok(invalid(&damage)),
    };
    let mut buffer = vec![0u8; crate::digest::READ_BUFFER_BYTES];
    let digest = crate::digest::file_digest(file, receipt.record.digest_algorithm, &mut buffer)?;
    match receipt.verify(&digest, &genesis) {
        Ok(proven) => {
            print!("{}", report(file, &receipt, &proven, &genesis));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Ok(invalid(&error.to_string())),
    }
}

fn invalid(reason: &str) -> ExitCode {
    eprintln!("INVALID: {reason}");
    ExitCode::from(crate::EXIT_NEGATIVE)
}

fn read_limited(path: &Path, bytes_max: u64, what: &str) -> anyhow::Result<String> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    if metadata.len() > bytes_max {
        bail!(
            "{} is {} bytes, too large for a {what} file",
            path.display(),
            metadata.len()
        );
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))
}

/// Parses a receipt. The outer error means "not a receipt at all" (a usage error); the inner
/// one means a receipt whose content was damaged, which is an invalid receipt.
fn parse_receipt(text: &str, path: &Path) -> anyhow::Result<Result<EvidenceReceipt, String>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a ZhengLian evidence receipt (not JSON: {e}); give the .receipt.json file",
            path.display()
        )
    })?;
    match value.get("format").and_then(Value::as_str) {
        Some(RECEIPT_FORMAT) => {}
        Some(other) => bail!(
            "{} is a receipt of format {other:?}, which this zl does not know (it reads {RECEIPT_FORMAT:?}); upgrade zl",
            path.display()
        ),
        None => bail!(
            "{} is not a ZhengLian evidence receipt (no \"format\": {RECEIPT_FORMAT:?}); give the .receipt.json file",
            path.display()
        ),
    }
    Ok(serde_json::from_value(value)
        .map_err(|e| format!("the receipt was altered or damaged: {e}")))
}

/// The VALID report.
fn report(file: &Path, receipt: &EvidenceReceipt, proven: &Proven, genesis: &Genesis) -> String {
    let member = match genesis.member(&proven.submitter) {
        Some(member) => format!("member {:?} in the genesis", member.name),
        None => "not a genesis member; it may have been registered on chain later".into(),
    };
    let kind = match (proven.kind, receipt.record.refers_to) {
        (EvidenceKind::Notarize, _) => "notarize".to_string(),
        (EvidenceKind::Correct, Some(old)) => format!("correct, replacing record {old}"),
        (EvidenceKind::Correct, None) => "correct".to_string(),
        (EvidenceKind::Revoke, _) => "revoke".to_string(),
    };
    let signers = match proven.validator_set_changes {
        0 => "the genesis validators".to_string(),
        n => format!("the validators of its height, followed from the genesis through {n} recorded validator-set change(s)"),
    };
    format!(
        "VALID: {}\n  \
         digest: {} {}\n  \
         recorded by: {} ({member})\n  \
         title: {:?} (category {:?}, reference {:?})\n  \
         chain: {} (genesis {})\n  \
         height: {}, block time: {}\n  \
         signed by: {signers}\n  \
         record: seq {} ({kind})\n  \
         note: later corrections or revocations are not visible offline; check `zl evidence show {}` against a node\n",
        file.display(),
        proven.digest_algorithm.name(),
        proven.digest,
        proven.submitter,
        receipt.record.title,
        receipt.record.category,
        receipt.record.reference,
        genesis.chain_id,
        genesis.hash(),
        proven.height,
        rfc3339_from_ms(proven.time),
        proven.seq,
        proven.digest,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_non_receipts_from_damaged_receipts() {
        let path = Path::new("r.json");
        assert!(parse_receipt("not json", path)
            .unwrap_err()
            .to_string()
            .contains("not a ZhengLian evidence receipt"));
        assert!(parse_receipt("{\"a\":1}", path)
            .unwrap_err()
            .to_string()
            .contains("not a ZhengLian evidence receipt"));
        let other =
            parse_receipt("{\"format\":\"zhenglian-evidence-receipt/v9\"}", path).unwrap_err();
        assert!(other.to_string().contains("upgrade zl"), "{other}");
        let damaged = parse_receipt(&format!("{{\"format\":\"{RECEIPT_FORMAT}\"}}"), path)
            .unwrap()
            .unwrap_err();
        assert!(damaged.contains("altered or damaged"), "{damaged}");
    }
}
