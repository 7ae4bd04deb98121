//! `GET /v1/governance/proposals/{id}` and `GET /v1/validators` over a chain whose one governor
//! adds a validator.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt as _;
use zl_api::{ApiLimits, NodeState};
use zl_ledger::Ledger;
use zl_types::governance::proposal_id;
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, ChainRole, CommitCertificate, CryptoSuite, Genesis, HashAlgorithm, Member, Role,
    SecretKey, TransactionBody, Validator, ValidatorSet,
};

const GENESIS_TIME: u64 = 1_700_000_000_000;
const NOW: u64 = GENESIS_TIME + 60_000;

fn now() -> u64 {
    NOW
}

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

fn validator(key: &SecretKey) -> Validator {
    Validator {
        name: "node".into(),
        public_key: key.public_key(),
        power: 1,
    }
}

async fn get(router: &Router, uri: &str) -> (StatusCode, Value) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_passed_proposal_and_the_sets_before_and_after_it() {
    let (governor, candidate) = (key(1), key(2));
    let member = |key: &SecretKey, roles| Member {
        name: "org".into(),
        public_key: key.public_key(),
        roles,
        transport_key: None,
    };
    let genesis = Genesis {
        chain_id: "gov-api".into(),
        role: ChainRole::LocalBusiness,
        crypto_suite: CryptoSuite::Ed25519,
        genesis_time: GENESIS_TIME,
        validators: ValidatorSet {
            validators: vec![validator(&governor)],
        },
        members: vec![
            member(&governor, vec![Role::Governor, Role::Validator]),
            member(&candidate, vec![Role::Validator]),
        ],
    };
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Ledger::open(dir.path(), genesis.clone()).unwrap());
    let router = zl_api::router(Arc::new(NodeState::new(
        ledger.clone(),
        ApiLimits::default(),
        now,
    )));

    // Block 1: the one governor proposes the candidate as a validator; it passes at once.
    let genesis_hash = genesis.hash();
    let body = TransactionBody {
        chain_id: genesis.chain_id.clone(),
        genesis_hash,
        signer: governor.public_key(),
        expires_at: NOW + 60_000,
        salt: "01".into(),
        calls: vec![Call {
            contract: "governance".into(),
            method: "propose".into(),
            args: json!({"action": {"type": "set_validator", "validator": validator(&candidate)}}),
        }],
    };
    let binding = ChainBinding {
        chain_id: &genesis.chain_id,
        genesis_hash: &genesis_hash,
        hash_algorithm: HashAlgorithm::Sha256,
    };
    let tx = body.sign(&governor).unwrap().check(&binding, NOW).unwrap();
    let id = proposal_id(HashAlgorithm::Sha256, &tx.id, 0);
    let block = ledger
        .execute(vec![tx], GENESIS_TIME + 1, governor.public_key())
        .unwrap();
    let cert = CommitCertificate::sign(
        1,
        0,
        block.hash,
        &governor,
        &genesis.chain_id,
        &genesis_hash,
    );
    ledger.commit(block, cert).unwrap();

    let (status, answer) = get(&router, &format!("/v1/governance/proposals/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "passed");
    assert_eq!(answer["proposal"]["effective_height"], 3);
    assert_eq!(
        (answer["governors"].as_u64(), answer["approvals"].as_u64()),
        (Some(1), Some(1))
    );

    let (status, next) = get(&router, "/v1/validators").await;
    assert_eq!((status, next["height"].as_u64()), (StatusCode::OK, Some(2)));
    assert_eq!(next["validators"].as_array().unwrap().len(), 1);
    let (_, third) = get(&router, "/v1/validators?height=3").await;
    assert_eq!(third["total_power"], 2);
    let expected = ValidatorSet {
        validators: vec![validator(&governor), validator(&candidate)],
    }
    .hash(HashAlgorithm::Sha256, &genesis.chain_id, &genesis_hash);
    assert_eq!(third["validator_set_hash"], json!(expected));

    // (uri, status, code)
    let refusals = [
        ("/v1/validators?height=4", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/validators?height=0", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/validators?height=x", StatusCode::BAD_REQUEST, "bad_height"),
        ("/v1/validators?at=3", StatusCode::BAD_REQUEST, "bad_query"),
        ("/v1/governance/proposals/abc", StatusCode::BAD_REQUEST, "bad_id"),
        (
            "/v1/governance/proposals/0000000000000000000000000000000000000000000000000000000000000000",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (uri, expected_status, code) in refusals {
        let (status, answer) = get(&router, uri).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (expected_status, Some(code)),
            "{uri}: {answer}"
        );
    }
}
