//! A whole market through the communication bridge (通讯桥), with a real `zld` on an `sm` chain
//! named `shanghai` and every command sent by the real `zl bridge`: the market registers itself,
//! an enterprise lists its shares, two investors open securities and fund accounts, the shares
//! are issued to investor A, A transfers some to B, B updates her details, the custodian bank
//! credits B, and A sells to B by delivery versus payment. Then a transfer beyond what A holds
//! and a settlement B cannot pay are refused and change nothing, and retries of committed
//! commands answer their first answer again without a new block.
//!
//! Checked on the way: each answer's objects in business order; every record's proof verifies
//! offline against the genesis and its references name snapshots that exist; the equity book
//! after each step; no investor's name, identity number, phone or address in any answer the
//! chain serves, nor anywhere in the node's files; and the market, logged in as the owner DID,
//! reads investor A's full snapshot with her name in clear and a seal that verifies.
//!
//! The request bodies are `tests/fixtures/bridge/` (README.md there describes them).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::{json, Value};
use zl_tests::documents::load_genesis;
use zl_tests::market::{login_as_market, open_market, MARKET_DID};
use zl_tests::wait::poll_until;
use zl_tests::{http, path_str, set_config, text, Node};
use zl_types::object::{snapshot_digest, ObjectProof};
use zl_types::Genesis;

/// The market's DID, which owns every object: its code is the market's unified social credit
/// code, as in `01-market-subject.json`.
const OWNER: &str = MARKET_DID;
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bridge");

const PRODUCT: &str = "prod.hengtai.eq";
const SEC_A: &str = "acct.sec.a";
const SEC_B: &str = "acct.sec.b";
const INVESTOR_A: &str = "subject.inv.a";

/// Every personal value the fixtures hold (names, identity numbers, phones, addresses of the
/// two investors), none of which may reach the chain in clear.
const PERSONAL: &[&str] = &[
    "王晓明",
    "李佳怡",
    "310115198503120418",
    "310104199007280629",
    "13817263541",
    "13916452738",
    "13601839275",
    "上海市徐汇区漕溪北路88号",
    "上海市静安区南京西路1266号",
];

/// One object of an answer as expected: (source, type, object id, version, operation).
type Expected = (&'static str, &'static str, &'static str, u64, &'static str);

