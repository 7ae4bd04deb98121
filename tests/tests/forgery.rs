//! `zl evidence verify` refuses every kind of forgery, each with its own message: a changed
//! file, a changed receipt (any part), a receipt of another chain, a genesis with other validators.

use serde_json::Value;
use std::path::{Path, PathBuf};
use zl_tests::documents::{self, assert_zl_valid, receipt_path, zl_verify, Verdict};
use zl_tests::Node;

/// Exit code of a negative answer (an invalid receipt).
const EXIT_INVALID: i32 = 1;
/// Exit code of a command that could not be carried out (not a receipt, unreadable file).
const EXIT_ERROR: i32 = 2;

#[test]
fn verify_refuses_each_kind_of_forgery() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let node = Node::dev(&dir.path().join("a"), "ed25519");
    let genesis = node.genesis_path();
    // A first record, so the batch's record has a log proof with steps.
    let first = documents::write_documents(&dir.path().join("first"), 1);
    node.notarize(&first[0], None);
    // Three documents in one record, so each document proof has steps.
    let batch_dir = dir.path().join("batch");
    let batch = documents::write_documents(&batch_dir, 3);
    node.notarize(&batch_dir, Some("3"));
    drop(node);

    let file = &batch[0];
    let receipt_file = receipt_path(file);
    let receipt: Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt_file).expect("receipt"))
            .expect("JSON");
    assert_eq!(
        receipt["record"]["document_count"], 3,
        "one record holds the batch: {receipt}"
    );
    assert_eq!(
        receipt["log"]["size"], 2,
        "the log holds both records: {receipt}"
    );
    assert_zl_valid(file, &receipt_file, &genesis);
    let forged = dir.path().join("forged");
    std::fs::create_dir_all(&forged).expect("folder");

    // The file changed by one byte.
    let changed = forged.join("changed.txt");
    let mut bytes = std::fs::read(file).expect("document");
    bytes[0] ^= 1;
    std::fs::write(&changed, bytes).expect("changed copy");
    let verdict = zl_verify(&changed, &receipt_file, &genesis);
    assert_invalid(&verdict, &["does not match"], "a changed file");

    // One part of the receipt changed: each is refused as altered, naming what failed.
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "the record's title",
            "/record/title",
            &["altered", "evidence log"],
        ),
        (
            "a log proof step",
            "/log/path/0",
            &["altered", "evidence log"],
        ),
        (
            "a document proof step",
            "/document/path/1",
            &["altered", "document proof"],
        ),
        ("the header's time", "/header/time", &["altered", "header"]),
        (
            "the header's state root",
            "/header/state_root",
            &["altered", "certificate"],
        ),
        (
            "the certificate's signature",
            "/certificate/signatures/0/signature",
            &["altered", "certificate"],
        ),
    ];
    for (what, pointer, phrases) in cases {
        let path = write_forgery(&forged, &receipt, pointer);
        assert_invalid(&zl_verify(file, &path, &genesis), phrases, what);
    }

    // Any leaf of the receipt changed is refused.
    for pointer in leaves(&receipt, "") {
        let expected: &[&str] = match pointer.as_str() {
            "/format" => continue, // another format is a usage error, checked below
            // A changed header chain id makes it a block of another chain; a receipt whose own
            // chain id or genesis hash disagrees with its header and genesis was altered.
            "/header/chain_id" => &["another chain"],
            "/chain_id" | "/genesis_hash" => &["altered"],
            "/header/validator_set_hash" => &["other validators"],
            "/document/digest" => &["does not match"],
            _ => &["altered"],
        };
        let path = write_forgery(&forged, &receipt, &pointer);
        assert_invalid(
            &zl_verify(file, &path, &genesis),
            expected,
            &format!("a change of {pointer}"),
        );
    }

    // A step taken out of a proof.
    let mut shorter = receipt.clone();
    shorter["document"]["path"]
        .as_array_mut()
        .expect("a path")
        .pop();
    let path = forged.join("shorter.json");
    std::fs::write(&path, shorter.to_string()).expect("forgery written");
    assert_invalid(
        &zl_verify(file, &path, &genesis),
        &["altered", "document proof"],
        "a shorter document proof",
    );

    // The genesis of another chain, and one of the same id with other validators.
    let other_chain = dir.path().join("b");
    Node::init(&other_chain, "other", "ed25519");
    let verdict = zl_verify(file, &receipt_file, &other_chain.join("genesis.json"));
    assert_invalid(&verdict, &["another chain"], "the genesis of chain `other`");
    let other_validators = dir.path().join("c");
    Node::init(&other_validators, "dev", "ed25519");
    let verdict = zl_verify(file, &receipt_file, &other_validators.join("genesis.json"));
    assert_invalid(
        &verdict,
        &["other validators"],
        "another genesis of chain `dev`",
    );

    // Not a receipt at all: exit 2 (the command cannot be carried out), saying what to give.
    for (name, content) in [
        ("not-json", "this is not a receipt"),
        ("half", &receipt.to_string()[..200]),
    ] {
        let path = forged.join(name);
        std::fs::write(&path, content).expect("written");
        assert_error(
            &zl_verify(file, &path, &genesis),
            "not a ZhengLian evidence receipt",
            name,
        );
    }
    let mut unknown_format = receipt.clone();
    unknown_format["format"] = Value::from("zhenglian-evidence-receipt/v9");
    let path = forged.join("v9.json");
    std::fs::write(&path, unknown_format.to_string()).expect("written");
    assert_error(
        &zl_verify(file, &path, &genesis),
        "upgrade zl",
        "a receipt of an unknown format",
    );
    assert_error(
        &zl_verify(file, &forged.join("missing.json"), &genesis),
        "cannot read receipt",
        "a missing receipt",
    );

    // A receipt of the right format with a part missing is a damaged receipt: invalid.
    let mut damaged = receipt.clone();
    damaged.as_object_mut().expect("an object").remove("header");
    let path = forged.join("no-header.json");
    std::fs::write(&path, damaged.to_string()).expect("written");
    assert_invalid(
        &zl_verify(file, &path, &genesis),
        &["altered or damaged"],
        "a receipt without its header",
    );
}

