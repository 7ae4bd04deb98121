//! Bad input at the API answers a specific 4xx JSON error and changes nothing.

mod common;

use axum::http::{header, Method, StatusCode};
use common::{digest, Node, NOW};
use serde_json::{json, Value};
use zl_mempool::MempoolLimits;
use zl_types::transaction::EXPIRY_WINDOW_MS_MAX;
use zl_types::Hash;

struct Case {
    desc: &'static str,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
}

fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

#[tokio::test]
async fn each_bad_transaction_gets_its_own_code_and_changes_nothing() {
    let node = Node::new();
    let key = &node.member;
    let resign = |edit: &dyn Fn(&mut zl_types::TransactionBody)| {
        let mut body = node.body(key, digest(1));
        edit(&mut body);
        json_bytes(&body.sign(key).unwrap())
    };
    let mut bad_signature = node.tx(key, digest(1));
    bad_signature.signature.0[10] ^= 1;
    let other_signer = {
        let mut tx = node.tx(key, digest(1));
        tx.signature = node.tx(&node.validator, digest(1)).signature;
        tx
    };
    let cases = vec![
        Case {
            desc: "not JSON",
            body: b"{\"body\": ".to_vec(),
            status: StatusCode::BAD_REQUEST,
            code: "malformed_json",
        },
        Case {
            desc: "JSON, wrong shape",
            body: b"{\"body\": 1}".to_vec(),
            status: StatusCode::BAD_REQUEST,
            code: "bad_transaction",
        },
        Case {
            desc: "empty body",
            body: Vec::new(),
            status: StatusCode::BAD_REQUEST,
            code: "malformed_json",
        },
        Case {
            desc: "wrong chain id",
            body: resign(&|b| b.chain_id = "other-chain".into()),
            status: StatusCode::BAD_REQUEST,
            code: "wrong_chain",
        },
        Case {
            desc: "wrong genesis hash",
            body: resign(&|b| b.genesis_hash = Hash([9; 32])),
            status: StatusCode::BAD_REQUEST,
            code: "wrong_chain",
        },
        Case {
            desc: "expired",
            body: resign(&|b| b.expires_at = NOW),
            status: StatusCode::BAD_REQUEST,
            code: "expired",
        },
        Case {
            desc: "expiry too far ahead",
            body: resign(&|b| b.expires_at = NOW + EXPIRY_WINDOW_MS_MAX + 1),
            status: StatusCode::BAD_REQUEST,
            code: "expiry_too_far",
        },
        Case {
            desc: "no calls",
            body: resign(&|b| b.calls.clear()),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_transaction",
        },
        Case {
            desc: "unknown contract",
            body: resign(&|b| b.calls[0].contract = "casino".into()),
            status: StatusCode::BAD_REQUEST,
            code: "unknown_call",
        },
        Case {
            desc: "unknown method",
            body: resign(&|b| b.calls[0].method = "erase".into()),
            status: StatusCode::BAD_REQUEST,
            code: "unknown_call",
        },
        Case {
            desc: "bad signature",
            body: json_bytes(&bad_signature),
            status: StatusCode::BAD_REQUEST,
            code: "bad_signature",
        },
        Case {
            desc: "another key's signature",
            body: json_bytes(&other_signer),
            status: StatusCode::BAD_REQUEST,
            code: "bad_signature",
        },
        Case {
            desc: "signer not a member",
            body: json_bytes(&node.tx(&node.stranger, digest(1))),
            status: StatusCode::FORBIDDEN,
            code: "not_a_member",
        },
        Case {
            desc: "oversize body",
            body: vec![b' '; zl_api::state::TRANSACTION_BODY_BYTES_MAX + 1],
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_too_large",
        },
    ];
    for case in cases {
        let answer = node
            .call(Method::POST, "/v1/transactions", Some(case.body))
            .await;
        assert_eq!(answer.status, case.status, "{}: {}", case.desc, answer.json);
        assert_eq!(answer.code(), case.code, "{}: {}", case.desc, answer.json);
        assert!(!answer.message().is_empty(), "{}", case.desc);
        assert_eq!(
            node.mempool_len(),
            0,
            "{}: the mempool must not change",
            case.desc
        );
    }
    assert_eq!(node.state.ledger.height(), 0);
}

#[tokio::test]
async fn non_member_is_told_how_to_register() {
    let node = Node::new();
    let answer = node.submit(&node.tx(&node.stranger, digest(1))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let expected = format!(
        "key {} is not a registered member of chain {}; ask the chain's governor to add it to the member registry",
        node.stranger.public_key(),
        common::CHAIN_ID
    );
    assert!(
        answer.message().starts_with(&expected),
        "{}",
        answer.message()
    );
}

#[tokio::test]
async fn replay_is_refused_while_pending_and_after_commit() {
    let node = Node::new();
    let tx = node.tx(&node.member, digest(1));
    let first = node.submit(&tx).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.json);
    assert_eq!(first.json, json!({"id": node.id(&tx), "status": "pending"}));
    let again = node.submit(&tx).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "duplicate")
    );
    assert_eq!(node.mempool_len(), 1);

    node.produce_block(NOW + 1);
    let after = node.submit(&tx).await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::CONFLICT, "already_committed")
    );
    assert!(
        after.message().contains("at height 1"),
        "{}",
        after.message()
    );
    assert_eq!(node.mempool_len(), 0);
}