/// A fixture's path.
fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// `zl --node NODE ARGS...`, asserting its exit code.
fn zl(node: &Node, args: &[&str], code: i32) -> Output {
    node.zl_exit(args, code)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `zl bridge PROTOCOL COMMAND --file FILE --idempotency-key KEY`, whatever it answers.
fn bridge(node: &Node, protocol: &str, command: &str, file: &Path, key: &str) -> Output {
    node.zl(&[
        "bridge",
        protocol,
        command,
        "--file",
        path_str(file),
        "--idempotency-key",
        key,
    ])
}

/// A bridge command that must commit: exit 0, not a replay, the answer's members, its objects
/// exactly `expected` in order, and its transaction committed at the answer's height.
fn committed(
    node: &Node,
    (protocol, command): (&str, &str),
    file: &str,
    key: &str,
    expected: &[Expected],
) -> Value {
    let output = bridge(node, protocol, command, &fixture(file), key);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{protocol}/{command} {file}: {}",
        text(&output)
    );
    assert!(
        !stderr(&output).contains("replayed"),
        "a first command is no replay: {}",
        text(&output)
    );
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("zl bridge prints JSON ({e}): {}", text(&output)));
    assert_eq!(answer["idempotency_key"], key, "{answer:#}");
    assert_eq!(answer["protocol"], protocol, "{answer:#}");
    assert_eq!(answer["command"], command, "{answer:#}");
    assert_eq!(answer["warnings"], json!([]), "{file} needs no renames");
    let objects: Vec<(String, String, String, u64, String)> = answer["objects"]
        .as_array()
        .unwrap_or_else(|| panic!("objects is a list: {answer:#}"))
        .iter()
        .map(|o| {
            assert_eq!(o["revision"], 0, "{o}");
            let digest = o["snapshot_digest"].as_str().unwrap_or_default();
            assert!(
                digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
                "{o}"
            );
            (
                o["source"].as_str().unwrap_or("<null>").to_owned(),
                o["type"].as_str().unwrap_or_default().to_owned(),
                o["object_id"].as_str().unwrap_or_default().to_owned(),
                o["version"].as_u64().unwrap_or(u64::MAX),
                o["operation"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String, u64, String)> = expected
        .iter()
        .map(|(s, t, id, v, op)| {
            (
                s.to_string(),
                t.to_string(),
                id.to_string(),
                *v,
                op.to_string(),
            )
        })
        .collect();
    assert_eq!(objects, expected, "{protocol}/{command} {file}");
    let tx = answer["tx_id"].as_str().expect("a tx_id");
    let height = answer["height"].as_u64().expect("a height");
    let info = node.get(&format!("/v1/transactions/{tx}"));
    assert_eq!(info["status"], "committed", "{info}");
    assert_eq!(info["ok"], true, "{info}");
    assert_eq!(info["height"], height, "{info}");
    answer
}

/// A bridge command that must be refused: exit 1 and the node's `code` on stderr; answers
/// the message.
fn refused(
    node: &Node,
    (protocol, command): (&str, &str),
    file: &Path,
    key: &str,
    code: &str,
) -> String {
    let output = bridge(node, protocol, command, file, key);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{protocol}/{command} {}: {}",
        file.display(),
        text(&output)
    );
    let message = stderr(&output);
    assert!(
        message.contains(&format!("({code})")),
        "expected {code}: {}",
        text(&output)
    );
    assert!(
        stdout(&output).trim().is_empty(),
        "a refusal prints no answer: {}",
        text(&output)
    );
    message
}

/// The equity book as the test follows it.
#[derive(Debug, PartialEq, Eq)]
struct Book {
    /// (available, locked, frozen, pledged) of A's and B's securities accounts.
    a_shares: [u64; 4],
    b_shares: [u64; 4],
    /// (available, locked) fen of A's and B's securities accounts, which settle names.
    a_funds: [u64; 2],
    b_funds: [u64; 2],
    /// The product's (total, holders).
    product: [u64; 2],
}

fn read_json(node: &Node, path: &str) -> Value {
    let answer = http::get(&node.url, path);
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
    answer.json()
}

fn numbers(value: &Value, names: &[&str]) -> Vec<u64> {
    names
        .iter()
        .map(|n| {
            value[*n]
                .as_u64()
                .unwrap_or_else(|| panic!("{n} is a number in {value}"))
        })
        .collect()
}

fn book(node: &Node) -> Book {
    let shares = |account: &str| -> [u64; 4] {
        let holding = read_json(node, &format!("/v1/equity/holdings/{PRODUCT}/{account}"));
        numbers(&holding, &["available", "locked", "frozen", "pledged"])
            .try_into()
            .expect("four buckets")
    };
    let funds = |account: &str| -> [u64; 2] {
        let fund = read_json(node, &format!("/v1/equity/funds/{account}"));
        numbers(&fund, &["available", "locked"])
            .try_into()
            .expect("two balances")
    };
    let product = read_json(node, &format!("/v1/equity/products/{PRODUCT}"));
    Book {
        a_shares: shares(SEC_A),
        b_shares: shares(SEC_B),
        a_funds: funds(SEC_A),
        b_funds: funds(SEC_B),
        product: numbers(&product, &["total", "holders"])
            .try_into()
            .expect("two figures"),
    }
}

fn expect_book(
    node: &Node,
    step: &str,
    (a, b): (u64, u64),
    (a_fen, b_fen): (u64, u64),
    total: u64,
    holders: u64,
) {
    let expected = Book {
        a_shares: [a, 0, 0, 0],
        b_shares: [b, 0, 0, 0],
        a_funds: [a_fen, 0],
        b_funds: [b_fen, 0],
        product: [total, holders],
    };
    assert_eq!(book(node), expected, "the equity book after {step}");
}

/// The head of every object in `ids`, for comparing before and after a retry.
fn heads(node: &Node, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .map(|id| read_json(node, &format!("/v1/objects/{id}"))["head"].clone())
        .collect()
}

/// Fails naming the answer if a personal value is in `body` (as sent, and re-read as JSON so
/// that escaped text is seen too).
fn assert_no_personal(what: &str, body: &str) {
    let reread = serde_json::from_str::<Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_default();
    for value in PERSONAL {
        assert!(
            !body.contains(value) && !reread.contains(value),
            "{what} holds the personal value {value:?} in clear: {body}"
        );
    }
}

/// GETs `path` (any status) and checks it holds no personal value; answers the body.
fn scan(node: &Node, path: &str) -> String {
    let answer = http::get(&node.url, path);
    assert_no_personal(&format!("GET {path} ({})", answer.status), &answer.body);
    answer.body
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("folder lists").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// Verifies the proof of `id`/`version` against the genesis and its record against `digest`
/// (from the bridge's answer); checks each reference names a snapshot that exists. Answers the
/// record.
fn verify_record(node: &Node, genesis: &Genesis, id: &str, version: u64, digest: &Value) -> Value {
    let proof_json = read_json(node, &format!("/v1/objects/{id}/versions/{version}/proof"));
    let proof: ObjectProof = serde_json::from_value(proof_json.clone())
        .unwrap_or_else(|e| panic!("{id}/{version}: not an object proof ({e}): {proof_json}"));
    proof
        .verify(genesis)
        .unwrap_or_else(|e| panic!("{id}/{version}: the proof does not verify: {e}"));
    let record = &proof.record;
    assert_eq!((record.object_id.as_str(), record.version), (id, version));
    assert_eq!(record.revision, 0);
    assert_eq!(record.owner, OWNER, "{id}/{version}");
    assert_eq!(
        &serde_json::to_value(record.snapshot_digest).expect("a digest serialises"),
        digest,
        "{id}/{version}: the record's digest is the one the bridge answered"
    );
    assert!(
        record.header.pointer("/seal/signature").is_some(),
        "{id}/{version} is sealed on chain: {}",
        record.header
    );
    for reference in &record.references {
        let (target, target_version) = reference
            .rsplit_once('/')
            .unwrap_or_else(|| panic!("{id}/{version}: {reference:?} is not <id>/<version>"));
        assert!(
            !target.is_empty() && target_version.parse::<u64>().is_ok(),
            "{id}/{version}: {reference:?} is not <id>/<version>"
        );
        let answer = http::get(
            &node.url,
            &format!("/v1/objects/{target}/versions/{target_version}"),
        );
        assert_eq!(
            answer.status, 200,
            "{id}/{version} refers to {reference}, which does not exist: {}",
            answer.body
        );
    }
    serde_json::to_value(record).expect("a record serialises")
}

#[test]
fn a_market_runs_through_the_bridge_and_keeps_personal_data_off_chain() {
    // The fixtures hold every personal value this test looks for, so its scans mean something.
    let mut fixtures_text = String::new();
    let mut fixture_files = Vec::new();
    files_under(Path::new(FIXTURES), &mut fixture_files);
    for file in &fixture_files {
        fixtures_text += &std::fs::read_to_string(file).expect("fixture readable");
    }
    for value in PERSONAL {
        assert!(fixtures_text.contains(value), "no fixture holds {value:?}");
    }

    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let seal_key = home.join("bridge-seal.key");
    let made = zl_tests::zl(&["keys", "new", "--suite", "sm", "--out", path_str(&seal_key)]);
    assert!(made.status.success(), "zl keys new: {}", text(&made));
    set_config(&home, "bridge", "owner", &format!("\"{OWNER}\""));
    set_config(&home, "bridge", "seal_key", "\"bridge-seal.key\"");
    let node = Node::start(&home);
    let genesis = load_genesis(&node.genesis_path());

    // The node's key signs the bridge's transactions (submitter) and creates the owner's DID
    // (DID authority); the seal key is the DID's assertion method.
    open_market(&node, &seal_key, dir.path());
    let product_path = format!("/v1/equity/products/{PRODUCT}");
    http::get(&node.url, &product_path).assert_error(404, "not_found");

    // The market, then the enterprise with its product (in the equity book at once).
    let mut answers = Vec::new();
    answers.push(committed(
        &node,
        ("user_registration", "subject"),
        "01-market-subject.json",
        "mkt-01-market-subject",
        &[("/subject", "subject", "subject.market.shsec", 0, "create")],
    ));
    answers.push(committed(
        &node,
        ("asset_registration", "product"),
        "02-product.json",
        "mkt-02-product",
        &[
            ("/issuer", "subject", "subject.ent.hengtai", 0, "create"),
            ("/product", "product", PRODUCT, 0, "create"),
        ],
    ));
    expect_book(&node, "the product", (0, 0), (0, 0), 0, 0);

    // Two investors, each with a securities and a fund account (B's given flat).
    answers.push(committed(
        &node,
        ("user_registration", "account"),
        "03-investor-a-accounts.json",
        "mkt-03-investor-a",
        &[
            ("/investor", "subject", INVESTOR_A, 0, "create"),
            ("/accounts/0", "account", SEC_A, 0, "create"),
            ("/accounts/1", "account", "acct.fund.a", 0, "create"),
        ],
    ));
    answers.push(committed(
        &node,
        ("user_registration", "account"),
        "04-investor-b-accounts.json",
        "mkt-04-investor-b",
        &[
            ("/investor", "subject", "subject.inv.b", 0, "create"),
            ("/accounts/0", "account", SEC_B, 0, "create"),
            ("/accounts/1", "account", "acct.fund.b", 0, "create"),
        ],
    ));

    // Initial registration: 10000 shares to A.
    answers.push(committed(
        &node,
        ("asset_registration", "issue"),
        "05-issue.json",
        "mkt-05-issue",
        &[(
            "/holdings/0/registration",
            "registration",
            "reg.issue.a.1",
            0,
            "create",
        )],
    ));
    expect_book(&node, "the issue", (10_000, 0), (0, 0), 10_000, 1);
    // The register as issued reconciles with its declared totals, and a wrong declaration shows
    // its differences.
    let reconcile = |total: u64, holders: u64| {
        let path = format!(
            "/v1/bridge/asset_mapping/reconcile?product={PRODUCT}&total={total}&holders={holders}"
        );
        http::get(&node.url, &path).json()
    };
    let report = reconcile(10_000, 1);
    assert_eq!(report["matches"], true, "{report}");
    let report = reconcile(10_500, 2);
    assert_eq!(report["matches"], false, "{report}");
    assert_eq!(
        report["difference"],
        json!({"total": -500, "holders": -1}),
        "{report}"
    );

    // A transfers 3000 to B (the report given flat).
    let transfer_file = "06-transfer.json";
    let transfer = committed(
        &node,
        ("transfer_management", "transfer"),
        transfer_file,
        "mkt-06-transfer",
        &[
            (
                "/report",
                "transactionreport",
                "rpt.transfer.1",
                0,
                "create",
            ),
            (
                "/from_registration",
                "registration",
                "reg.transfer.1.from",
                0,
                "create",
            ),
            (
                "/to_registration",
                "registration",
                "reg.transfer.1.to",
                0,
                "create",
            ),
        ],
    );
    answers.push(transfer.clone());
    expect_book(&node, "the transfer", (7_000, 3_000), (0, 0), 10_000, 2);

    // B updates her details: version 1, which later references pin.
    answers.push(committed(
        &node,
        ("user_registration", "subject"),
        "07-investor-b-update.json",
        "mkt-07-investor-b-update",
        &[("/subject", "subject", "subject.inv.b", 1, "update")],
    ));

    // The custodian bank credits 50000.00 yuan to B: no object, only the book.
    let deposit_file = "08-deposit-b.json";
    let deposit = committed(
        &node,
        ("fund_mapping", "deposit"),
        deposit_file,
        "mkt-08-deposit-b",
        &[],
    );
    answers.push(deposit.clone());
    expect_book(
        &node,
        "the deposit",
        (7_000, 3_000),
        (0, 5_000_000),
        10_000,
        2,
    );

    // Delivery versus payment: A sells 2000 to B for 20000.00 yuan.
    answers.push(committed(
        &node,
        ("settlement_management", "settle"),
        "09-settle.json",
        "mkt-09-settle",
        &[
            ("/report", "transactionreport", "rpt.settle.1", 0, "create"),
            ("/settlement", "settlement", "stl.settle.1", 0, "create"),
            (
                "/seller_registration",
                "registration",
                "reg.settle.1.seller",
                0,
                "create",
            ),
            (
                "/buyer_registration",
                "registration",
                "reg.settle.1.buyer",
                0,
                "create",
            ),
        ],
    ));
    let settled = |node: &Node, step: &str| {
        expect_book(
            node,
            step,
            (5_000, 5_000),
            (2_000_000, 3_000_000),
            10_000,
            2,
        );
    };
    settled(&node, "the settlement");

    // Every object written, with its latest version.
    let mut written: Vec<(String, u64, Value)> = Vec::new();
    for answer in &answers {
        for o in answer["objects"].as_array().expect("objects") {
            written.push((
                o["object_id"].as_str().expect("an id").to_owned(),
                o["version"].as_u64().expect("a version"),
                o["snapshot_digest"].clone(),
            ));
        }
    }
    let mut ids: Vec<String> = written.iter().map(|(id, ..)| id.clone()).collect();
    ids.sort();
    ids.dedup();

    // Retries: the same key and body answer the first answer again, with no new block, no new
    // version and no second deposit.
    let height = node.height();
    let heads_before = heads(&node, &ids);
    for (file, (protocol, command), key, first) in [
        (
            transfer_file,
            ("transfer_management", "transfer"),
            "mkt-06-transfer",
            &transfer,
        ),
        (
            deposit_file,
            ("fund_mapping", "deposit"),
            "mkt-08-deposit-b",
            &deposit,
        ),
    ] {
        let output = bridge(&node, protocol, command, &fixture(file), key);
        assert_eq!(output.status.code(), Some(0), "retry: {}", text(&output));
        assert!(
            stderr(&output).contains("replayed"),
            "the retry is marked replayed: {}",
            text(&output)
        );
        let again: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(&again, first, "a retry answers the first answer");
    }
    assert_eq!(node.height(), height, "a retry commits nothing");
    assert_eq!(
        heads(&node, &ids),
        heads_before,
        "a retry writes no version"
    );
    settled(&node, "the retries");

    // The same key with another body, and a command that does not exist.
    let other = dir.path().join("deposit-other.json");
    let mut body: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(deposit_file)).unwrap()).unwrap();
    body["amount"] = json!(1);
    std::fs::write(&other, body.to_string()).unwrap();
    refused(
        &node,
        ("fund_mapping", "deposit"),
        &other,
        "mkt-08-deposit-b",
        "idempotency_conflict",
    );
    refused(
        &node,
        ("transfer_management", "teleport"),
        &fixture(transfer_file),
        "mkt-xx-teleport",
        "unknown_route",
    );
    // An investor whose identity number has a wrong check character: refused with the pointer,
    // and the message does not echo the number.
    let bad_number = "310104199007280620";
    let invalid = dir.path().join("investor-bad-number.json");
    let mut body: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("07-investor-b-update.json")).unwrap(),
    )
    .unwrap();
    body["subject"]["object_id"] = json!("subject.inv.c");
    body["subject"]["personal_subject_information"]["personal_subject_basic_information"]
        ["subject_id_number"] = json!(bad_number);
    std::fs::write(&invalid, body.to_string()).unwrap();
    let message = refused(
        &node,
        ("user_registration", "subject"),
        &invalid,
        "mkt-xx-bad-number",
        "invalid_object",
    );
    assert!(
        message.contains("/subject/body/subject_information/personal_subject_information/personal_subject_basic_information/subject_id_number [identifier]"),
        "{message}"
    );
    assert!(!message.contains(bad_number), "{message}");
    http::get(&node.url, "/v1/objects/subject.inv.c").assert_error(404, "not_found");
    settled(&node, "the refused key reuse and invalid object");

    // A transfer beyond what A holds available (5000), and a settlement B cannot pay (40000.00
    // yuan asked, 30000.00 held): refused by the chain, nothing recorded.
    let message = refused(
        &node,
        ("transfer_management", "transfer"),
        &fixture("10-over-transfer.json"),
        "mkt-10-over-transfer",
        "conflict",
    );
    assert!(
        message.contains("cannot transfer 6000") && message.contains("holds only 5000 available"),
        "the refusal names the over-transfer: {message}"
    );
    let message = refused(
        &node,
        ("settlement_management", "settle"),
        &fixture("11-settle-funds-short.json"),
        "mkt-11-settle-funds-short",
        "conflict",
    );
    assert!(
        message.contains("fund leg") && message.contains("3000000"),
        "the refusal names the fund leg: {message}"
    );
    assert!(
        !message.contains("share leg"),
        "the share leg is fine: {message}"
    );
    for id in [
        "rpt.transfer.2",
        "reg.transfer.2.from",
        "reg.transfer.2.to",
        "rpt.settle.2",
        "stl.settle.2",
        "reg.settle.2.seller",
        "reg.settle.2.buyer",
    ] {
        http::get(&node.url, &format!("/v1/objects/{id}")).assert_error(404, "not_found");
    }
    assert_eq!(
        heads(&node, &ids),
        heads_before,
        "refusals write no version"
    );
    settled(&node, "the refusals");

    // Every record proves offline, its references name existing snapshots, and they are pinned
    // to the version current at the business event.
    let mut records = std::collections::BTreeMap::new();
    for (id, version, digest) in &written {
        let record = verify_record(&node, &genesis, id, *version, digest);
        records.insert((id.clone(), *version), record);
    }
    let references = |id: &str, version: u64| -> Vec<String> {
        serde_json::from_value(records[&(id.to_string(), version)]["references"].clone())
            .expect("references are text")
    };
    for (id, version, reference) in [
        ("acct.fund.a", 0, "acct.sec.a/0"),
        ("acct.sec.a", 0, "subject.inv.a/0"),
        (PRODUCT, 0, "subject.market.shsec/0"),
        (PRODUCT, 0, "subject.ent.hengtai/0"),
        ("rpt.transfer.1", 0, "subject.inv.b/0"),
        ("reg.transfer.1.to", 0, "rpt.transfer.1/0"),
        ("rpt.settle.1", 0, "subject.inv.b/1"),
        ("reg.settle.1.buyer", 0, "subject.inv.b/1"),
        ("stl.settle.1", 0, "rpt.settle.1/0"),
    ] {
        assert!(
            references(id, version).contains(&reference.to_string()),
            "{id}/{version} refers to {reference}: {:?}",
            references(id, version)
        );
    }
    let on_chain = read_json(&node, &format!("/v1/objects/{INVESTOR_A}"));
    let person = &on_chain["current"]["full_body"]["subject_information"]
        ["personal_subject_information"]["personal_subject_basic_information"];
    for member in [
        "subject_investor_name",
        "subject_id_number",
        "subject_cellphone_number",
    ] {
        assert!(
            person[member]
                .as_str()
                .is_some_and(|v| v.starts_with("sm3:")),
            "{member} is a salted digest on chain: {on_chain:#}"
        );
    }

    // No personal value in any answer the chain serves: blocks, transactions, receipts, and
    // every object's head, history, versions and proofs; nor in the bridge's answers.
    for answer in &answers {
        assert_no_personal("a bridge answer", &answer.to_string());
    }
    let latest = node.height();
    for height in 1..=latest {
        let block = scan(&node, &format!("/v1/blocks/{height}"));
        let block: Value = serde_json::from_str(&block).expect("a block is JSON");
        for tx in block["transaction_ids"]
            .as_array()
            .expect("transaction ids")
        {
            let tx = tx.as_str().expect("an id");
            scan(&node, &format!("/v1/transactions/{tx}"));
            scan(&node, &format!("/v1/transactions/{tx}/receipt"));
        }
    }
    for id in &ids {
        let head = scan(&node, &format!("/v1/objects/{id}"));
        let head: Value = serde_json::from_str(&head).expect("JSON");
        scan(&node, &format!("/v1/objects/{id}/history"));
        for version in 0..=head["head"]["latest"].as_u64().expect("latest") {
            scan(&node, &format!("/v1/objects/{id}/versions/{version}"));
            scan(&node, &format!("/v1/objects/{id}/versions/{version}/proof"));
        }
    }
    // Nor anywhere in the node's files (ledger, object store, staging): the full snapshots
    // are encrypted at rest, the chain keeps digests.
    let mut node_files = Vec::new();
    files_under(&home, &mut node_files);
    for file in &node_files {
        let Ok(bytes) = std::fs::read(file) else {
            continue; // a file RocksDB removed meanwhile
        };
        for value in PERSONAL {
            let needle = value.as_bytes();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds the personal value {value:?} in clear",
                file.display()
            );
        }
    }

    // The owner logs in and reads investor A's full snapshot: her name and number in clear,
    // the digest the chain records, a proof and a seal that verify.
    let token = login_as_market(&node, &seal_key);
    let get_full = [
        "object",
        "get",
        INVESTOR_A,
        "--version",
        "0",
        "--full",
        "--token",
        &token,
    ];
    // The snapshot is published after its block; the bridge answered after the commit.
    let mut refusal = String::new();
    let full = poll_until(Duration::from_secs(30), || {
        let output = node.zl(&get_full);
        refusal = String::from_utf8_lossy(&output.stderr).into_owned();
        output.status.success().then_some(output)
    })
    .unwrap_or_else(|| panic!("investor A's full snapshot is not served after 30 s: {refusal}"));
    let full: Value = serde_json::from_slice(&full.stdout).expect("JSON");
    let object = &full["object"];
    let person = &object["body"]["subject_information"]["personal_subject_information"]
        ["personal_subject_basic_information"];
    assert_eq!(person["subject_investor_name"], "王晓明", "{full:#}");
    assert_eq!(person["subject_id_number"], "310115198503120418");
    let record = &records[&(INVESTOR_A.to_string(), 0)];
    assert_eq!(
        &object["header"], &record["header"],
        "the header sealed is the one on chain"
    );
    assert_eq!(
        serde_json::to_value(snapshot_digest(object).expect("a digest")).unwrap(),
        record["snapshot_digest"],
        "the full snapshot is the one the chain records"
    );
    let proof: ObjectProof = serde_json::from_value(full["proof"].clone()).expect("a proof");
    proof
        .verify(&genesis)
        .expect("the snapshot's proof verifies");
    let sealed = dir.path().join("investor-a.json");
    std::fs::write(&sealed, serde_json::to_vec_pretty(object).unwrap()).unwrap();
    let verified = zl(&node, &["object", "verify", "--file", path_str(&sealed)], 0);
    assert!(
        stdout(&verified).contains("seal: valid"),
        "{}",
        text(&verified)
    );
}
