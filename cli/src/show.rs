//! `zl evidence show`: every record a node holds for a digest, corrections and revocations included.

use crate::client::Client;
use crate::time::rfc3339_from_ms;
use anyhow::Context as _;
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::process::ExitCode;
use zl_types::{EvidenceKind, EvidenceRecord, Hash};

/// The answer of `GET /v1/evidence/{digest}`.
#[derive(Debug, Deserialize)]
struct Lookup {
    records: Vec<Entry>,
}

/// One record holding the digest.
#[derive(Debug, Deserialize)]
struct Entry {
    record: EvidenceRecord,
    /// `{"by": seq, "kind": ...}` when a later record corrected or revoked this one.
    #[serde(default)]
    superseded: Option<Value>,
}

/// Prints the records of `digest` (exit 1 when there are none).
pub(crate) fn run(client: &Client, digest: &str, json: bool) -> anyhow::Result<ExitCode> {
    let digest = Hash::from_hex(&digest.to_ascii_lowercase())
        .context("give the document's digest as 64 hex characters (a receipt's document.digest)")?;
    let Some(raw) = client.get_json_optional::<Value>(&format!("/v1/evidence/{digest}"))? else {
        eprintln!("no evidence records hold digest {digest} on the node's chain");
        return Ok(ExitCode::from(crate::EXIT_NEGATIVE));
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&raw)?);
        return Ok(ExitCode::SUCCESS);
    }
    let lookup: Lookup = serde_json::from_value(raw)
        .map_err(|e| anyhow::anyhow!("the node's answer is not understood ({e}); try --json"))?;
    print!("{}", render(&digest, &lookup));
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Notarize => "notarize",
        EvidenceKind::Correct => "correct",
        EvidenceKind::Revoke => "revoke",
    }
}

fn render(digest: &Hash, lookup: &Lookup) -> String {
    let mut out = format!("digest {digest}: {} record(s)\n", lookup.records.len());
    for entry in &lookup.records {
        let r = &entry.record;
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "\nrecord {} ({}) at height {}, {}",
            r.seq,
            kind_name(r.kind),
            r.height,
            rfc3339_from_ms(r.time)
        );
        let _ = writeln!(out, "  submitter: {}", r.submitter);
        let _ = writeln!(
            out,
            "  title: {:?}  category: {:?}  reference: {:?}",
            r.title, r.category, r.reference
        );
        let _ = writeln!(
            out,
            "  documents: {}  security level: {}",
            r.document_count, r.security_level
        );
        if let Some(old) = r.refers_to {
            let _ = writeln!(
                out,
                "  {} record {old}",
                if r.kind == EvidenceKind::Revoke {
                    "revokes"
                } else {
                    "corrects"
                }
            );
        }
        if let Some(reason) = &r.reason {
            let _ = writeln!(out, "  reason: {reason:?}");
        }
        match &entry.superseded {
            None | Some(Value::Null) => {}
            Some(note) => {
                let by = note.get("by").and_then(Value::as_u64);
                let kind = note
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("superseded");
                match by {
                    Some(by) => {
                        let _ = writeln!(out, "  SUPERSEDED by record {by} ({kind})");
                    }
                    None => {
                        let _ = writeln!(out, "  SUPERSEDED: {note}");
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use zl_types::{CryptoSuite, SecretKey};

    #[test]
    fn lists_records_with_superseded_notes() {
        let submitter = SecretKey::from_seed(CryptoSuite::Ed25519, &[1; 32])
            .unwrap()
            .public_key();
        let record = |seq: u64, kind: &str, refers_to: Option<u64>| {
            json!({
                "seq": seq, "kind": kind, "refers_to": refers_to, "tx_id": Hash([2; 32]), "submitter": submitter,
                "height": 10 + seq, "time": 1_714_552_200_123u64, "category": "file", "title": "a.pdf",
                "reference": "", "security_level": 1, "digest_algorithm": "sha256", "document_count": 1,
                "documents_root": Hash([3; 32])
            })
        };
        let lookup: Lookup = serde_json::from_value(json!({
            "digest": Hash([4; 32]),
            "records": [
                {"record": record(1, "notarize", None), "superseded": {"by": 2, "kind": "correct"}, "receipt": null},
                {"record": record(2, "correct", Some(1)), "superseded": null}
            ]
        }))
        .unwrap();
        let text = render(&Hash([4; 32]), &lookup);
        assert!(text.contains("2 record(s)"), "{text}");
        assert!(
            text.contains("record 1 (notarize) at height 11, 2024-05-01T08:30:00.123Z"),
            "{text}"
        );
        assert!(text.contains("SUPERSEDED by record 2 (correct)"), "{text}");
        assert!(text.contains("corrects record 1"), "{text}");
        assert_eq!(text.matches("SUPERSEDED").count(), 1);
    }
}
