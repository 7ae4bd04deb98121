//! PROTOCOL §22 snapshot records: the `record` vector of `docs/test-vectors-objects.json`
//! recomputed — a record's leaf bytes (RFC 8785), its leaf hash under both suites' hashes, a
//! block's object root over two records, and the snapshot digest of a full object.
//! `ZL_WRITE_VECTORS=1` rewrites the vector.

use serde_json::{json, Value};
use zl_types::object::{object_root, snapshot_digest, SnapshotRecord};
use zl_types::{Hash, HashAlgorithm};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/test-vectors-objects.json"
);

fn full_object() -> Value {
    json!({
        "header": {"model": {"protocol": "区域性股权市场跨链业务数据模型", "version": "2.0.0"},
                   "content": {"type": "account", "object_id": "SH0001", "version": 0,
                               "operation": "create", "timestamp": 1626775775}},
        "body": {"account_information": {"basic_account_information": {
            "account_subject_ref": "C57B91FE/0", "account_depository_ref": "M001/0",
            "account_balance": 58.69}}}
    })
}

fn record(version: u64, revision: u32) -> SnapshotRecord {
    let object = full_object();
    SnapshotRecord {
        object_id: "SH0001".into(),
        version,
        revision,
        owner: "did:rem:shanghai:91310000564759688N".into(),
        header: object["header"].clone(),
        body: object["body"].clone(),
        snapshot_digest: snapshot_digest(&object).expect("a digest"),
        references: vec!["C57B91FE/0".into(), "M001/0".into()],
        height: 7,
        tx_id: Hash([0xab; 32]),
    }
}

fn computed() -> Value {
    let first = record(0, 0);
    let second = record(0, 1);
    json!({
        "full_object": full_object(),
        "snapshot_digest": snapshot_digest(&full_object()).unwrap(),
        "record": first,
        "leaf_data": String::from_utf8(first.leaf_data()).unwrap(),
        "leaf_hash_sm3": first.leaf_hash(HashAlgorithm::Sm3),
        "leaf_hash_sha256": first.leaf_hash(HashAlgorithm::Sha256),
        "second_record": second,
        "object_root_sm3": object_root(HashAlgorithm::Sm3, &[first.clone(), second.clone()]),
        "object_root_sha256": object_root(HashAlgorithm::Sha256, &[first, second]),
    })
}

#[test]
fn the_record_vector_recomputes() {
    let text = std::fs::read_to_string(FILE).expect("docs/test-vectors-objects.json");
    let mut file: Value = serde_json::from_str(&text).expect("JSON");
    if std::env::var_os("ZL_WRITE_VECTORS").is_some() {
        file["record"] = computed();
        let text = serde_json::to_string_pretty(&file).unwrap() + "\n";
        std::fs::write(FILE, text).unwrap();
    }
    assert_eq!(file["record"], computed(), "PROTOCOL §22 record vector");
    // The leaf bytes are the record's canonical JSON: keys sorted, 58.69 kept, no spaces.
    let leaf = file["record"]["leaf_data"].as_str().unwrap();
    assert!(
        leaf.starts_with("{\"body\":{\"account_information\""),
        "{leaf}"
    );
    assert!(leaf.contains("\"account_balance\":58.69"), "{leaf}");
}
