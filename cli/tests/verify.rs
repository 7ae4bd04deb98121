//! `zl evidence verify` against receipts built here: valid, changed file, tampered, other chain.

mod common;

use common::chain::{args, Notarisation, TestChain};
use common::{s, zl, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zl_types::{CryptoSuite, Hash};

const CONTENT: &[u8] = b"share transfer agreement, signed 2024-05-01\n";

/// A chain whose second block notarises the file (document 1 of 3); returns the receipt.
fn chain_with_file(suite: CryptoSuite, chain_id: &str) -> (TestChain, Value) {
    let mut chain = TestChain::new(suite, chain_id);
    let alg = chain.alg();
    let submitter = chain.submitter.public_key();
    let first = Notarisation {
        tx_id: Hash([1; 32]),
        submitter: submitter.clone(),
        args: args(alg, "earlier", vec![Hash([7; 32])]),
    };
    chain.commit(&[(Hash([1; 32]), true)], vec![first]);
    let documents = vec![
        alg.digest(b"other"),
        alg.digest(CONTENT),
        alg.digest(b"third"),
    ];
    let ours = Notarisation {
        tx_id: Hash([2; 32]),
        submitter,
        args: args(alg, "3 files", documents),
    };
    let (_, seqs) = chain.commit(&[(Hash([2; 32]), true), (Hash([3; 32]), false)], vec![ours]);
    let receipt = serde_json::to_value(chain.receipt(seqs[0], 1)).unwrap();
    (chain, receipt)
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(chain: &TestChain, receipt: &Value) -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("agreement.pdf"), CONTENT).unwrap();
        std::fs::write(
            dir.path().join("genesis.json"),
            serde_json::to_string_pretty(&chain.genesis).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("receipt.json"),
            serde_json::to_string_pretty(receipt).unwrap(),
        )
        .unwrap();
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn verify(&self) -> Run {
        self.verify_with(&self.path("receipt.json"), &self.path("genesis.json"))
    }

    fn verify_with(&self, receipt: &Path, genesis: &Path) -> Run {
        let file = self.path("agreement.pdf");
        zl(
            &[
                "evidence",
                "verify",
                s(&file),
                "--receipt",
                s(receipt),
                "--genesis",
                s(genesis),
            ],
            &[],
        )
    }
}

fn assert_invalid(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.starts_with("INVALID: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "expected {needle:?} in {}",
        run.stderr
    );
    assert!(!run.stdout.contains("VALID"), "{}", run.stdout);
}

