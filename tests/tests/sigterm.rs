//! SIGTERM stops the node cleanly; started again, it holds the same chain and continues it.

use zl_tests::documents::{self, read_receipt, receipt_path};
use zl_tests::{http, text, Node};

#[test]
fn sigterm_stops_cleanly_and_restart_continues() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("node");
    let node = Node::dev(&home, "ed25519");
    let files = documents::write_documents(&dir.path().join("docs"), 2);
    node.notarize(&files[0], None);
    let before = node.status();
    let height = before["height"].as_u64().expect("a height");
    assert!(height >= 1, "no block committed: {before}");

    let status = node.terminate();
    assert!(
        status.success(),
        "zld did not exit cleanly on SIGTERM: {status}"
    );

    let node = Node::start(&home);
    let after = node.status();
    for field in [
        "height",
        "latest_block_hash",
        "evidence_log_size",
        "genesis_hash",
    ] {
        assert_eq!(
            after[field], before[field],
            "{field} differs after the restart"
        );
    }
    let digest = read_receipt(&receipt_path(&files[0]))
        .expect("receipt")
        .document
        .digest
        .to_hex();
    let shown = node.zl(&["evidence", "show", &digest]);
    assert!(
        shown.status.success(),
        "evidence show failed after the restart: {}",
        text(&shown)
    );
    assert!(
        text(&shown).contains(&digest),
        "evidence show does not name the digest: {}",
        text(&shown)
    );
    let answer = http::get(&node.url, &format!("/v1/evidence/{digest}"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let found = answer.json();
    let records = found["records"].as_array().expect("records");
    assert_eq!(records.len(), 1, "{found}");
    assert_eq!(
        records[0]["receipt"]["document"]["digest"],
        digest.as_str(),
        "{found}"
    );

    // The restarted node takes new work at the next height.
    node.notarize(&files[1], None);
    assert_eq!(
        node.height(),
        height + 1,
        "the chain continues at the next height"
    );
    let block = node.get(&format!("/v1/blocks/{}", height + 1));
    assert_eq!(
        block["header"]["previous_hash"], before["latest_block_hash"],
        "{block}"
    );
}
