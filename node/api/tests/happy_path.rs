//! Submit, commit a block the way zld does, and read everything back through the API.

mod common;

use axum::http::StatusCode;
use common::{digest, Node, CHAIN_ID, NOW};
use serde_json::json;
use std::sync::atomic::Ordering;
use zl_types::{EvidenceReceipt, Genesis};

#[tokio::test]
async fn submit_commit_and_read_back() {
    let node = Node::new();
    let document = digest(42);
    let tx = node.tx(&node.member, document);
    let id = node.id(&tx);

    let accepted = node.submit(&tx).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let pending = node.get(&format!("/v1/transactions/{id}")).await;
    assert_eq!(pending.status, StatusCode::OK);
    assert_eq!(pending.json["status"], "pending");
    assert_eq!(pending.json["height"], json!(null));
    let no_receipt = node.get(&format!("/v1/transactions/{id}/receipt")).await;
    assert_eq!(
        (no_receipt.status, no_receipt.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(
        no_receipt.message().contains("still pending"),
        "{}",
        no_receipt.message()
    );

    let block = node.produce_block(NOW + 1);
    assert_eq!(block.height, 1);

    let committed = node.get(&format!("/v1/transactions/{id}")).await;
    assert_eq!(committed.status, StatusCode::OK);
    assert_eq!(committed.json["status"], "committed");
    assert_eq!(committed.json["height"], 1);
    assert_eq!(committed.json["index"], 0);
    assert_eq!(committed.json["ok"], true, "{}", committed.json);
    assert_eq!(committed.json["error"], json!(null));
    assert_eq!(committed.json["events"][0]["kind"], "notarized");

    let receipt = node.get(&format!("/v1/transactions/{id}/receipt")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.json["id"], json!(id));
    assert_eq!(receipt.json["height"], 1);
    assert_eq!(
        receipt.json["header"]["transaction_root"],
        json!(block.header.transaction_root)
    );

    for uri in ["/v1/blocks/1", "/v1/blocks/latest"] {
        let answer = node.get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.json["height"], 1, "{uri}");
        assert_eq!(answer.json["hash"], json!(block.hash), "{uri}");
        assert_eq!(answer.json["header"]["height"], 1, "{uri}");
        assert_eq!(answer.json["transaction_ids"], json!([id]), "{uri}");
        assert_eq!(
            answer.json["certificate"]["block_hash"],
            json!(block.hash),
            "{uri}"
        );
    }
    let beyond = node.get("/v1/blocks/2").await;
    assert_eq!(
        (beyond.status, beyond.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(
        beyond.message().contains("the chain's height is 1"),
        "{}",
        beyond.message()
    );

    let evidence = node.get(&format!("/v1/evidence/{document}")).await;
    assert_eq!(evidence.status, StatusCode::OK, "{}", evidence.json);
    assert_eq!(evidence.json["digest"], json!(document));
    let records = evidence.json["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["record"]["seq"], 0);
    assert_eq!(records[0]["record"]["tx_id"], json!(id));
    assert_eq!(records[0]["superseded"], json!(null));
    let evidence_receipt: EvidenceReceipt =
        serde_json::from_value(records[0]["receipt"].clone()).unwrap();
    let proven = evidence_receipt
        .verify(&document, &node.genesis)
        .expect("the receipt verifies offline");
    assert_eq!((proven.height, proven.seq), (1, 0));
    let unknown = node.get(&format!("/v1/evidence/{}", digest(43))).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(unknown.message().contains(CHAIN_ID));

    let record = node.get("/v1/evidence/records/0").await;
    assert_eq!(record.status, StatusCode::OK);
    assert_eq!(
        record.json["record"]["documents_root"],
        records[0]["record"]["documents_root"]
    );
    assert_eq!(record.json["superseded"], json!(null));
    let proofs = node.get("/v1/evidence/records/0/proofs").await;
    assert_eq!(proofs.status, StatusCode::OK);
    assert_eq!(proofs.json["documents"][0]["digest"], json!(document));
    assert_eq!(proofs.json["chain_id"], CHAIN_ID);
    for uri in ["/v1/evidence/records/1", "/v1/evidence/records/1/proofs"] {
        let missing = node.get(uri).await;
        assert_eq!(
            (missing.status, missing.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{uri}"
        );
        assert!(
            missing.message().contains("holds 1 records"),
            "{}",
            missing.message()
        );
    }

    let status = node.get("/v1/status").await;
    assert_eq!(status.status, StatusCode::OK);
    let expected = json!({
        "chain_id": CHAIN_ID,
        "role": "local_business",
        "crypto_suite": "ed25519",
        "genesis_hash": node.genesis_hash(),
        "height": 1,
        "latest_block_hash": block.hash,
        "latest_block_time": NOW + 1,
        "evidence_log_size": 1,
        "mempool_transactions": 0,
        "mempool_bytes": 0,
        "validators": 1,
        "version": env!("CARGO_PKG_VERSION"),
    });
    assert_eq!(status.json, expected);

    let genesis = node.get("/v1/genesis").await;
    let served: Genesis = serde_json::from_value(genesis.json).unwrap();
    assert_eq!(served, node.genesis);
    assert_eq!(served.hash(), node.genesis_hash());
}

#[tokio::test]
async fn status_before_the_first_block() {
    let node = Node::new();
    let status = node.get("/v1/status").await;
    assert_eq!(status.json["height"], 0);
    assert_eq!(status.json["latest_block_hash"], json!(null));
    let latest = node.get("/v1/blocks/latest").await;
    assert_eq!(
        (latest.status, latest.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let zero = node.get("/v1/blocks/0").await;
    assert!(zero.message().contains("/v1/genesis"), "{}", zero.message());
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let node = Node::new();
    let health = node.get("/healthz").await;
    assert_eq!(
        (health.status, health.json.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let starting = node.get("/readyz").await;
    assert_eq!(
        (starting.status, starting.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    );
    node.state.ready.store(true, Ordering::Release);
    assert_eq!(node.get("/readyz").await.status, StatusCode::OK);

    node.submit(&node.tx(&node.member, digest(1))).await;
    node.submit(&node.tx(&node.member, digest(2))).await;
    node.produce_block(NOW + 1);
    node.submit(&node.tx(&node.member, digest(3))).await;
    let metrics = node.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.json.as_str().expect("text exposition");
    for line in [
        "zl_height 1",
        "zl_blocks_committed_total 1",
        "zl_transactions_committed_total 2",
        "zl_mempool_transactions 1",
        "zl_api_request_duration_seconds_count{route=\"/v1/transactions\",status=\"202\"} 3",
        "zl_api_request_duration_seconds_count{route=\"/readyz\",status=\"503\"} 1",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let database_bytes: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("zl_database_bytes "))
        .expect("zl_database_bytes")
        .parse()
        .unwrap();
    assert!(database_bytes > 0);
}
