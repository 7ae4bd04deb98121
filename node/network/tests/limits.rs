//! Size limits and bounded queues: refused on send, dropped and counted on receive.

mod common;

use common::{any_port, config, key, Node};
use zl_network::{
    Channel, Network, NetworkError, CONSENSUS_MESSAGE_BYTES_MAX, TRANSACTIONS_MESSAGE_BYTES_MAX,
    TRANSACTIONS_QUEUE_MAX,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_is_refused_on_send() {
    let a = Node::start(config(0, any_port(), vec![], &[0])).await;
    let error = a
        .handle
        .broadcast(
            Channel::Transactions,
            vec![0; TRANSACTIONS_MESSAGE_BYTES_MAX + 1],
        )
        .unwrap_err();
    assert!(matches!(
        error,
        NetworkError::TooLarge {
            what: "transaction batch",
            max: TRANSACTIONS_MESSAGE_BYTES_MAX,
            ..
        }
    ));
    let error = a
        .handle
        .broadcast(Channel::Consensus, vec![0; CONSENSUS_MESSAGE_BYTES_MAX + 1])
        .unwrap_err();
    assert!(matches!(
        error,
        NetworkError::TooLarge {
            what: "consensus message",
            max: CONSENSUS_MESSAGE_BYTES_MAX,
            ..
        }
    ));
    assert!(error.to_string().contains("split it"), "{error}");
    a.handle
        .broadcast(
            Channel::Transactions,
            vec![0; TRANSACTIONS_MESSAGE_BYTES_MAX],
        )
        .unwrap();
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_receivers_limit_is_dropped_and_counted() {
    let mut a = Node::start(config(0, any_port(), vec![], &[0, 1])).await;
    let mut sender = config(1, any_port(), vec![a.addr], &[0, 1]);
    sender.transactions_message_bytes_max = 2 * TRANSACTIONS_MESSAGE_BYTES_MAX;
    let mut b = Node::start(sender).await;
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;

    b.handle
        .broadcast(
            Channel::Transactions,
            vec![7; TRANSACTIONS_MESSAGE_BYTES_MAX + 1],
        )
        .unwrap();
    let (a_counters, b_counters) = (a.handle.counters(), b.handle.counters());
    common::eventually("A drops the oversized batch", || {
        a_counters.snapshot().messages_oversized == 1
    })
    .await;
    common::eventually("B learns it was not delivered", || {
        b_counters.snapshot().messages_failed == 1
    })
    .await;
    let snapshot = a_counters.snapshot();
    assert_eq!(
        (snapshot.messages_dropped, snapshot.messages_received),
        (1, 0)
    );

    // The connection survives, and a batch within the limit arrives.
    b.handle
        .broadcast(Channel::Transactions, vec![8; 1000])
        .unwrap();
    assert_eq!(
        a.next_message().await,
        (key(1), Channel::Transactions, vec![8; 1000])
    );
    assert_eq!(a.handle.peers(), vec![key(1)]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_an_error_and_leaves_the_other_channel_free() {
    // Not running, so nothing drains the queues.
    let (_network, handle, _events) = Network::new(config(0, any_port(), vec![], &[0]))
        .await
        .unwrap();
    for _ in 0..TRANSACTIONS_QUEUE_MAX {
        handle
            .broadcast(Channel::Transactions, b"batch".to_vec())
            .unwrap();
    }
    let error = handle
        .broadcast(Channel::Transactions, b"batch".to_vec())
        .unwrap_err();
    assert!(matches!(
        error,
        NetworkError::QueueFull {
            queue: "transactions outbound",
            max: TRANSACTIONS_QUEUE_MAX
        }
    ));
    assert!(error.to_string().contains("retry later"), "{error}");
    handle
        .broadcast(Channel::Consensus, b"vote".to_vec())
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_is_refused_with_the_reason() {
    let mut bad = config(0, any_port(), vec![], &[0]);
    bad.consensus_message_bytes_max = 0;
    let error = Network::new(bad).await.err().unwrap();
    assert!(
        error.to_string().contains("consensus_message_bytes_max"),
        "{error}"
    );

    let taken = Node::start(config(0, any_port(), vec![], &[0])).await;
    let error = Network::new(config(1, taken.addr, vec![], &[0]))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(error, NetworkError::Listen { address, .. } if address == taken.addr),
        "{error}"
    );
    taken.stop().await;
}
