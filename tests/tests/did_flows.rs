//! The three JR/T 0325 §10 data-flow models as docs/examples/did-flows runs them: the scripts
//! themselves, with the real `zl` on PATH, against a real `zld`, so the documented examples
//! cannot rot.

use serde_json::json;
use std::path::Path;
use std::process::Command;
use zl_tests::sign::load_key;
use zl_tests::{bin, path_str, text, Node};

fn run(script: &str, work: &Path, node: &Node, node_key: &Path) -> String {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/did-flows");
    let bin_dir = bin("zl").parent().expect("a directory").to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .arg(examples.join(script))
        .env("PATH", path)
        .env("ZL_NODE", &node.url)
        .env("NODE_KEY", node_key)
        .env("WORK", work)
        .output()
        .expect("bash runs");
    let out = text(&output);
    assert!(output.status.success(), "{script} failed:\n{out}");
    out
}

#[test]
fn the_three_data_flow_models_run_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let node = Node::start(&home);
    let node_key = home.join("node.key");
    let public = load_key(&node_key).public_key();
    let roles = json!({"type": "set_roles", "public_key": public,
        "roles": ["validator", "governor", "did_authority", "submitter"]});
    let out = node.zl(&[
        "governance",
        "propose",
        "--key",
        path_str(&node_key),
        "--action",
        &roles.to_string(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();

    let setup = run("setup.sh", &work, &node, &node_key);
    assert_eq!(
        setup.matches("created did:rem:shanghai:").count(),
        4,
        "{setup}"
    );
    let subject = run("10.1-subject-centred.sh", &work, &node, &node_key);
    assert!(subject.contains("valid (verified by the node"), "{subject}");
    let agent = run("10.2-agent.sh", &work, &node, &node_key);
    assert_eq!(
        agent.matches("valid (verified by the node").count(),
        1,
        "{agent}"
    );
    assert!(
        agent.contains("INVALID") && agent.contains("carries no authorisation credential"),
        "{agent}"
    );
    let institution = run("10.3-institution-centred.sh", &work, &node, &node_key);
    assert_eq!(
        institution.matches("valid (verified by the node").count(),
        2,
        "{institution}"
    );
    assert!(institution.contains("valid (offline)"), "{institution}");
}