#[tokio::test]
async fn quota_and_full_mempool_answer_with_retry_after() {
    let limits = MempoolLimits {
        transactions_max: 2,
        bytes_max: usize::MAX,
        per_member_max: 1,
    };
    let node = Node::with_mempool(limits);
    assert_eq!(
        node.submit(&node.tx(&node.member, digest(1))).await.status,
        StatusCode::ACCEPTED
    );
    let quota = node.submit(&node.tx(&node.member, digest(2))).await;
    assert_eq!(
        (quota.status, quota.code()),
        (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded")
    );
    assert_eq!(quota.headers[header::RETRY_AFTER], "1");
    assert_eq!(
        node.submit(&node.tx(&node.validator, digest(3)))
            .await
            .status,
        StatusCode::ACCEPTED
    );

    let full_limits = MempoolLimits {
        transactions_max: 1,
        bytes_max: usize::MAX,
        per_member_max: 10,
    };
    let node = Node::with_mempool(full_limits);
    assert_eq!(
        node.submit(&node.tx(&node.member, digest(1))).await.status,
        StatusCode::ACCEPTED
    );
    let full = node.submit(&node.tx(&node.validator, digest(2))).await;
    assert_eq!(
        (full.status, full.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "mempool_full")
    );
    assert_eq!(full.headers[header::RETRY_AFTER], "1");
    assert_eq!(node.mempool_len(), 1);
    let batch = node
        .post(
            "/v1/transactions/batch",
            &json!({"transactions": [node.tx(&node.validator, digest(3))]}),
        )
        .await;
    assert_eq!(
        (batch.status, batch.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "mempool_full")
    );
    assert_eq!(batch.headers[header::RETRY_AFTER], "1");
    assert_eq!(node.mempool_len(), 1);
}

#[tokio::test]
async fn batch_refuses_only_the_bad_ones() {
    let node = Node::new();
    let good: Vec<_> = (0..5)
        .map(|n| {
            node.tx(
                if n % 2 == 0 {
                    &node.member
                } else {
                    &node.validator
                },
                digest(n),
            )
        })
        .collect();
    let mut forged = node.tx(&node.member, digest(100));
    forged.signature.0[0] ^= 0x80;
    let mut items: Vec<Value> = good
        .iter()
        .map(|tx| serde_json::to_value(tx).unwrap())
        .collect();
    items.insert(2, serde_json::to_value(&forged).unwrap());
    items.push(serde_json::to_value(node.tx(&node.stranger, digest(200))).unwrap());
    items.push(json!({"body": "nonsense"}));
    items.push(serde_json::to_value(&good[0]).unwrap());
    let answer = node
        .post("/v1/transactions/batch", &json!({ "transactions": items }))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["accepted"], 5);
    let results = answer.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    let ids_in_order: Vec<_> = [0, 1, 3, 4, 5]
        .iter()
        .map(|&i| results[i]["id"].clone())
        .collect();
    let expected: Vec<_> = good.iter().map(|tx| json!(node.id(tx))).collect();
    assert_eq!(ids_in_order, expected);
    for i in [0, 1, 3, 4, 5] {
        assert_eq!(results[i]["status"], "pending", "result {i}");
    }
    let refused = [
        (2, "bad_signature"),
        (6, "not_a_member"),
        (7, "bad_transaction"),
        (8, "duplicate"),
    ];
    for (index, code) in refused {
        assert_eq!(results[index]["index"], index, "{}", results[index]);
        assert_eq!(results[index]["error"]["code"], code, "{}", results[index]);
    }
    assert_eq!(node.mempool_len(), 5);
    assert!(!node.state.mempool().contains(&node.id(&forged)));
}

#[tokio::test]
async fn bad_batches_are_refused_whole() {
    let node = Node::new();
    let too_many =
        json!({ "transactions": vec![json!({}); zl_api::state::BATCH_TRANSACTIONS_MAX + 1] });
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "not JSON",
            b"[".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "not a batch object",
            b"[1, 2]".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_batch",
        ),
        (
            "unknown field",
            b"{\"transactions\": [], \"x\": 1}".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_batch",
        ),
        (
            "empty",
            b"{\"transactions\": []}".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_batch_size",
        ),
        (
            "too many",
            json_bytes(&too_many),
            StatusCode::BAD_REQUEST,
            "bad_batch_size",
        ),
        (
            "oversize",
            vec![b' '; zl_api::state::BATCH_BODY_BYTES_MAX + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (desc, body, status, code) in cases {
        let answer = node
            .call(Method::POST, "/v1/transactions/batch", Some(body))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{desc}: {}",
            answer.json
        );
        assert_eq!(node.mempool_len(), 0, "{desc}");
    }
}
