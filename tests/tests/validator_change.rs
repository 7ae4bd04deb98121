//! Four real validators change their validator set by governance; receipts of blocks signed by
//! the new set carry the recorded change and still verify offline against the genesis alone.

use zl_tests::documents::{assert_zl_valid, load_genesis, read_receipt, receipt_path};
use zl_tests::testnet::Testnet;
use zl_tests::{path_str, text, Node};

const VALIDATORS: usize = 4;

/// Runs `zl governance ...` through `node`, asserting success; returns stdout.
fn governance(node: &Node, args: &[&str]) -> String {
    let mut all = vec!["governance"];
    all.extend_from_slice(args);
    let output = node.zl(&all);
    assert!(output.status.success(), "zl {all:?}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_governed_validator_set_change_is_followed_by_receipts_that_verify_from_the_genesis() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let net = Testnet::create(dir.path(), VALIDATORS, 0);
    let nodes: Vec<Node> = (0..VALIDATORS).map(|i| net.start(i)).collect();
    let genesis = load_genesis(&net.genesis());
    let first = &genesis.validators.validators[0];

    // Governor 0 proposes doubling validator 0's power; governors 1 and 2 approve (3 of 4).
    let action = format!(
        r#"{{"type": "set_validator", "validator": {{"name": "{}", "public_key": "{}", "power": 2}}}}"#,
        first.name, first.public_key
    );
    let key = |i: usize| net.home(i).join("node.key");
    let proposed = governance(
        &nodes[0],
        &["propose", "--key", path_str(&key(0)), "--action", &action],
    );
    let id = proposed
        .lines()
        .find_map(|line| line.strip_prefix("proposal "))
        .expect("the proposal id is printed")
        .trim()
        .to_string();
    for i in [1, 2] {
        governance(
            &nodes[i],
            &[
                "vote",
                "--key",
                path_str(&key(i)),
                "--proposal",
                &id,
                "--approve",
            ],
        );
    }

    // The third approval decided the change in the tip's block; it signs from two heights on.
    let decided = nodes[2].height();
    let answer = nodes[3].get(&format!("/v1/validators?height={}", decided + 2));
    let first_power = answer["validators"][0]["power"].as_u64();
    assert_eq!(
        first_power,
        Some(2),
        "the set of height {}: {answer}",
        decided + 2
    );

    // Evidence notarised from then on is certified by the new set (one block per notarisation);
    // its receipt carries the recorded change and verifies offline from the genesis alone.
    let mut heights = Vec::new();
    let receipt = (0..4).find_map(|i| {
        let file = dir.path().join(format!("after-the-change-{i}.txt"));
        std::fs::write(&file, format!("file {i} after the change")).unwrap();
        let output = nodes[2].notarize(&file, None);
        assert!(output.status.success(), "notarize: {}", text(&output));
        let receipt = read_receipt(&receipt_path(&file)).expect("a receipt");
        heights.push(receipt.header.height);
        (receipt.header.height >= decided + 2).then_some((file, receipt))
    });
    let (file, receipt) =
        receipt.unwrap_or_else(|| panic!("no block at or after {} in {heights:?}", decided + 2));
    assert_eq!(
        receipt.validator_set_changes.len(),
        1,
        "one recorded change"
    );
    let change = &receipt.validator_set_changes[0];
    assert_eq!(change.height, decided + 2);
    assert_eq!(change.validators.validators[0].power, 2);
    assert_zl_valid(&file, &receipt_path(&file), &net.genesis());
}
