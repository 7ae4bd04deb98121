//! The trust data outsiders read: the consensus state of a committed height verifies offline
//! against the genesis; the double votes the node kept are listed page by page.

mod common;

use axum::http::StatusCode;
use common::{digest, Node, CHAIN_ID, NOW};
use serde_json::{json, Value};
use zl_types::block::VoteKind;
use zl_types::{ConsensusState, DoubleVote, Hash, SecretKey, SignedVote, VoteContent};

#[tokio::test]
async fn consensus_state_of_a_committed_height_verifies_offline() {
    let node = Node::new();
    let tx = node.tx(&node.member, digest(7));
    assert_eq!(node.submit(&tx).await.status, StatusCode::ACCEPTED);
    let block = node.produce_block(NOW + 1);

    let answer = node.get("/v1/consensus/1").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let state: ConsensusState = serde_json::from_value(answer.json.clone()).unwrap();
    state.verify_with_genesis(&node.genesis).unwrap();
    assert_eq!(state.format, "zhenglian-consensus-state/v1");
    assert_eq!((state.chain_id.as_str(), state.height), (CHAIN_ID, 1));
    assert_eq!(state.block_hash, block.hash);
    assert_eq!(state.state_root, block.header.state_root);
    assert_eq!(state.transaction_root, block.header.transaction_root);
    assert_eq!(state.header, block.header);
    assert_eq!(state.validators, node.genesis.validators);
    assert_eq!(state.certificate(), block.certificate);
    assert_eq!(
        state.signed_data,
        block
            .certificate
            .vote()
            .signing_bytes(CHAIN_ID, &node.genesis_hash())
    );
    assert_eq!(
        answer.json["votes"],
        json!([{
            "validator": node.validator.public_key(),
            "voted": true,
            "signature": block.certificate.signatures[0].signature,
        }])
    );
    assert_eq!(
        answer.json["signed_data"],
        json!(hex(&state.signed_data)),
        "the signed data travels as hex"
    );

    // Another network's genesis (same chain id, another validator) refuses it.
    let mut other = node.genesis.clone();
    other.validators.validators[0].public_key = node.member.public_key();
    assert!(state.verify_with_genesis(&other).is_err());
}

#[tokio::test]
async fn consensus_state_of_an_uncommitted_or_bad_height_is_refused() {
    let node = Node::new();
    node.produce_block(NOW + 1);
    let future = node.get("/v1/consensus/2").await;
    assert_eq!(
        (future.status, future.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(
        future.message().contains("the chain's height is 1"),
        "{}",
        future.message()
    );
    let genesis = node.get("/v1/consensus/0").await;
    assert_eq!(
        (genesis.status, genesis.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    for bad in ["/v1/consensus/one", "/v1/consensus/-1", "/v1/consensus/1.5"] {
        let answer = node.get(bad).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "bad_height"),
            "{bad}"
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Two conflicting prevotes of `key` at `height`/`round`, signed for the node's chain.
fn double_vote(node: &Node, key: &SecretKey, height: u64, round: u64) -> DoubleVote {
    let vote = |block_hash: Option<Hash>| {
        let vote = VoteContent {
            kind: VoteKind::Prevote,
            height,
            round,
            block_hash,
        };
        SignedVote {
            validator: key.public_key(),
            signature: key.sign(&vote.signing_bytes(CHAIN_ID, &node.genesis_hash())),
            vote,
        }
    };
    DoubleVote {
        first: vote(Some(digest(height))),
        second: vote(None),
    }
}

fn heights(answer: &Value) -> Vec<u64> {
    answer["misbehaviour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["first"]["vote"]["height"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn misbehaviour_is_listed_by_height_in_pages() {
    let node = Node::new();
    let empty = node.get("/v1/misbehaviour").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json, json!({"misbehaviour": [], "next_from": null}));

    let kept = [(1, 0), (2, 0), (2, 3), (3, 1)].map(|(height, round)| {
        let evidence = double_vote(&node, &node.validator, height, round);
        assert!(node.state.ledger.record_misbehaviour(&evidence).unwrap());
        evidence
    });
    let all = node.get("/v1/misbehaviour").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(heights(&all.json), [1, 2, 2, 3]);
    assert_eq!(all.json["next_from"], json!(null));
    let listed: Vec<DoubleVote> = serde_json::from_value(all.json["misbehaviour"].clone()).unwrap();
    assert_eq!(listed, kept);
    for evidence in &listed {
        evidence.verify(CHAIN_ID, &node.genesis_hash()).unwrap();
    }

    // A full page ends before a height it would split; one height filling a page moves on.
    let cases = [
        ("?from=2", vec![2, 2, 3], json!(null)),
        ("?limit=2", vec![1], json!(2)),
        ("?from=2&limit=2", vec![2, 2], json!(3)),
        ("?from=3&limit=1", vec![3], json!(4)),
        ("?from=4", vec![], json!(null)),
    ];
    for (query, expected, next) in cases {
        let page = node.get(&format!("/v1/misbehaviour{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(heights(&page.json), expected, "{query}");
        assert_eq!(page.json["next_from"], next, "{query}");
    }

    for query in [
        "?limit=0",
        "?limit=1001",
        "?from=x",
        "?from=-1",
        "?height=2",
    ] {
        let answer = node.get(&format!("/v1/misbehaviour{query}")).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "bad_query"),
            "{query}: {}",
            answer.json
        );
    }
}
