//! Three nodes form a mesh and exchange messages on both channels.

mod common;

use std::collections::BTreeSet;

use common::{any_port, config, key, keys, Node};
use zl_network::{Channel, NetworkError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_form_a_mesh_and_broadcast_on_both_channels() {
    let all = [0, 1, 2];
    let mut n0 = Node::start(config(0, any_port(), vec![], &all)).await;
    let mut n1 = Node::start(config(1, any_port(), vec![n0.addr], &all)).await;
    let mut n2 = Node::start(config(2, any_port(), vec![n0.addr, n1.addr], &all)).await;
    n0.wait_connected(&keys(&[1, 2])).await;
    n1.wait_connected(&keys(&[0, 2])).await;
    n2.wait_connected(&keys(&[0, 1])).await;
    assert_eq!(n0.handle.peers(), sorted(keys(&[1, 2])));

    let mut nodes = [n0, n1, n2];
    for node in &nodes {
        let name = node.key.to_string();
        node.handle
            .broadcast(Channel::Consensus, format!("vote from {name}").into_bytes())
            .unwrap();
        node.handle
            .broadcast(
                Channel::Transactions,
                format!("batch from {name}").into_bytes(),
            )
            .unwrap();
    }
    for index in 0..3u8 {
        let node = &mut nodes[usize::from(index)];
        let mut received = BTreeSet::new();
        for _ in 0..4 {
            let (from, channel, bytes) = node.next_message().await;
            received.insert((from, channel.name(), String::from_utf8(bytes).unwrap()));
        }
        let expected: BTreeSet<_> = (0..3u8)
            .filter(|other| *other != index)
            .flat_map(|other| {
                let from = key(other);
                [
                    (from, "consensus", format!("vote from {from}")),
                    (from, "transactions", format!("batch from {from}")),
                ]
            })
            .collect();
        assert_eq!(received, expected, "node {index}");
    }

    // A direct message reaches only its addressee.
    let [n0, mut n1, mut n2] = nodes;
    n0.handle
        .send(key(1), Channel::Consensus, b"just for you".to_vec())
        .unwrap();
    assert_eq!(
        n1.next_message().await,
        (key(0), Channel::Consensus, b"just for you".to_vec())
    );
    let counters = n0.handle.counters();
    common::eventually("n0 has 5 acknowledged messages", || {
        counters.snapshot().messages_sent == 5
    })
    .await;
    assert_eq!(n2.pending_messages(), 0);
    let snapshot = n0.handle.counters().snapshot();
    assert_eq!(
        (
            snapshot.messages_received,
            snapshot.messages_dropped,
            snapshot.connections_denied
        ),
        (4, 0, 0)
    );
    for node in [n0, n1, n2] {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_both_channels_arrives_in_full() {
    const BATCHES: usize = 1000;
    const VOTES: usize = 200;
    let mut a = Node::start(config(0, any_port(), vec![], &[0, 1])).await;
    let mut b = Node::start(config(1, any_port(), vec![a.addr], &[0, 1])).await;
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;
    let started = std::time::Instant::now();
    for index in 0..BATCHES {
        let mut batch = vec![0u8; 16 * 1024];
        batch[..8].copy_from_slice(&(index as u64).to_be_bytes());
        a.handle.broadcast(Channel::Transactions, batch).unwrap();
        if index % (BATCHES / VOTES) == 0 {
            a.handle
                .broadcast(Channel::Consensus, (index as u64).to_be_bytes().to_vec())
                .unwrap();
        }
    }
    let (mut batches, mut votes) = (BTreeSet::new(), BTreeSet::new());
    while batches.len() < BATCHES || votes.len() < VOTES {
        let (from, channel, bytes) = b.next_message().await;
        assert_eq!(from, key(0));
        let index = u64::from_be_bytes(bytes[..8].try_into().unwrap());
        match channel {
            Channel::Transactions => assert!(batches.insert(index)),
            Channel::Consensus => assert!(votes.insert(index)),
        }
    }
    // For the report only; nothing asserts on time.
    println!(
        "{BATCHES} batches of 16 KiB and {VOTES} votes delivered in {:?}",
        started.elapsed()
    );
    assert_eq!(b.handle.counters().snapshot().messages_dropped, 0);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_to_a_peer_that_is_not_connected_fails_clearly() {
    let a = Node::start(config(0, any_port(), vec![], &[0, 1])).await;
    let error = a
        .handle
        .send(key(1), Channel::Consensus, b"x".to_vec())
        .unwrap_err();
    assert!(matches!(error, NetworkError::NotConnected { peer } if peer == key(1)));
    let error = a.handle.request(key(1), b"x".to_vec()).await.unwrap_err();
    assert!(matches!(error, NetworkError::NotConnected { .. }));
    a.handle
        .broadcast(Channel::Consensus, b"to nobody".to_vec())
        .unwrap();
    a.stop().await;
}

fn sorted(mut keys: Vec<zl_network::PeerKey>) -> Vec<zl_network::PeerKey> {
    keys.sort();
    keys
}
