//! The notarise -> verify flow on a chain whose genesis names the `sm` suite (SM2 + SM3).

use zl_tests::documents::{
    self, assert_zl_valid, read_receipt, receipt_path, verify_in_process, zl_verify,
};
use zl_tests::{text, Node};
use zl_types::HashAlgorithm;

#[test]
fn sm_chain_end_to_end() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let node = Node::dev(&dir.path().join("node"), "sm");
    let status = node.status();
    assert_eq!(status["crypto_suite"], "sm", "{status}");
    let key_text = std::fs::read_to_string(node.client_key()).expect("client key");
    assert!(
        key_text.contains("sm2:"),
        "the dev chain's member key is not an SM2 key: {key_text}"
    );

    let docs = dir.path().join("docs");
    let files = documents::write_documents(&docs, 7);
    node.notarize(&docs, Some("3"));
    assert_eq!(
        node.status()["evidence_log_size"],
        3,
        "7 files at 3 per transaction make 3 records"
    );

    let genesis_path = node.genesis_path();
    let genesis = documents::load_genesis(&genesis_path);
    for file in &files {
        let receipt = read_receipt(&receipt_path(file)).expect("a whole receipt");
        assert_eq!(
            receipt.record.digest_algorithm,
            HashAlgorithm::Sm3,
            "documents are hashed with SM3"
        );
        let digest = HashAlgorithm::Sm3.digest(&std::fs::read(file).expect("document"));
        assert_eq!(
            receipt.document.digest, digest,
            "the receipt holds the file's SM3 digest"
        );
        assert!(
            receipt.certificate.signatures[0]
                .validator
                .to_text()
                .starts_with("sm2:"),
            "signed with SM2"
        );
        verify_in_process(file, &receipt, &genesis).expect("the receipt verifies");
        assert_zl_valid(file, &receipt_path(file), &genesis_path);
    }
    let verdict = zl_verify(&files[0], &receipt_path(&files[0]), &genesis_path);
    assert!(
        verdict.stdout.contains("sm3"),
        "zl does not name the digest algorithm: {verdict:?}"
    );
    let digest_hex = read_receipt(&receipt_path(&files[0]))
        .expect("receipt")
        .document
        .digest
        .to_hex();
    let shown = node.zl(&["evidence", "show", &digest_hex]);
    assert!(
        shown.status.success(),
        "evidence show failed: {}",
        text(&shown)
    );

    std::fs::write(&files[0], b"changed after notarisation\n").expect("file changed");
    let verdict = zl_verify(&files[0], &receipt_path(&files[0]), &genesis_path);
    assert_eq!(
        verdict.code, 1,
        "a changed file was not refused: {verdict:?}"
    );
    assert!(verdict.stderr.contains("does not match"), "{verdict:?}");
}
