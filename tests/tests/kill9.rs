//! kill -9 of the node while `zl evidence notarize` has hundreds of transactions in flight:
//! nothing acknowledged is lost, every receipt written verifies, and the chain continues.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;
use zl_tests::documents::{self, assert_zl_valid, read_receipt, receipt_path, verify_in_process};
use zl_tests::wait::wait_until;
use zl_tests::{path_str, set_config, text, Node};

/// Files notarised; at 5 per transaction, 600 transactions.
const FILES: usize = 3_000;
/// Documents per transaction.
const DOCUMENTS_PER_TX: usize = 5;
/// Files of the run killed while zl writes receipts.
const RECEIPT_PHASE_FILES: usize = 2_000;
/// Transactions per block: one, so the run spans hundreds of blocks and the kill lands mid-run.
const BLOCK_TRANSACTIONS_MAX: &str = "1";
/// The height at which the node is killed, at least.
const KILL_AT_HEIGHT: u64 = 3;
/// Receipts checked with the `zl` binary (all are checked in process).
const ZL_VERIFY_SAMPLE: usize = 50;
/// How long the test waits for the node to reach [`KILL_AT_HEIGHT`].
const HEIGHT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long zl gets to notice that its node is gone and exit by itself.
const ZL_GIVE_UP_TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn kill9_while_notarising_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = Run::prepare(dir.path(), FILES, Some(BLOCK_TRANSACTIONS_MAX));

    // Phase 1: notarise in the background and kill -9 the node once blocks are being committed.
    let node = Node::start(&run.home);
    let mut client = node.zl_spawn(&run.notarize(), &dir.path().join("zl-1"));
    // zl writes each receipt as its transaction commits: kill once blocks are being committed
    // and receipts are being written, with most transactions still in flight.
    let seen_height = wait_until("the node to commit a few blocks", HEIGHT_TIMEOUT, || {
        let height = node.height();
        let receipts = documents::receipts_in(&run.docs).len();
        (height >= KILL_AT_HEIGHT && receipts > 0).then_some(height)
    });
    node.kill9();
    let status = client.wait_timeout(ZL_GIVE_UP_TIMEOUT).unwrap_or_else(|| {
        panic!(
            "zl did not give up within {ZL_GIVE_UP_TIMEOUT:?} of its node dying:\n{}",
            client.output_text()
        )
    });
    run.check_exit(status, &client.output_text());
    let receipts_at_kill = documents::receipts_in(&run.docs).len();
    assert!(
        receipts_at_kill > 0,
        "receipts are written as transactions commit"
    );
    eprintln!("killed at height >= {seen_height}; {receipts_at_kill} receipts written");

    // Phase 2: restart. Every committed block is still there, and every receipt written verifies.
    let node = run.restart(seen_height);
    let log_size = node.status()["evidence_log_size"]
        .as_u64()
        .expect("status has the log size");
    let transactions = (FILES / DOCUMENTS_PER_TX) as u64;
    assert!(
        log_size < transactions,
        "all {transactions} transactions committed before the kill landed: none was in flight"
    );

    // Phase 3: notarise the same folder again, to completion; the chain continues.
    run.notarize_again(&node);
}

#[test]
fn kill9_while_receipts_are_written_keeps_every_written_receipt_valid() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let run = Run::prepare(dir.path(), RECEIPT_PHASE_FILES, None);

    let node = Node::start(&run.home);
    let mut client = node.zl_spawn(&run.notarize(), &dir.path().join("zl-1"));
    wait_until("zl to write its first receipt", HEIGHT_TIMEOUT, || {
        (!documents::receipts_in(&run.docs).is_empty()).then_some(())
    });
    let seen_height = node.height();
    node.kill9();
    let status = client.wait_timeout(ZL_GIVE_UP_TIMEOUT).unwrap_or_else(|| {
        panic!(
            "zl did not exit within {ZL_GIVE_UP_TIMEOUT:?} of its node dying:\n{}",
            client.output_text()
        )
    });
    run.check_exit(status, &client.output_text());

    let node = run.restart(seen_height);
    run.notarize_again(&node);
}

/// One kill -9 scenario: a node home, a folder of documents, and the checks.
struct Run {
    home: PathBuf,
    docs: PathBuf,
    files: Vec<PathBuf>,
    genesis_path: PathBuf,
    genesis: zl_types::Genesis,
    key: PathBuf,
    documents_per_tx: String,
}

impl Run {
    /// A node home (chain `dev`, ed25519; `block_transactions_max` if given) and `count` documents.
    fn prepare(dir: &Path, count: usize, block_transactions_max: Option<&str>) -> Run {
        let home = dir.join("node");
        Node::init(&home, "dev", "ed25519");
        if let Some(max) = block_transactions_max {
            set_config(&home, "block", "transactions_max", max);
        }
        let docs = dir.join("docs");
        let files = documents::write_documents(&docs, count);
        let genesis_path = home.join("genesis.json");
        let genesis = documents::load_genesis(&genesis_path);
        let key = home.join("client.key");
        Run {
            home,
            docs,
            files,
            genesis_path,
            genesis,
            key,
            documents_per_tx: DOCUMENTS_PER_TX.to_string(),
        }
    }

