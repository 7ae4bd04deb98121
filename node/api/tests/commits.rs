//! `GET /v1/commits`: one SSE `commit` event per block, `lagged` for slow readers, and the
//! stream ends on shutdown.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{digest, Node, NOW};
use http_body_util::BodyExt as _;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt as _;
use zl_api::CommitNotice;
use zl_types::Hash;

/// Guards against a hang if an event never comes (a failure, not a synchronisation).
const EVENT_WAIT: Duration = Duration::from_secs(10);

async fn open_stream(node: &Node) -> Body {
    let request = Request::builder()
        .uri("/v1/commits")
        .body(Body::empty())
        .unwrap();
    let response = node.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    response.into_body()
}

/// Reads the stream until `count` events (separated by blank lines) have arrived; skips keep-alives.
async fn read_events(body: &mut Body, count: usize) -> Vec<String> {
    let mut text = String::new();
    loop {
        let events: Vec<String> = text
            .split("\n\n")
            .filter(|e| !e.trim().is_empty() && !e.starts_with(':'))
            .map(str::to_owned)
            .collect();
        let complete = text.ends_with("\n\n");
        if complete && events.len() >= count {
            return events;
        }
        let frame = tokio::time::timeout(EVENT_WAIT, body.frame())
            .await
            .expect("an event in time");
        let frame = frame.expect("the stream is open").unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
}

#[tokio::test]
async fn each_commit_is_streamed() {
    let node = Node::new();
    let mut body = open_stream(&node).await;
    let tx = node.tx(&node.member, digest(1));
    node.submit(&tx).await;
    let block = node.produce_block(NOW + 1);
    let events = read_events(&mut body, 1).await;
    let data = events[0]
        .strip_prefix("event: commit\ndata: ")
        .expect(&events[0]);
    let notice: serde_json::Value = serde_json::from_str(data).unwrap();
    let expected = serde_json::json!({
        "height": 1,
        "hash": block.hash,
        "time": NOW + 1,
        "transactions": [{"id": node.id(&tx), "ok": true}],
    });
    assert_eq!(notice, expected);
}

#[tokio::test]
async fn a_slow_reader_is_told_how_many_it_missed_and_shutdown_ends_the_stream() {
    let node = Node::new();
    let mut body = open_stream(&node).await;
    let extra = 5;
    for height in 1..=(zl_api::state::COMMIT_CHANNEL_CAPACITY + extra) as u64 {
        let notice = CommitNotice {
            height,
            hash: Hash::ZERO,
            time: height,
            transactions: Vec::new(),
        };
        node.state.commits.send(Arc::new(notice)).unwrap();
    }
    let events = read_events(&mut body, 2).await;
    assert_eq!(events[0], format!("event: lagged\ndata: {extra}"));
    assert!(
        events[1].starts_with(&format!("event: commit\ndata: {{\"height\":{},", extra + 1)),
        "{}",
        events[1]
    );

    node.state.begin_shutdown();
    let ended = async {
        while let Some(frame) = body.frame().await {
            frame.unwrap();
        }
    };
    tokio::time::timeout(EVENT_WAIT, ended)
        .await
        .expect("the stream ends on shutdown");
}
