//! `zl object put|get|history` with a real `zld` whose object store is a real S3 server (moto)
//! on 127.0.0.1: a sealed subject is staged, committed and published; the chain holds only its
//! redacted body; its owner reads the full snapshot back (a stranger cannot); an invalid object
//! and an unsealed one are refused with their pointers; and with the S3 server down a put fails
//! with a clear error and nothing reaches the chain.

use serde_json::Value;
use std::path::Path;
use zl_tests::market::{login_as_market, open_market, zl_ok, MARKET_DID};
use zl_tests::moto::Moto;
use zl_tests::{path_str, set_config, text, Node};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../node/objects/tests/fixtures"
);
/// The personal name in subject-2 that must never reach the chain in clear.
fn personal_values(object: &Value) -> Vec<String> {
    let person = &object["body"]["subject_information"];
    let mut found = Vec::new();
    collect_strings(person, &mut found);
    found
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                if key.ends_with("_name") || key.ends_with("_id_number") {
                    if let Some(text) = member.as_str().filter(|t| t.chars().count() > 1) {
                        out.push(text.to_string());
                    }
                }
                collect_strings(member, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

fn seal(node: &Node, file: &str, key: &Path, out: &Path) {
    zl_ok(
        node,
        &[
            "object",
            "seal",
            "--file",
            file,
            "--key",
            path_str(key),
            "--out",
            path_str(out),
        ],
    );
}

#[test]
fn objects_are_put_through_an_s3_store_and_read_back_by_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("node");
    let mut moto = Moto::start("snapshots");
    Node::init(&home, "shanghai", "sm");
    set_config(&home, "objects", "store", "\"s3\"");
    set_config(&home, "objects", "s3_bucket", "\"snapshots\"");
    set_config(
        &home,
        "objects",
        "s3_endpoint",
        &format!("\"{}\"", moto.endpoint()),
    );
    // zld inherits the test's environment: the credentials never go in config.toml.
    std::env::set_var("ZL_S3_ACCESS_KEY_ID", "testing");
    std::env::set_var("ZL_S3_SECRET_ACCESS_KEY", "testing");
    let node = Node::start(&home);
    let seal_key = home.join("market-seal.key");
    let node_key = open_market(&node, &seal_key, dir.path());

    // Put: staged, committed, published; the answer is the record.
    // subject-2 as a create: version 0 (the fixture is a later version).
    let fixture = std::fs::read_to_string(format!("{FIXTURES}/subject-2.json")).unwrap();
    let mut created: Value = serde_json::from_str(&fixture).unwrap();
    created["header"]["content"]["version"] = Value::from(0);
    created["header"]["content"]["operation"] = Value::from("create");
    let unsealed = dir.path().join("subject-unsealed.json");
    std::fs::write(&unsealed, created.to_string()).unwrap();
    let sealed = dir.path().join("subject.json");
    seal(&node, path_str(&unsealed), &seal_key, &sealed);
    let object: Value = serde_json::from_str(&std::fs::read_to_string(&sealed).unwrap()).unwrap();
    let id = object["header"]["content"]["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = [
        "object",
        "put",
        "--file",
        path_str(&sealed),
        "--owner",
        MARKET_DID,
        "--key",
        path_str(&node_key),
    ];
    let record: Value = serde_json::from_str(&zl_ok(&node, &put)).expect("the record as JSON");
    assert_eq!(record["object_id"], id.as_str());
    assert_eq!(record["version"], 0);
    assert_eq!(record["owner"], MARKET_DID);

    // On chain: no personal value in clear, in the object's answer or its history.
    let secrets = personal_values(&object);
    assert!(!secrets.is_empty(), "subject-2 names people");
    let on_chain =
        zl_ok(&node, &["object", "get", &id]) + &zl_ok(&node, &["object", "history", &id]);
    for secret in &secrets {
        assert!(
            !on_chain.contains(secret.as_str()),
            "{secret} is on chain in clear"
        );
    }
    assert!(on_chain.contains("sm3:"), "redacted digests are there");

    // The owner reads the full snapshot, exactly as sealed; without a token it is refused.
    let refused = node.zl(&["object", "get", &id, "--version", "0", "--full"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("--full needs a login token"),
        "{}",
        text(&refused)
    );
    let token = login_as_market(&node, &seal_key);
    let full = zl_ok(
        &node,
        &[
            "object",
            "get",
            &id,
            "--version",
            "0",
            "--full",
            "--token",
            &token,
        ],
    );
    let full: Value = serde_json::from_str(&full).unwrap();
    assert_eq!(
        full["object"], object,
        "the full snapshot is the sealed object"
    );
    assert_eq!(full["salt"].as_str().map(str::len), Some(64));
    assert_eq!(
        full["proof"]["record"]["snapshot_digest"],
        record["snapshot_digest"]
    );

    // Refusals at the entry node, each with its pointer; nothing is staged or submitted.
    let mut broken = object.clone();
    broken["body"]["subject_information"]["unknown_member"] = Value::from(1);
    let broken_file = dir.path().join("broken.json");
    std::fs::write(&broken_file, broken.to_string()).unwrap();
    let out = node.zl(&[
        "object",
        "put",
        "--file",
        path_str(&broken_file),
        "--owner",
        MARKET_DID,
        "--key",
        path_str(&node_key),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("/body/subject_information/unknown_member"),
        "{}",
        text(&out)
    );

    // The store goes down: a new object cannot be staged, so nothing is committed.
    moto.stop();
    let mut other = object.clone();
    other["header"]["content"]["object_id"] = Value::from("SUBJECT-DOWN");
    let other_file = dir.path().join("other.json");
    std::fs::write(&other_file, other.to_string()).unwrap();
    let other_sealed = dir.path().join("other-sealed.json");
    seal(&node, path_str(&other_file), &seal_key, &other_sealed);
    let height = node.height();
    let out = node.zl(&[
        "object",
        "put",
        "--file",
        path_str(&other_sealed),
        "--owner",
        MARKET_DID,
        "--key",
        path_str(&node_key),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let message = text(&out);
    assert!(
        message.contains("store_unavailable") && message.contains(&moto.endpoint()),
        "{message}"
    );
    assert!(message.contains("nothing was staged"), "{message}");
    let missing = node.zl(&["object", "get", "SUBJECT-DOWN"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert_eq!(node.height(), height, "no transaction was submitted");
}