    /// `zl evidence notarize` of the folder, [`DOCUMENTS_PER_TX`] per transaction.
    fn notarize(&self) -> Vec<&str> {
        let per_tx = self.documents_per_tx.as_str();
        vec![
            "evidence",
            "notarize",
            "--key",
            path_str(&self.key),
            "--documents-per-tx",
            per_tx,
            path_str(&self.docs),
        ]
    }

    /// zl may report success only when every file got its receipt.
    fn check_exit(&self, status: ExitStatus, output: &str) {
        let receipts = documents::receipts_in(&self.docs).len();
        if status.success() {
            assert_eq!(
                receipts,
                self.files.len(),
                "zl reported success with files left without receipts:\n{output}"
            );
        } else {
            eprintln!(
                "zl failed as its node died ({status}), leaving {receipts} of {} receipts",
                self.files.len()
            );
        }
    }

    /// Checks the receipts written so far, restarts the node and checks it kept every block seen.
    fn restart(&self, seen_height: u64) -> Node {
        let receipts = checked_receipts(&self.docs, &self.files, &self.genesis);
        let highest_seen = receipts
            .values()
            .copied()
            .chain([seen_height])
            .max()
            .expect("one height at least");
        let node = Node::start(&self.home);
        let height = node.height();
        assert!(
            height >= highest_seen,
            "the restarted node is at height {height}, below height {highest_seen} seen before the kill"
        );
        let step = (receipts.len() / ZL_VERIFY_SAMPLE).max(1);
        for receipt in receipts.keys().step_by(step) {
            assert_zl_valid(&document_of(receipt), receipt, &self.genesis_path);
        }
        node
    }

    /// Notarises the folder again to completion: the first new block follows the height the
    /// node stopped at, the chain links up, and every file has a valid receipt.
    fn notarize_again(&self, node: &Node) {
        let restarted_height = node.height();
        let output = node.zl(&self.notarize());
        assert!(
            output.status.success(),
            "the second notarisation failed: {}",
            text(&output)
        );
        let final_height = node.height();
        assert!(
            final_height > restarted_height,
            "no block after the restart: {}",
            text(&output)
        );
        check_chain_links(node, restarted_height, final_height);
        let receipts = checked_receipts(&self.docs, &self.files, &self.genesis);
        assert_eq!(
            receipts.len(),
            self.files.len(),
            "every file has a receipt after the second run"
        );
        let first_new = receipts
            .values()
            .copied()
            .filter(|h| *h > restarted_height)
            .min();
        assert_eq!(
            first_new,
            Some(restarted_height + 1),
            "the second run's first block follows the stopped height"
        );
        let step = (self.files.len() / ZL_VERIFY_SAMPLE).max(1);
        for file in self.files.iter().step_by(step) {
            assert_zl_valid(file, &receipt_path(file), &self.genesis_path);
        }
    }
}

/// Reads every receipt in `docs`, checks that each is whole JSON of a receipt and verifies in
/// process for its file; returns each receipt's block height.
fn checked_receipts(
    docs: &Path,
    files: &[PathBuf],
    genesis: &zl_types::Genesis,
) -> BTreeMap<PathBuf, u64> {
    let mut heights = BTreeMap::new();
    for receipt_file in documents::receipts_in(docs) {
        let receipt =
            read_receipt(&receipt_file).unwrap_or_else(|e| panic!("half-written receipt: {e}"));
        let file = document_of(&receipt_file);
        assert!(
            files.contains(&file),
            "a receipt for a file that was not notarised: {}",
            receipt_file.display()
        );
        let proven = verify_in_process(&file, &receipt, genesis)
            .unwrap_or_else(|e| panic!("receipt does not verify: {e}"));
        heights.insert(receipt_file, proven.height);
    }
    heights
}

/// The file a receipt beside it belongs to.
fn document_of(receipt: &Path) -> PathBuf {
    let name = path_str(receipt)
        .strip_suffix(documents::RECEIPT_SUFFIX)
        .expect("a receipt path");
    PathBuf::from(name)
}

/// Blocks `from..=to` exist and each names the one before it as its previous block.
fn check_chain_links(node: &Node, from: u64, to: u64) {
    let mut previous = node.get(&format!("/v1/blocks/{from}"));
    assert_eq!(
        previous["height"].as_u64(),
        Some(from),
        "block {from} is there after the restart: {previous}"
    );
    for height in from + 1..=to {
        let block = node.get(&format!("/v1/blocks/{height}"));
        assert_eq!(
            block["height"].as_u64(),
            Some(height),
            "block {height} exists: {block}"
        );
        assert_eq!(
            block["header"]["previous_hash"],
            previous["hash"],
            "block {height} does not follow block {}",
            height - 1
        );
        previous = block;
    }
}
