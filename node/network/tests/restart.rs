//! A peer that restarts is redialled without operator action; the run loop's lifetime.

mod common;

use common::{any_port, config, key, Node};
use zl_network::{Channel, Network};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_peer_is_redialled_and_messages_flow_again() {
    // B never dials; only A's redial can bring them back together.
    let b = Node::start(config(1, any_port(), vec![], &[0, 1])).await;
    let b_addr = b.addr;
    let mut a = Node::start(config(0, any_port(), vec![b_addr], &[0, 1])).await;
    a.wait_connected(&[key(1)]).await;

    b.stop().await;
    a.wait_disconnected(key(1)).await;
    assert!(a.handle.peers().is_empty());

    let mut b = Node::start(config(1, b_addr, vec![], &[0, 1])).await;
    assert_eq!(b.addr, b_addr);
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;
    a.handle
        .broadcast(Channel::Consensus, b"after restart".to_vec())
        .unwrap();
    assert_eq!(
        b.next_message().await,
        (key(0), Channel::Consensus, b"after restart".to_vec())
    );
    b.handle
        .broadcast(Channel::Transactions, b"and back".to_vec())
        .unwrap();
    assert_eq!(
        a.next_message().await,
        (key(1), Channel::Transactions, b"and back".to_vec())
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_returns_when_every_handle_is_dropped() {
    let (network, handle, _events) = Network::new(config(0, any_port(), vec![], &[0]))
        .await
        .unwrap();
    let task = tokio::spawn(network.run());
    let second = handle.clone();
    drop(handle);
    // One handle left keeps the network running.
    second
        .broadcast(Channel::Consensus, b"still here".to_vec())
        .unwrap();
    drop(second);
    tokio::time::timeout(common::WAIT, task)
        .await
        .expect("run did not return")
        .unwrap();
}