/// Asserts exit 1, INVALID, and each of `phrases` in the message.
fn assert_invalid(verdict: &Verdict, phrases: &[&str], what: &str) {
    assert_eq!(
        verdict.code, EXIT_INVALID,
        "{what} was not refused as invalid: {verdict:?}"
    );
    assert!(
        verdict.stderr.contains("INVALID"),
        "{what}: no INVALID on stderr: {verdict:?}"
    );
    assert!(
        !verdict.stdout.contains("VALID"),
        "{what}: stdout claims VALID: {verdict:?}"
    );
    for phrase in phrases {
        assert!(
            verdict.stderr.contains(phrase),
            "{what}: the message does not say {phrase:?}: {verdict:?}"
        );
    }
}

/// Asserts exit 2 with `phrase` in the message.
fn assert_error(verdict: &Verdict, phrase: &str, what: &str) {
    assert_eq!(
        verdict.code, EXIT_ERROR,
        "{what}: expected a usage error: {verdict:?}"
    );
    assert!(
        verdict.stderr.contains(phrase),
        "{what}: the message does not say {phrase:?}: {verdict:?}"
    );
}

/// Writes `receipt` with the leaf at `pointer` changed into `dir`; returns the file.
fn write_forgery(dir: &Path, receipt: &Value, pointer: &str) -> PathBuf {
    let mut forged = receipt.clone();
    let leaf = forged
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the receipt has no {pointer}"));
    *leaf = changed(leaf);
    let path = dir.join(format!(
        "{}.json",
        pointer.trim_start_matches('/').replace('/', "-")
    ));
    std::fs::write(&path, forged.to_string()).expect("forgery written");
    path
}

/// A different value of the same kind: a number plus one, a hash or key with its last hex digit
/// changed, any other text with a character added.
fn changed(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::from(n.as_u64().expect("receipt numbers are unsigned") + 1),
        Value::String(s) if s.len() >= 64 && s.ends_with(|c: char| c.is_ascii_hexdigit()) => {
            let last = if s.ends_with('0') { '1' } else { '0' };
            Value::from(format!("{}{last}", &s[..s.len() - 1]))
        }
        Value::String(s) => Value::from(format!("{s}x")),
        Value::Bool(b) => Value::from(!b),
        other => panic!("not a leaf: {other}"),
    }
}

/// JSON pointers of every leaf (number, string, bool) under `value`.
fn leaves(value: &Value, prefix: &str) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| leaves(v, &format!("{prefix}/{k}")))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| leaves(v, &format!("{prefix}/{i}")))
            .collect(),
        Value::Null => Vec::new(),
        _ => vec![prefix.to_string()],
    }
}