#[test]
fn valid_receipt_verifies_offline_for_both_suites() {
    for (suite, alg_name) in [(CryptoSuite::Ed25519, "sha256"), (CryptoSuite::Sm, "sm3")] {
        let (chain, receipt) = chain_with_file(suite, "shanghai");
        let run = Case::new(&chain, &receipt).verify();
        assert_eq!(run.code, 0, "{suite:?}: {}", run.stderr);
        let digest = chain.alg().digest(CONTENT);
        assert!(run.stdout.starts_with("VALID: "), "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("digest: {alg_name} {digest}")),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("height: 2, block time: 2023-11-14T22:13:22.000Z"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("record: seq 1 (notarize)"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("member \"Shanghai Equity Exchange\" in the genesis"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!(
                "chain: shanghai (genesis {})",
                chain.genesis.hash()
            )),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("zl evidence show {digest}")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn changed_file_is_invalid() {
    let (chain, receipt) = chain_with_file(CryptoSuite::Ed25519, "shanghai");
    let case = Case::new(&chain, &receipt);
    std::fs::write(
        case.path("agreement.pdf"),
        b"share transfer agreement, signed 2024-05-02\n",
    )
    .unwrap();
    assert_invalid(&case.verify(), "does not match");
}

#[test]
fn every_tampered_field_is_caught() {
    let (chain, receipt) = chain_with_file(CryptoSuite::Ed25519, "shanghai");
    let flip = |text: &str| -> String {
        let first = if text.starts_with('0') { '1' } else { '0' };
        std::iter::once(first).chain(text.chars().skip(1)).collect()
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "record title",
            Box::new(|r: &mut Value| r["record"]["title"] = "forged".into()),
        ),
        (
            "record time",
            Box::new(|r: &mut Value| {
                r["record"]["time"] = (r["record"]["time"].as_u64().unwrap() + 1).into()
            }),
        ),
        (
            "document proof step",
            Box::new(move |r: &mut Value| {
                let step = r["document"]["path"][0].as_str().unwrap().to_string();
                r["document"]["path"][0] = flip(&step).into();
            }),
        ),
        (
            "log proof step",
            Box::new(move |r: &mut Value| {
                let step = r["log"]["path"][0].as_str().unwrap().to_string();
                r["log"]["path"][0] = flip(&step).into();
            }),
        ),
        (
            "document index",
            Box::new(|r: &mut Value| r["document"]["index"] = 2.into()),
        ),
        (
            "header state root",
            Box::new(|r: &mut Value| r["header"]["state_root"] = Hash([5; 32]).to_hex().into()),
        ),
        (
            "header height",
            Box::new(|r: &mut Value| r["header"]["height"] = 3.into()),
        ),
        (
            "certificate signature",
            Box::new(move |r: &mut Value| {
                let signature = r["certificate"]["signatures"][0]["signature"]
                    .as_str()
                    .unwrap()
                    .to_string();
                r["certificate"]["signatures"][0]["signature"] = flip(&signature).into();
            }),
        ),
        (
            "certificate emptied",
            Box::new(|r: &mut Value| r["certificate"]["signatures"] = Value::Array(Vec::new())),
        ),
    ];
    for (what, edit) in edits {
        let mut tampered = receipt.clone();
        edit(&mut tampered);
        let run = Case::new(&chain, &tampered).verify();
        assert_eq!(run.code, 1, "{what}: {} {}", run.stdout, run.stderr);
        assert!(
            run.stderr.starts_with("INVALID: "),
            "{what}: {}",
            run.stderr
        );
    }
}

#[test]
fn receipt_of_another_chain_is_invalid() {
    let (shanghai, _) = chain_with_file(CryptoSuite::Ed25519, "shanghai");
    let (_, beijing_receipt) = chain_with_file(CryptoSuite::Ed25519, "beijing");
    assert_invalid(
        &Case::new(&shanghai, &beijing_receipt).verify(),
        "another chain",
    );
}

#[test]
fn genesis_with_other_validators_is_invalid() {
    let (chain, receipt) = chain_with_file(CryptoSuite::Ed25519, "shanghai");
    let case = Case::new(&chain, &receipt);
    let mut other = chain.genesis.clone();
    let stranger = zl_types::SecretKey::from_seed(CryptoSuite::Ed25519, &[99; 32]).unwrap();
    other.validators.validators[0].public_key = stranger.public_key();
    other.members[0].public_key = stranger.public_key();
    std::fs::write(
        case.path("other-genesis.json"),
        serde_json::to_string(&other).unwrap(),
    )
    .unwrap();
    assert_invalid(
        &case.verify_with(&case.path("receipt.json"), &case.path("other-genesis.json")),
        "other validators",
    );
}

#[test]
fn unreadable_inputs_are_errors_not_verdicts() {
    let (chain, receipt) = chain_with_file(CryptoSuite::Ed25519, "shanghai");
    let case = Case::new(&chain, &receipt);
    let run = case.verify_with(&case.path("missing.json"), &case.path("genesis.json"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
    let run = case.verify_with(&case.path("genesis.json"), &case.path("genesis.json"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a ZhengLian evidence receipt"),
        "{}",
        run.stderr
    );
    let run = case.verify_with(&case.path("receipt.json"), &case.path("receipt.json"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a usable genesis"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(case.path("agreement.pdf")).unwrap();
    assert_eq!(case.verify().code, 2);
    // The receipt defaults to FILE.receipt.json.
    let run = zl(
        &[
            "evidence",
            "verify",
            s(&case.path("nothing.pdf")),
            "--genesis",
            s(&case.path("genesis.json")),
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("nothing.pdf.receipt.json"),
        "{}",
        run.stderr
    );
}
