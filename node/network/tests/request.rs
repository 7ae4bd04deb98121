//! Request/response: a 16 MiB block comes back whole; limits and refusals fail clearly.

mod common;

use common::{any_port, config, key, Node};
use zl_network::{NetworkError, NetworkEvent, REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX};

async fn pair() -> (Node, Node) {
    let mut a = Node::start(config(0, any_port(), vec![], &[0, 1])).await;
    let mut b = Node::start(config(1, any_port(), vec![a.addr], &[0, 1])).await;
    a.wait_connected(&[key(1)]).await;
    b.wait_connected(&[key(0)]).await;
    (a, b)
}

async fn next_request(node: &mut Node) -> (zl_network::PeerKey, Vec<u8>, zl_network::Responder) {
    match node
        .wait_for("a request", |event| {
            matches!(event, NetworkEvent::Request { .. })
        })
        .await
    {
        NetworkEvent::Request { from, bytes, reply } => (from, bytes, reply),
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_gets_a_sixteen_mebibyte_response() {
    let (a, mut b) = pair().await;
    let block: Vec<u8> = (0..16 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let answer = tokio::spawn(a.handle.request(key(1), b"block 7".to_vec()));
    let (from, bytes, reply) = next_request(&mut b).await;
    assert_eq!((from, bytes), (key(0), b"block 7".to_vec()));
    reply.respond(block.clone()).unwrap();
    let response = answer.await.unwrap().unwrap();
    assert!(response == block, "the response differs from the block");
    let snapshot = a.handle.counters().snapshot();
    assert_eq!((snapshot.requests_sent, snapshot.requests_failed), (1, 0));
    assert_eq!(b.handle.counters().snapshot().requests_received, 1);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_and_responses_are_refused() {
    let (a, mut b) = pair().await;
    let error = a
        .handle
        .request(key(1), vec![0; REQUEST_BYTES_MAX + 1])
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        NetworkError::TooLarge {
            what: "request",
            max: REQUEST_BYTES_MAX,
            ..
        }
    ));

    let answer = tokio::spawn(a.handle.request(key(1), vec![1; REQUEST_BYTES_MAX]));
    let (_, bytes, reply) = next_request(&mut b).await;
    assert_eq!(
        bytes.len(),
        REQUEST_BYTES_MAX,
        "a request at the limit passes"
    );
    let error = reply.respond(vec![0; RESPONSE_BYTES_MAX + 1]).unwrap_err();
    assert!(matches!(
        error,
        NetworkError::TooLarge {
            what: "response",
            ..
        }
    ));
    // `respond` consumed the responder, so the request is refused and fails at once.
    let error = answer.await.unwrap().unwrap_err();
    assert!(
        matches!(error, NetworkError::RequestFailed { peer, .. } if peer == key(1)),
        "{error}"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_responder_fails_the_request_without_waiting_for_the_timeout() {
    let (a, mut b) = pair().await;
    let answer = tokio::spawn(a.handle.request(key(1), b"missing transactions".to_vec()));
    let (_, _, reply) = next_request(&mut b).await;
    drop(reply);
    let error = answer.await.unwrap().unwrap_err();
    assert!(
        matches!(error, NetworkError::RequestFailed { .. }),
        "{error}"
    );
    assert_eq!(a.handle.counters().snapshot().requests_failed, 1);
    // The connection is still good for the next request.
    let answer = tokio::spawn(a.handle.request(key(1), b"again".to_vec()));
    let (_, _, reply) = next_request(&mut b).await;
    reply.respond(b"here".to_vec()).unwrap();
    assert_eq!(answer.await.unwrap().unwrap(), b"here".to_vec());
    a.stop().await;
    b.stop().await;
}
