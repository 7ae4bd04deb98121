//! A real ledger in a temporary directory, a router over it, keys, signed transactions, and a
//! block producer that does what zld's does (take, execute, sign, commit, notify).
#![allow(dead_code, unreachable_pub)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt as _;
use zl_api::{ApiLimits, CommitNotice, CommittedTx, NodeState};
use zl_ledger::{Ledger, StoredBlock};
use zl_mempool::MempoolLimits;
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, ChainRole, CommitCertificate, CryptoSuite, Genesis, Hash, HashAlgorithm, Member, Role,
    SecretKey, Transaction, TransactionBody, Validator, ValidatorSet,
};

/// The chain's id in these tests.
pub const CHAIN_ID: &str = "api-test";
/// The genesis time, Unix ms.
pub const GENESIS_TIME: u64 = 1_700_000_000_000;
/// The API's clock in these tests: a minute after genesis.
pub const NOW: u64 = GENESIS_TIME + 60_000;

fn now() -> u64 {
    NOW
}

/// A node's API over a fresh ledger.
pub struct Node {
    pub dir: tempfile::TempDir,
    pub state: Arc<NodeState>,
    pub router: Router,
    pub genesis: Genesis,
    /// The validator, also a member (validator + submitter).
    pub validator: SecretKey,
    /// A second member (submitter).
    pub member: SecretKey,
    /// A key in no registry.
    pub stranger: SecretKey,
}

/// An answer: status, headers, and the body as JSON (or as a JSON string if it is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.json["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error answer: {}", self.json))
    }

    /// The error message of an error answer.
    pub fn message(&self) -> &str {
        self.json["error"]["message"]
            .as_str()
            .expect("an error message")
    }
}

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

impl Node {
    pub fn new() -> Node {
        Node::with_mempool(MempoolLimits::default())
    }

    pub fn with_mempool(mempool: MempoolLimits) -> Node {
        let (validator, member, stranger) = (key(1), key(2), key(3));
        let genesis = Genesis {
            chain_id: CHAIN_ID.into(),
            role: ChainRole::LocalBusiness,
            crypto_suite: CryptoSuite::Ed25519,
            genesis_time: GENESIS_TIME,
            validators: ValidatorSet {
                validators: vec![Validator {
                    name: "node-1".into(),
                    public_key: validator.public_key(),
                    power: 1,
                }],
            },
            members: vec![
                Member {
                    name: "validator org".into(),
                    public_key: validator.public_key(),
                    roles: vec![Role::Validator, Role::Submitter],
                    transport_key: None,
                },
                Member {
                    name: "submitter org".into(),
                    public_key: member.public_key(),
                    roles: vec![Role::Submitter],
                    transport_key: None,
                },
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), genesis.clone()).unwrap();
        let state = Arc::new(
            NodeState::new(Arc::new(ledger), ApiLimits::default(), now)
                .with_mempool_limits(mempool),
        );
        let router = zl_api::router(state.clone());
        Node {
            dir,
            state,
            router,
            genesis,
            validator,
            member,
            stranger,
        }
    }

    pub fn genesis_hash(&self) -> Hash {
        self.genesis.hash()
    }

    /// A transaction body notarising `digest`, signed later by `key`.
    pub fn body(&self, key: &SecretKey, digest: Hash) -> TransactionBody {
        TransactionBody {
            chain_id: CHAIN_ID.into(),
            genesis_hash: self.genesis_hash(),
            signer: key.public_key(),
            expires_at: NOW + 60_000,
            salt: "00".into(),
            calls: vec![Call {
                contract: "evidence".into(),
                method: "notarize".into(),
                args: json!({
                    "category": "contract",
                    "title": "test document",
                    "reference": "ref-1",
                    "security_level": 1,
                    "digest_algorithm": "sha256",
                    "documents": [digest],
                }),
            }],
        }
    }

    /// A signed transaction of `key` notarising `digest`.
    pub fn tx(&self, key: &SecretKey, digest: Hash) -> Transaction {
        self.body(key, digest).sign(key).unwrap()
    }

    /// The id a transaction gets on this chain.
    pub fn id(&self, tx: &Transaction) -> Hash {
        let genesis_hash = self.genesis_hash();
        let chain = ChainBinding {
            chain_id: CHAIN_ID,
            genesis_hash: &genesis_hash,
            hash_algorithm: HashAlgorithm::Sha256,
        };
        tx.clone().check(&chain, NOW).unwrap().id
    }

    pub fn mempool_len(&self) -> usize {
        self.state.mempool().len()
    }

    /// Sends one request to the router.
    pub async fn call(&self, method: Method, uri: &str, body: Option<Vec<u8>>) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.call(Method::GET, uri, None).await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> Answer {
        self.call(Method::POST, uri, Some(serde_json::to_vec(body).unwrap()))
            .await
    }

    /// Submits one transaction.
    pub async fn submit(&self, tx: &Transaction) -> Answer {
        self.post("/v1/transactions", &serde_json::to_value(tx).unwrap())
            .await
    }

    /// Does what zld's block producer does: takes a batch, executes it at `time`, signs the
    /// certificate, commits, broadcasts the notice and records the metrics.
    pub fn produce_block(&self, time: u64) -> StoredBlock {
        let ledger = &self.state.ledger;
        let batch =
            self.state
                .mempool()
                .take_batch(time, usize::MAX, zl_types::block::BLOCK_BYTES_MAX);
        let block = ledger
            .execute(batch, time, self.validator.public_key())
            .unwrap();
        let transactions: Vec<CommittedTx> = block
            .transactions
            .iter()
            .map(|tx| CommittedTx {
                id: tx.id,
                ok: tx.outcome.ok,
            })
            .collect();
        let certificate = CommitCertificate::sign(
            block.header.height,
            0,
            block.hash,
            &self.validator,
            CHAIN_ID,
            &self.genesis_hash(),
        );
        let stored = ledger.commit(block, certificate).unwrap();
        let notice = CommitNotice {
            height: stored.height,
            hash: stored.hash,
            time,
            transactions,
        };
        self.state.metrics.on_commit(&notice);
        // No subscriber is fine: the notice is for whoever listens.
        let _ = self.state.commits.send(Arc::new(notice));
        stored
    }
}

/// A distinct document digest per `n`.
pub fn digest(n: u64) -> Hash {
    HashAlgorithm::Sha256.digest(&n.to_be_bytes())
}
