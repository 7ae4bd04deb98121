//! Only registered members may submit: a fresh key is refused by `zl` and by the API alike.

use zl_tests::documents::{self, receipt_path};
use zl_tests::sign::{load_key, Signer};
use zl_tests::{http, path_str, text, zl, Node};
use zl_types::HashAlgorithm;

#[test]
fn a_key_that_is_not_a_member_is_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let node = Node::dev(&dir.path().join("node"), "ed25519");
    let stranger = dir.path().join("stranger.key");
    let created = zl(&["keys", "new", "--out", path_str(&stranger)]);
    assert!(
        created.status.success(),
        "zl keys new failed: {}",
        text(&created)
    );
    let files = documents::write_documents(&dir.path().join("docs"), 1);
    let before = node.status();

    let output = node.zl(&[
        "evidence",
        "notarize",
        "--key",
        path_str(&stranger),
        path_str(&files[0]),
    ]);
    assert!(
        !output.status.success(),
        "a non-member notarised: {}",
        text(&output)
    );
    assert!(
        text(&output).contains("not a registered member"),
        "zl does not say why: {}",
        text(&output)
    );
    assert!(
        !receipt_path(&files[0]).exists(),
        "a receipt was written for a refused transaction"
    );

    let signer = Signer::new(&node, load_key(&stranger));
    let digest = HashAlgorithm::Sha256.digest(&std::fs::read(&files[0]).expect("document"));
    let signed = signer.notarize("stranger", vec![digest]);
    let answer = http::post(&node.url, "/v1/transactions", &signed.json());
    let message = answer.assert_error(403, "not_a_member");
    assert!(
        message.contains("not a registered member"),
        "the message does not say why: {message}"
    );

    let after = node.status();
    for field in ["height", "evidence_log_size", "mempool_transactions"] {
        assert_eq!(
            after[field], before[field],
            "{field} changed: {before} -> {after}"
        );
    }
    http::get(&node.url, &format!("/v1/transactions/{}", signed.id)).assert_error(404, "not_found");
}
