//! `zl evidence notarize` end to end against a fake node: receipts that verify offline, the
//! out-dir, a busy node, a failed transaction, and the online commands.

mod common;

use common::chain::TestChain;
use common::node::{Behaviour, FakeNode};
use common::{s, zl, Run};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use zl_types::{Call, CryptoSuite, EvidenceReceipt, KeyFile, TransactionBody};

struct Setup {
    dir: tempfile::TempDir,
    node: FakeNode,
}

impl Setup {
    fn new(suite: CryptoSuite, behaviour: Behaviour) -> Setup {
        let chain = TestChain::new(suite, "shanghai");
        let dir = tempfile::tempdir().unwrap();
        let key = serde_json::to_string(&KeyFile::plain(&chain.submitter)).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dir.path().join("submitter.key"))
            .unwrap();
        std::io::Write::write_all(&mut file, key.as_bytes()).unwrap();
        std::fs::write(
            dir.path().join("genesis.json"),
            serde_json::to_string(&chain.genesis).unwrap(),
        )
        .unwrap();
        let docs = dir.path().join("docs");
        for (name, content) in [
            ("a.txt", "alpha"),
            ("b.txt", "bravo"),
            ("dup.txt", "alpha"),
            ("old.txt.receipt.json", "{}"),
            ("sub/c.txt", "charlie"),
        ] {
            std::fs::create_dir_all(docs.join(name).parent().unwrap()).unwrap();
            std::fs::write(docs.join(name), content).unwrap();
        }
        Setup {
            dir,
            node: FakeNode::start(chain, behaviour),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn zl(&self, args: &[&str]) -> Run {
        let mut all = vec!["--node", self.node.url.as_str()];
        all.extend_from_slice(args);
        zl(&all, &[])
    }

    fn notarize(&self, extra: &[&str]) -> Run {
        let key = self.path("submitter.key");
        let docs = self.path("docs");
        let mut args = vec!["evidence", "notarize", "--key", s(&key)];
        args.extend_from_slice(extra);
        args.push(s(&docs));
        self.zl(&args)
    }

    fn verify(&self, file: &Path, receipt: &Path) -> Run {
        zl(
            &[
                "evidence",
                "verify",
                s(file),
                "--receipt",
                s(receipt),
                "--genesis",
                s(&self.path("genesis.json")),
            ],
            &[],
        )
    }
}

const FILES: [&str; 4] = ["a.txt", "b.txt", "dup.txt", "sub/c.txt"];

#[test]
fn notarised_folder_gets_one_verifiable_receipt_per_file() {
    let setup = Setup::new(CryptoSuite::Ed25519, Behaviour::default());
    let run = setup.notarize(&["--documents-per-tx", "2", "--reference", "Q2-2024"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Four files, three distinct contents (dup.txt = a.txt), two per transaction.
    assert!(
        run.stdout
            .contains("notarised 4 files in 2 transactions at heights 1..1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("documents/s"), "{}", run.stdout);
    for name in FILES {
        let file = setup.path("docs").join(name);
        let receipt = setup.path("docs").join(format!("{name}.receipt.json"));
        let check = setup.verify(&file, &receipt);
        assert_eq!(check.code, 0, "{name}: {}", check.stderr);
        let parsed: EvidenceReceipt =
            serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
        assert_eq!(parsed.record.reference, "Q2-2024");
    }
    assert!(!setup
        .path("docs/old.txt.receipt.json.receipt.json")
        .exists());
    let a: EvidenceReceipt =
        serde_json::from_slice(&std::fs::read(setup.path("docs/a.txt.receipt.json")).unwrap())
            .unwrap();
    let dup: EvidenceReceipt =
        serde_json::from_slice(&std::fs::read(setup.path("docs/dup.txt.receipt.json")).unwrap())
            .unwrap();
    assert_eq!(
        (a.record.seq, a.document.index),
        (dup.record.seq, dup.document.index)
    );
    // a.txt, b.txt and dup.txt: three files, two documents.
    assert_eq!(a.record.title, "3 files");
    // A receipt does not vouch for another file.
    let wrong = setup.verify(
        &setup.path("docs/b.txt"),
        &setup.path("docs/a.txt.receipt.json"),
    );
    assert_eq!(wrong.code, 1);
    // A second run skips the receipts the first one wrote.
    let again = setup.notarize(&[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("notarised 4 files in 1 transactions at heights 2..2"),
        "{}",
        again.stdout
    );
}

#[test]
fn out_dir_mirrors_relative_paths_and_is_never_notarised() {
    let setup = Setup::new(CryptoSuite::Sm, Behaviour::default());
    let out = setup.path("docs/receipts");
    let run = setup.notarize(&["--out-dir", s(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("receipts in {}", out.display())),
        "{}",
        run.stdout
    );
    for name in FILES {
        assert!(out.join(format!("{name}.receipt.json")).is_file(), "{name}");
        assert!(
            !setup
                .path("docs")
                .join(format!("{name}.receipt.json"))
                .exists(),
            "{name}"
        );
        let check = setup.verify(
            &setup.path("docs").join(name),
            &out.join(format!("{name}.receipt.json")),
        );
        assert_eq!(check.code, 0, "{name}: {}", check.stderr);
        assert!(check.stdout.contains("digest: sm3 "), "{}", check.stdout);
    }
    // The out-dir lies inside the folder notarised: a second run must not notarise receipts.
    let again = setup.notarize(&["--out-dir", s(&out)]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("notarised 4 files"),
        "{}",
        again.stdout
    );
}

#[test]
fn busy_node_is_waited_for_and_refused_transactions_resent() {
    let setup = Setup::new(
        CryptoSuite::Ed25519,
        Behaviour {
            busy_batches: 1,
            poison_title: None,
        },
    );
    let run = setup.notarize(&["--documents-per-tx", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the node is busy (the mempool is full (mempool_full))"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("notarised 4 files in 3 transactions at heights 1..2"),
        "{}",
        run.stdout
    );
    assert_eq!(setup.node.batches(), 2);
    let a: EvidenceReceipt =
        serde_json::from_slice(&std::fs::read(setup.path("docs/a.txt.receipt.json")).unwrap())
            .unwrap();
    assert_eq!(a.record.title, "a.txt");
}

#[test]
fn failed_transaction_is_reported_without_receipts() {
    let setup = Setup::new(
        CryptoSuite::Ed25519,
        Behaviour {
            busy_batches: 0,
            poison_title: Some("b.txt".into()),
        },
    );
    let run = setup.notarize(&["--documents-per-tx", "1"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("poisoned title (bad_arguments)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("b.txt"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 of 3 transactions failed"),
        "{}",
        run.stderr
    );
    assert!(!setup.path("docs/b.txt.receipt.json").exists());
    assert!(setup.path("docs/a.txt.receipt.json").is_file());
    assert!(setup.path("docs/sub/c.txt.receipt.json").is_file());
    assert!(
        run.stdout.contains("notarised 3 files in 2 transactions"),
        "{}",
        run.stdout
    );
}

#[test]
fn wrong_suite_key_and_unreachable_node_are_errors() {
    let setup = Setup::new(CryptoSuite::Sm, Behaviour::default());
    let ed_key = setup.path("ed.key");
    let made = zl(&["keys", "new", "--out", s(&ed_key)], &[]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(made.stdout.starts_with("ed25519:"), "{}", made.stdout);
    let docs = setup.path("docs");
    let run = setup.zl(&["evidence", "notarize", "--key", s(&ed_key), s(&docs)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--suite sm"), "{}", run.stderr);
    let run = zl(
        &[
            "--node",
            "http://127.0.0.1:9",
            "evidence",
            "notarize",
            "--key",
            s(&ed_key),
            s(&docs),
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot reach the node at http://127.0.0.1:9"),
        "{}",
        run.stderr
    );
}

#[test]
fn encrypted_keys_need_their_passphrase() {
    let setup = Setup::new(CryptoSuite::Ed25519, Behaviour::default());
    let key = setup.path("sealed.key");
    let made = zl(
        &["keys", "new", "--out", s(&key), "--encrypt"],
        &[("ZL_PASSPHRASE", "correct horse")],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let shown = zl(&["keys", "show", s(&key)], &[]);
    assert_eq!(shown.stdout, made.stdout);
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(
        text.contains("argon2id") && !text.contains("\"secret\""),
        "{text}"
    );
    let docs = setup.path("docs");
    let args = [
        "--node",
        setup.node.url.as_str(),
        "evidence",
        "notarize",
        "--key",
        s(&key),
        s(&docs),
    ];
    let locked = zl(&args, &[]);
    assert_eq!(locked.code, 2);
    assert!(locked.stderr.contains("ZL_PASSPHRASE"), "{}", locked.stderr);
    let wrong = zl(&args, &[("ZL_PASSPHRASE", "wrong")]);
    assert!(
        wrong.stderr.contains("wrong passphrase"),
        "{}",
        wrong.stderr
    );
    let run = zl(&args, &[("ZL_PASSPHRASE", "correct horse")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Loosened permissions draw a warning.
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let warned = zl(&["keys", "show", s(&key)], &[]);
    assert!(warned.stderr.contains("chmod 600"), "{}", warned.stderr);
}

#[test]
fn status_show_and_tx_get_read_the_node() {
    let setup = Setup::new(CryptoSuite::Ed25519, Behaviour::default());
    assert_eq!(setup.notarize(&[]).code, 0);
    let status = setup.zl(&["status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status
            .stdout
            .contains("chain:         shanghai (validator)"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("evidence log:  1 records"),
        "{}",
        status.stdout
    );
    let raw = setup.zl(&["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&raw.stdout).unwrap();
    assert_eq!(value["height"], 1);

    let receipt: EvidenceReceipt =
        serde_json::from_slice(&std::fs::read(setup.path("docs/b.txt.receipt.json")).unwrap())
            .unwrap();
    let digest = receipt.document.digest.to_hex();
    let shown = setup.zl(&["evidence", "show", &digest]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("record 0 (notarize) at height 1"),
        "{}",
        shown.stdout
    );
    let missing = setup.zl(&["evidence", "show", &"ab".repeat(32)]);
    assert_eq!(missing.code, 1);
    let bad = setup.zl(&["evidence", "show", "xyz"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("64 hex"), "{}", bad.stderr);

    let tx = setup.zl(&["tx", "get", &receipt.record.tx_id.to_hex()]);
    assert_eq!(tx.code, 0, "{}", tx.stderr);
    assert!(tx.stdout.contains("\"notarized\""), "{}", tx.stdout);
    let unknown = setup.zl(&["tx", "get", &"cd".repeat(32)]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("error: no such transaction (not_found)"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn tx_submit_waits_for_the_commit() {
    let setup = Setup::new(CryptoSuite::Ed25519, Behaviour::default());
    let (key, genesis) = setup
        .node
        .with_chain(|c| (c.submitter.clone(), c.genesis.clone()));
    let alg = genesis.crypto_suite.hash_algorithm();
    let args = common::chain::args(alg, "by hand", vec![alg.digest(b"by hand")]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let body = TransactionBody {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: genesis.hash(),
        signer: key.public_key(),
        expires_at: now + 60_000,
        salt: "01".into(),
        calls: vec![Call {
            contract: "evidence".into(),
            method: "notarize".into(),
            args: serde_json::to_value(&args).unwrap(),
        }],
    };
    let transaction = body.sign(&key).unwrap();
    let file = setup.path("tx.json");
    std::fs::write(&file, serde_json::to_string(&transaction).unwrap()).unwrap();
    let run = setup.zl(&["tx", "submit", s(&file), "--wait"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"status\": \"pending\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"status\": \"committed\""),
        "{}",
        run.stdout
    );
    // A file that is not a transaction never reaches the node.
    std::fs::write(&file, b"{\"body\": 1}").unwrap();
    let bad = setup.zl(&["tx", "submit", s(&file)]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not a signed transaction"),
        "{}",
        bad.stderr
    );
}

#[test]
fn many_small_files_in_one_run() {
    // Not a timing test: it checks a run of thousands of files end to end and prints the rate.
    let setup = Setup::new(CryptoSuite::Ed25519, Behaviour::default());
    let bulk = setup.path("bulk");
    for folder in 0..20 {
        std::fs::create_dir_all(bulk.join(format!("{folder:02}"))).unwrap();
        for file in 0..250 {
            std::fs::write(
                bulk.join(format!("{folder:02}/{file:04}.txt")),
                format!("document {folder}/{file}"),
            )
            .unwrap();
        }
    }
    let out = setup.path("receipts");
    let key = setup.path("submitter.key");
    let run = setup.zl(&[
        "evidence",
        "notarize",
        "--key",
        s(&key),
        "--documents-per-tx",
        "1000",
        "--out-dir",
        s(&out),
        s(&bulk),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    println!("{}", run.stdout);
    assert!(
        run.stdout
            .contains("notarised 5000 files in 5 transactions"),
        "{}",
        run.stdout
    );
    let genesis = setup.node.with_chain(|c| c.genesis.clone());
    for (folder, file) in [(0, 0), (7, 123), (19, 249)] {
        let name = format!("{folder:02}/{file:04}.txt");
        let receipt: EvidenceReceipt = serde_json::from_slice(
            &std::fs::read(out.join(format!("{name}.receipt.json"))).unwrap(),
        )
        .unwrap();
        let digest = genesis
            .crypto_suite
            .hash_algorithm()
            .digest(format!("document {folder}/{file}").as_bytes());
        receipt.verify(&digest, &genesis).unwrap();
    }
    let written = walk_count(&out);
    assert_eq!(written, 5000);
}

fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk_count(&path)
            } else {
                usize::from(path.to_string_lossy().ends_with(".receipt.json"))
            }
        })
        .sum()
}
