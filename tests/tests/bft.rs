//! Four real validators on 127.0.0.1: evidence keeps committing while one is killed and
//! restarted and while one is frozen; all end with identical blocks; nothing acknowledged is
//! lost; receipts verify offline against the genesis; a new full node syncs from scratch and its
//! receipts verify; a node whose transport key is not a member cannot connect.

use std::path::Path;
use std::time::Duration;
use zl_tests::documents::{assert_zl_valid, receipt_path, receipts_in, write_documents};
use zl_tests::testnet::{signal, Testnet};
use zl_tests::wait::wait_until;
use zl_tests::{path_str, set_config, text, zl, Node};

/// Validators of the network.
const VALIDATORS: usize = 4;
/// Files notarised in each phase.
const FILES: usize = 600;
/// Documents per transaction, so a phase spans several blocks.
const DOCUMENTS_PER_TX: &str = "2";
/// How long a phase may take (timeouts of a round with a validator down are seconds).
const PHASE_TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn four_validators_survive_a_crash_and_a_freeze_and_a_new_node_syncs() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let net = Testnet::create(dir.path(), VALIDATORS, 1);
    let mut nodes: Vec<Option<Node>> = (0..VALIDATORS).map(|i| Some(net.start(i))).collect();

    // Phase 1: notarise through node0 while node1 is killed -9 and restarted.
    let docs1 = dir.path().join("docs1");
    write_documents(&docs1, FILES);
    let node0 = nodes[0].as_ref().expect("running");
    let mut client = node0.zl_spawn(
        &[
            "evidence",
            "notarize",
            "--key",
            path_str(&net.client_key()),
            "--documents-per-tx",
            DOCUMENTS_PER_TX,
            path_str(&docs1),
        ],
        &dir.path().join("zl-1"),
    );
    wait_until("a first receipt", PHASE_TIMEOUT, || {
        (!receipts_in(&docs1).is_empty()).then_some(())
    });
    nodes[1].take().expect("running").kill9();
    let status = client
        .wait_timeout(PHASE_TIMEOUT)
        .expect("notarisation ends");
    assert!(
        status.success(),
        "notarise with node1 down: {}",
        client.output_text()
    );
    nodes[1] = Some(net.start(1));

    // Phase 2: notarise through node3 while node2 is frozen (SIGSTOP), then thaw it.
    let frozen = nodes[2].as_ref().expect("running").pid();
    signal(frozen, "STOP");
    let docs2 = dir.path().join("docs2");
    write_documents(&docs2, FILES);
    let outcome = nodes[3]
        .as_ref()
        .expect("running")
        .notarize(&docs2, Some(DOCUMENTS_PER_TX));
    signal(frozen, "CONT");
    assert!(outcome.status.success());

    // Everyone, including the restarted and the thawed validator, ends with the same chain.
    let running: Vec<&Node> = nodes.iter().map(|n| n.as_ref().expect("running")).collect();
    let height = running[3].height();
    for node in &running {
        wait_until("every validator to reach the height", PHASE_TIMEOUT, || {
            (node.height() >= height).then_some(())
        });
    }
    assert_same_blocks(&running, height);

    // Nothing acknowledged is lost: every file has a receipt, and receipts verify offline.
    for docs in [&docs1, &docs2] {
        assert_eq!(
            receipts_in(docs).len(),
            FILES,
            "every file of {} has its receipt",
            docs.display()
        );
        for file in std::fs::read_dir(docs)
            .expect("docs")
            .map(|e| e.expect("entry").path())
            .filter(|p| !p.to_string_lossy().ends_with(".receipt.json"))
            .take(10)
        {
            assert_zl_valid(&file, &receipt_path(&file), &net.genesis());
        }
    }

    // A full node that was never started syncs from scratch and serves verifiable receipts.
    let full = net.start(VALIDATORS);
    wait_until("the full node to catch up", PHASE_TIMEOUT, || {
        (full.height() >= height).then_some(())
    });
    let mut all = running.clone();
    all.push(&full);
    assert_same_blocks(&all, height);
    let docs3 = dir.path().join("docs3");
    write_documents(&docs3, 3);
    full.notarize(&docs3, None);
    for file in std::fs::read_dir(&docs3)
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.to_string_lossy().ends_with(".receipt.json"))
    {
        assert_zl_valid(&file, &receipt_path(&file), &net.genesis());
    }

    // A node with the chain's genesis but a transport key that is no member is refused.
    let outsider = outsider_home(dir.path(), &net);
    let stranger = Node::start(&outsider);
    let before = running[0].height();
    let docs4 = dir.path().join("docs4");
    write_documents(&docs4, 3);
    running[0].notarize(&docs4, None);
    wait_until("a block after the outsider started", PHASE_TIMEOUT, || {
        (running[0].height() > before).then_some(())
    });
    let metrics = zl_tests::http::request("GET", &format!("{}/metrics", stranger.url), None);
    assert!(
        metrics.body.contains("zl_peers 0"),
        "the outsider has no peers:\n{}",
        metrics.body
    );
    assert_eq!(stranger.height(), 0, "the outsider received no block");
}

/// Every node has the same block hash at every height up to `height`.
fn assert_same_blocks(nodes: &[&Node], height: u64) {
    for h in 1..=height {
        let hashes: Vec<String> = nodes
            .iter()
            .map(|n| {
                n.get(&format!("/v1/blocks/{h}"))["hash"]
                    .as_str()
                    .expect("hash")
                    .to_string()
            })
            .collect();
        assert!(
            hashes.iter().all(|x| x == &hashes[0]),
            "height {h}: {hashes:?}"
        );
    }
}

/// A copy of the full node's home with a fresh transport key that no member holds, and its
/// own ports, dialling node0.
fn outsider_home(dir: &Path, net: &Testnet) -> std::path::PathBuf {
    let home = dir.join("outsider");
    std::fs::create_dir_all(&home).expect("outsider home");
    for file in ["genesis.json", "node.key", "config.toml", "client.key"] {
        std::fs::copy(net.home(VALIDATORS).join(file), home.join(file)).expect("copy");
    }
    let key = home.join("transport.key");
    let output = zl(&["keys", "new", "--suite", "ed25519", "--out", path_str(&key)]);
    assert!(output.status.success(), "zl keys new: {}", text(&output));
    set_config(&home, "api", "listen", "\"127.0.0.1:0\"");
    set_config(&home, "p2p", "listen", "\"127.0.0.1:0\"");
    home
}
