//! Bad input at the HTTP API, over real HTTP: each answers a 4xx JSON error with its code and
//! changes nothing (height, evidence log and mempool stay as they were).

use serde_json::Value;
use std::time::Duration;
use zl_tests::http;
use zl_tests::sign::{load_key, now_ms, Signed, Signer};
use zl_tests::wait::wait_until;
use zl_tests::Node;
use zl_types::{Hash, HashAlgorithm};

/// The API's limit on one transaction's body (node/api `TRANSACTION_BODY_BYTES_MAX`).
const TRANSACTION_BODY_BYTES_MAX: usize = 9 * 1024 * 1024;
/// How long a valid transaction may take to commit.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(30);
/// The replay-protection window (zl_types `EXPIRY_WINDOW_MS_MAX`).
const EXPIRY_WINDOW_MS: u64 = zl_types::transaction::EXPIRY_WINDOW_MS_MAX;

#[test]
fn bad_input_at_the_http_api_changes_nothing() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let node = Node::dev(&dir.path().join("node"), "ed25519");
    let signer = Signer::new(&node, load_key(&node.client_key()));
    let mut documents =
        (0u32..).map(|n| HashAlgorithm::Sha256.digest(format!("document {n}").as_bytes()));
    let mut next = move || vec![documents.next().expect("endless")];

    // A committed transaction first, so there is one to replay.
    let valid = signer.notarize("valid", next());
    accept_and_commit(&node, &valid);
    let state = State::of(&node);

    let transactions = "/v1/transactions";
    let batch = "/v1/transactions/batch";
    let cases = [
        Case::post(
            "malformed JSON",
            transactions,
            b"{\"body\": {\"chain_id\": ",
            400,
            "malformed_json",
        ),
        Case::post(
            "JSON that is not a transaction",
            transactions,
            b"{\"hello\": 1}",
            400,
            "bad_transaction",
        ),
        Case::transaction(
            "a wrong chain id",
            signer.sign(with(&signer, &mut next, |b| b.chain_id = "other".into())),
            400,
            "wrong_chain",
        ),
        Case::transaction(
            "a wrong genesis hash",
            signer.sign(with(&signer, &mut next, |b| b.genesis_hash = Hash([7; 32]))),
            400,
            "wrong_chain",
        ),
        Case::transaction(
            "a bad signature",
            flip_signature(signer.notarize("bad signature", next())),
            400,
            "bad_signature",
        ),
        Case::transaction(
            "an expired transaction",
            signer.sign(with(&signer, &mut next, |b| {
                b.expires_at = now_ms() - 1_000
            })),
            400,
            "expired",
        ),
        Case::transaction(
            "an expiry beyond the window",
            signer.sign(with(&signer, &mut next, |b| {
                b.expires_at = now_ms() + 2 * EXPIRY_WINDOW_MS
            })),
            400,
            "expiry_too_far",
        ),
        Case::transaction(
            "an unknown call",
            signer.sign(with(&signer, &mut next, |b| {
                b.calls[0].method = "erase".into()
            })),
            400,
            "unknown_call",
        ),
        Case::transaction(
            "a replayed transaction",
            valid.clone(),
            409,
            "already_committed",
        ),
        Case::post(
            "an oversize body",
            transactions,
            &oversize_body(),
            413,
            "body_too_large",
        ),
        Case::get("an unknown route", "/v1/nothing", 404, "unknown_route"),
        Case::post(
            "a post to an unknown route",
            "/v1/nothing",
            b"{}",
            404,
            "unknown_route",
        ),
        Case::post(
            "a malformed batch",
            batch,
            b"{\"transactions\": [{\"body\"",
            400,
            "malformed_json",
        ),
        Case::post(
            "an empty batch",
            batch,
            b"{\"transactions\": []}",
            400,
            "bad_batch_size",
        ),
    ];
    for case in &cases {
        let (what, status, code) = (case.what, case.status, case.code);
        let answer = http::request(
            case.method,
            &format!("{}{}", node.url, case.path),
            case.body.as_deref(),
        );
        let message = answer.assert_error(status, code);
        eprintln!("{what}: {status} {code}: {message}");
        state.assert_unchanged(&node, what);
    }

    // In a batch, each bad transaction is refused on its own with its code; nothing enters.
    let refused = [
        flip_signature(signer.notarize("bad", next())),
        valid.clone(),
    ];
    let body = format!(
        "{{\"transactions\": [{}]}}",
        refused
            .iter()
            .map(|t| String::from_utf8(t.json()).expect("UTF-8"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let answer = http::post(&node.url, batch, body.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["accepted"], 0, "{json}");
    let codes: Vec<&str> = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, ["bad_signature", "already_committed"], "{json}");
    state.assert_unchanged(&node, "a batch of bad transactions");

    // None of the refused transactions slipped in: the next block holds exactly the next valid one.
    let last = signer.notarize("last", next());
    accept_and_commit(&node, &last);
    let after = State::of(&node);
    assert_eq!(
        (after.height, after.log_size),
        (state.height + 1, state.log_size + 1),
        "one block, one record"
    );
    let block = node.get(&format!("/v1/blocks/{}", after.height));
    assert_eq!(
        block["transaction_ids"],
        serde_json::json!([last.id]),
        "{block}"
    );
}

/// One bad request and the refusal it must get.
struct Case {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<Vec<u8>>,
    status: u16,
    code: &'static str,
}

impl Case {
    fn post(
        what: &'static str,
        path: &'static str,
        body: &[u8],
        status: u16,
        code: &'static str,
    ) -> Case {
        Case {
            what,
            method: "POST",
            path,
            body: Some(body.to_vec()),
            status,
            code,
        }
    }

    fn get(what: &'static str, path: &'static str, status: u16, code: &'static str) -> Case {
        Case {
            what,
            method: "GET",
            path,
            body: None,
            status,
            code,
        }
    }

    fn transaction(what: &'static str, signed: Signed, status: u16, code: &'static str) -> Case {
        Case::post(what, "/v1/transactions", &signed.json(), status, code)
    }
}

/// What must not change.
#[derive(Debug, PartialEq, Eq)]
struct State {
    height: u64,
    log_size: u64,
    mempool: u64,
}

impl State {
    fn of(node: &Node) -> State {
        let status = node.status();
        let number = |field: &str| {
            status[field]
                .as_u64()
                .unwrap_or_else(|| panic!("status has no {field}: {status}"))
        };
        State {
            height: number("height"),
            log_size: number("evidence_log_size"),
            mempool: number("mempool_transactions"),
        }
    }

    fn assert_unchanged(&self, node: &Node, what: &str) {
        assert_eq!(&State::of(node), self, "{what} changed the node's state");
    }
}

/// Submits `signed`, expects 202, and waits until it is committed successfully.
fn accept_and_commit(node: &Node, signed: &Signed) {
    let answer = http::post(&node.url, "/v1/transactions", &signed.json());
    assert_eq!(
        answer.status, 202,
        "a valid transaction was refused: {}",
        answer.body
    );
    assert_eq!(
        answer.json()["id"],
        signed.id.to_hex(),
        "the node computes the same id"
    );
    let status = wait_until("the transaction to commit", COMMIT_TIMEOUT, || {
        let status = node.get(&format!("/v1/transactions/{}", signed.id));
        (status["status"] == "committed").then_some(status)
    });
    assert_eq!(
        status["ok"],
        Value::Bool(true),
        "the transaction failed: {status}"
    );
}

/// A fresh notarisation body changed by `change` (signed afterwards, so only `change` is wrong).
fn with(
    signer: &Signer,
    next: &mut impl FnMut() -> Vec<Hash>,
    change: impl FnOnce(&mut zl_types::TransactionBody),
) -> zl_types::TransactionBody {
    let mut body = signer.notarize_body("refused", next());
    change(&mut body);
    body
}

/// The same transaction with one bit of its signature flipped.
fn flip_signature(mut signed: Signed) -> Signed {
    signed.transaction.signature.0[10] ^= 1;
    signed
}

/// A JSON body larger than the route's limit.
fn oversize_body() -> Vec<u8> {
    let mut body = b"{\"padding\": \"".to_vec();
    body.resize(TRANSACTION_BODY_BYTES_MAX + 1024, b'a');
    body.extend_from_slice(b"\"}");
    body
}
