//! `zl testnet`: the node homes it writes load as zld would load them, share one valid genesis
//! and distinct ports, keep keys private, and a non-empty directory needs --force.

mod common;

use common::{s, zl};
use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use zl_config::NodeConfig;
use zl_types::{CryptoSuite, Genesis, KeyFile, Role};

fn key_file(path: &Path) -> KeyFile {
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn four_validators_and_a_full_node() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    let run = zl(
        &[
            "testnet",
            "--validators",
            "4",
            "--full-nodes",
            "1",
            "--out",
            s(&out),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .contains(&format!("zld start --home {}/node4", out.display())));
    assert!(
        run.stdout.contains("http://127.0.0.1:27000"),
        "{}",
        run.stdout
    );

    let genesis_text = std::fs::read_to_string(out.join("genesis.json")).unwrap();
    let genesis = Genesis::from_json(&genesis_text).unwrap();
    assert_eq!(genesis.chain_id, "testnet");
    assert_eq!(genesis.crypto_suite, CryptoSuite::Ed25519);
    assert_eq!(genesis.validators.validators.len(), 4);
    let transport_keys = genesis.members.iter().filter(|m| m.transport_key.is_some());
    assert_eq!(transport_keys.count(), 5);
    let client = key_file(&out.join("client.key"));
    assert_eq!(
        genesis.member(&client.public_key).unwrap().roles,
        [Role::Submitter]
    );

    let mut ports = HashSet::new();
    for index in 0..5 {
        let home = out.join(format!("node{index}"));
        assert_eq!(
            std::fs::read_to_string(home.join("genesis.json")).unwrap(),
            genesis_text
        );
        let config = NodeConfig::load(&home).unwrap();
        assert!(ports.insert(config.api_listen.port()));
        assert!(ports.insert(config.p2p_listen.port()));
        assert_eq!(
            config.api_listen.to_string(),
            format!("127.0.0.1:{}", 27000 + index)
        );
        assert_eq!(
            config.p2p_listen.to_string(),
            format!("127.0.0.1:{}", 27100 + index)
        );
        // Every other node's peer address, never its own.
        assert_eq!(config.p2p_peers.len(), 4);
        assert!(!config.p2p_peers.contains(&config.p2p_listen));

        let chain_key = key_file(&config.key_path);
        let transport_key = key_file(&config.transport_key_path);
        assert_eq!(transport_key.suite, CryptoSuite::Ed25519);
        let member = genesis
            .member_by_transport_key(&transport_key.public_key)
            .unwrap();
        assert_eq!(member.public_key, chain_key.public_key);
        let is_validator = genesis
            .validators
            .validators
            .iter()
            .any(|v| v.public_key == chain_key.public_key && v.name == format!("node{index}"));
        assert_eq!(is_validator, index < 4);
        let roles: &[Role] = if index < 4 {
            &[Role::Validator, Role::Governor]
        } else {
            &[]
        };
        assert_eq!(member.roles, roles);
    }
    assert_eq!(ports.len(), 10);

    // A non-empty directory is refused and left as it was, unless --force.
    let again = zl(&["testnet", "--validators", "2", "--out", s(&out)], &[]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("is not empty"), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("genesis.json")).unwrap(),
        genesis_text
    );
    let forced = zl(
        &["testnet", "--validators", "2", "--out", s(&out), "--force"],
        &[],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let genesis = Genesis::from_json(&std::fs::read_to_string(out.join("genesis.json")).unwrap());
    assert_eq!(genesis.unwrap().validators.validators.len(), 2);
    // The homes of the larger testnet are gone, so none holds a stale genesis.
    assert!(out.join("node1").is_dir() && !out.join("node2").exists());
    assert!(!out.join("node4").exists());
}

#[test]
fn sm_chain_keys_with_ed25519_transport_keys_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sm");
    let args = [
        "testnet",
        "--validators",
        "1",
        "--suite",
        "sm",
        "--base-port",
        "31000",
        "--chain-id",
        "shanghai",
        "--out",
        s(&out),
    ];
    let run = zl(&args, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let genesis =
        Genesis::from_json(&std::fs::read_to_string(out.join("node0/genesis.json")).unwrap())
            .unwrap();
    assert_eq!(
        (genesis.chain_id.as_str(), genesis.crypto_suite),
        ("shanghai", CryptoSuite::Sm)
    );
    assert_eq!(key_file(&out.join("node0/node.key")).suite, CryptoSuite::Sm);
    assert_eq!(
        key_file(&out.join("node0/transport.key")).suite,
        CryptoSuite::Ed25519
    );
    let config = NodeConfig::load(&out.join("node0")).unwrap();
    assert_eq!(config.api_listen.to_string(), "127.0.0.1:31000");
    assert!(config.p2p_peers.is_empty());
}

#[test]
fn bad_options_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad");
    let cases: [(&[&str], &str); 4] = [
        (&["--validators", "0"], "1..=64"),
        (&["--validators", "64", "--full-nodes", "40"], "at most 100"),
        (
            &["--validators", "4", "--base-port", "65433"],
            "base port of at most 65432",
        ),
        (&["--validators", "4", "--chain-id", "Bad"], "chain id"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["testnet", "--out", s(&out)];
        args.extend_from_slice(extra);
        let run = zl(&args, &[]);
        assert_eq!(run.code, 2, "{extra:?}");
        assert!(run.stderr.contains(expected), "{extra:?}: {}", run.stderr);
        assert!(!out.exists(), "{extra:?}");
    }
}
