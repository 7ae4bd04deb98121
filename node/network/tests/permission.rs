//! Only allowed transport keys connect, in either direction, and the allowed set can change.

mod common;

use common::{any_port, config, key, keys, Node};
use zl_network::Channel;

/// A broadcasts on both channels; once its member B has both messages, the stranger must have none.
async fn broadcast_reaches_only_members(a: &Node, b: &mut Node, stranger: &mut Node) {
    a.handle
        .broadcast(Channel::Consensus, b"vote".to_vec())
        .unwrap();
    a.handle
        .broadcast(Channel::Transactions, b"batch".to_vec())
        .unwrap();
    let mut got = [b.next_message().await, b.next_message().await];
    got.sort_by_key(|(_, channel, _)| channel.name());
    assert_eq!(got[0], (key(0), Channel::Consensus, b"vote".to_vec()));
    assert_eq!(got[1], (key(0), Channel::Transactions, b"batch".to_vec()));
    assert_eq!(stranger.pending_messages(), 0);
    assert_eq!(a.handle.peers(), vec![key(1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_that_dials_is_refused_after_the_handshake() {
    let mut a = Node::start(config(0, any_port(), vec![], &[0, 1])).await;
    let mut b = Node::start(config(1, any_port(), vec![a.addr], &[0, 1])).await;
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;
    // The stranger would accept A; A is the one that must say no.
    let mut stranger = Node::start(config(9, any_port(), vec![a.addr], &[0, 1, 9])).await;
    let counters = a.handle.counters();
    common::eventually("A denies the stranger", || {
        counters.snapshot().connections_denied >= 1
    })
    .await;
    broadcast_reaches_only_members(&a, &mut b, &mut stranger).await;
    for node in [a, b, stranger] {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_that_is_dialled_is_refused_after_the_handshake() {
    let mut stranger = Node::start(config(9, any_port(), vec![], &[0, 1, 9])).await;
    let mut b = Node::start(config(1, any_port(), vec![], &[0, 1])).await;
    let mut a = Node::start(config(0, any_port(), vec![stranger.addr, b.addr], &[0, 1])).await;
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;
    let counters = a.handle.counters();
    common::eventually("A denies the stranger it dialled", || {
        counters.snapshot().connections_denied >= 1
    })
    .await;
    broadcast_reaches_only_members(&a, &mut b, &mut stranger).await;
    assert!(a
        .handle
        .send(key(9), Channel::Consensus, b"x".to_vec())
        .is_err());
    for node in [a, b, stranger] {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_peer_from_the_allowed_set_disconnects_it_and_adding_it_back_reconnects() {
    let all = [0, 1, 2];
    let mut b = Node::start(config(1, any_port(), vec![], &all)).await;
    let mut c = Node::start(config(2, any_port(), vec![b.addr], &all)).await;
    let mut a = Node::start(config(0, any_port(), vec![b.addr, c.addr], &all)).await;
    a.wait_connected(&keys(&[1, 2])).await;
    b.wait_connected(&keys(&[2, 0])).await;
    c.wait_connected(&keys(&[1, 0])).await;

    a.handle.set_allowed(keys(&[0, 1])).unwrap();
    a.wait_disconnected(key(2)).await;
    c.wait_disconnected(key(0)).await;
    broadcast_reaches_only_members(&a, &mut b, &mut c).await;
    // A keeps redialling C's address and refusing what answers.
    let counters = a.handle.counters();
    common::eventually("A refuses C's redial", || {
        counters.snapshot().connections_denied >= 1
    })
    .await;

    a.handle.set_allowed(keys(&all)).unwrap();
    a.wait_connected(&[key(2)]).await;
    a.handle
        .send(key(2), Channel::Consensus, b"welcome back".to_vec())
        .unwrap();
    let (from, _, bytes) = c.next_message().await;
    assert_eq!((from, bytes), (key(0), b"welcome back".to_vec()));
    assert_eq!(
        b.pending_messages(),
        0,
        "a direct message reaches only its addressee"
    );
    for node in [a, b, c] {
        node.stop().await;
    }
}
