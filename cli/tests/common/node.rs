//! A fake node speaking the client API over plain HTTP/1.1, backed by a [`TestChain`]: it
//! checks and commits every accepted batch at once (one block per batch) and streams commits.

use super::chain::{Notarisation, TestChain};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use zl_types::transaction::ChainBinding;
use zl_types::{Hash, NotarizeArgs, Transaction};

/// How the fake node misbehaves.
#[derive(Clone, Default)]
pub struct Behaviour {
    /// Answer this many batches with 503 + `Retry-After: 0`, accepting only their first transaction.
    pub busy_batches: usize,
    /// Fail (ok=false) transactions whose title contains this text.
    pub poison_title: Option<String>,
}

struct TransactionEntry {
    height: u64,
    index: u64,
    ok: bool,
    error: Option<Value>,
    events: Vec<Value>,
}

struct State {
    chain: TestChain,
    behaviour: Behaviour,
    transactions: HashMap<Hash, TransactionEntry>,
    subscribers: Vec<Sender<String>>,
    batches: usize,
}

/// A running fake node.
pub struct FakeNode {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeNode {
    pub fn start(chain: TestChain, behaviour: Behaviour) -> FakeNode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            chain,
            behaviour,
            transactions: HashMap::new(),
            subscribers: Vec::new(),
            batches: 0,
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        FakeNode { url, state }
    }

    /// Runs `f` on the chain.
    pub fn with_chain<T>(&self, f: impl FnOnce(&TestChain) -> T) -> T {
        f(&self.state.lock().unwrap().chain)
    }

    /// Batch requests received.
    pub fn batches(&self) -> usize {
        self.state.lock().unwrap().batches
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = stream;
    if method == "GET" && path == "/v1/commits" {
        return stream_commits(stream, state);
    }
    let (status, headers, answer) = route(&method, &path, &body, state);
    let text = answer.to_string();
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        text.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(text.as_bytes()));
}

fn stream_commits(mut stream: TcpStream, state: &Mutex<State>) {
    let (sender, events) = channel();
    // Subscribed before the headers go out: whoever sees the headers misses no commit.
    state.lock().unwrap().subscribers.push(sender);
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n: hello\n\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for event in events {
        if stream
            .write_all(event.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

fn route(method: &str, path: &str, body: &[u8], state: &Mutex<State>) -> (u16, String, Value) {
    let mut state = state.lock().unwrap();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["v1", "status"]) => {
            let chain = &state.chain;
            let last = chain.headers.last();
            let answer = json!({
                "chain_id": chain.genesis.chain_id, "role": "validator",
                "crypto_suite": chain.genesis.crypto_suite, "genesis_hash": chain.genesis.hash(),
                "height": chain.headers.len(), "latest_block_time": last.map(|h| h.time),
                "evidence_log_size": chain.records.len(), "mempool_transactions": 0,
            });
            (200, String::new(), answer)
        }
        ("GET", ["v1", "genesis"]) => (
            200,
            String::new(),
            serde_json::to_value(&state.chain.genesis).unwrap(),
        ),
        ("POST", ["v1", "transactions", "batch"]) => batch(&mut state, body),
        ("POST", ["v1", "transactions"]) => {
            let wrapped = format!("{{\"transactions\":[{}]}}", String::from_utf8_lossy(body));
            let (_, headers, answer) = batch(&mut state, wrapped.as_bytes());
            let result = answer["results"][0].clone();
            match result.get("error") {
                Some(error) => (400, headers, json!({"error": error})),
                None => (202, headers, result),
            }
        }
        ("GET", ["v1", "transactions", id]) => match Hash::from_hex(id)
            .ok()
            .and_then(|id| state.transactions.get(&id))
        {
            Some(t) => (
                200,
                String::new(),
                json!({"id": id, "status": "committed", "height": t.height, "index": t.index,
                       "ok": t.ok, "error": t.error, "events": t.events}),
            ),
            None => (
                404,
                String::new(),
                error("not_found", "no such transaction"),
            ),
        },
        ("GET", ["v1", "evidence", "records", seq, "proofs"]) => match seq.parse::<u64>() {
            Ok(seq) if (seq as usize) < state.chain.records.len() => {
                (200, String::new(), state.chain.proofs(seq))
            }
            _ => (404, String::new(), error("not_found", "no such record")),
        },
        ("GET", ["v1", "evidence", digest]) => {
            let found = Hash::from_hex(digest)
                .map(|d| state.chain.records_with(&d))
                .unwrap_or_default();
            if found.is_empty() {
                return (
                    404,
                    String::new(),
                    error("not_found", "no evidence records hold this digest"),
                );
            }
            let records: Vec<Value> = found
                .iter()
                .map(|&seq| json!({"record": state.chain.records[seq as usize], "superseded": null, "receipt": null}))
                .collect();
            (
                200,
                String::new(),
                json!({"digest": digest, "records": records}),
            )
        }
        _ => (
            404,
            String::new(),
            error("not_found", &format!("no route {method} {path}")),
        ),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn batch(state: &mut State, body: &[u8]) -> (u16, String, Value) {
    state.batches += 1;
    let request: Value = serde_json::from_slice(body).unwrap();
    let transactions = request["transactions"].as_array().unwrap();
    let busy = state.behaviour.busy_batches > 0;
    if busy {
        state.behaviour.busy_batches -= 1;
    }
    let genesis_hash = state.chain.genesis.hash();
    let chain_id = state.chain.genesis.chain_id.clone();
    let binding = ChainBinding {
        chain_id: &chain_id,
        genesis_hash: &genesis_hash,
        hash_algorithm: state.chain.alg(),
    };
    let mut results = Vec::new();
    let mut accepted = Vec::new();
    for (index, value) in transactions.iter().enumerate() {
        if busy && index > 0 {
            results.push(json!({"index": index, "error": {"code": "mempool_full", "message": "the mempool is full"}}));
            continue;
        }
        let transaction: Transaction = serde_json::from_value(value.clone()).unwrap();
        match transaction
            .check(&binding, now_ms())
            .and_then(|c| c.verify_signature().map(|()| c))
        {
            Ok(checked) => {
                results.push(json!({"id": checked.id, "status": "pending"}));
                accepted.push(checked);
            }
            Err(e) => results.push(
                json!({"index": index, "error": {"code": "invalid", "message": e.to_string()}}),
            ),
        }
    }
    commit(state, accepted);
    let answer = json!({"accepted": results.iter().filter(|r| r.get("id").is_some()).count(), "results": results});
    if busy {
        (503, "Retry-After: 0\r\n".into(), answer)
    } else {
        (200, String::new(), answer)
    }
}

fn commit(state: &mut State, accepted: Vec<zl_types::CheckedTransaction>) {
    let mut outcomes = Vec::new();
    let mut notarisations = Vec::new();
    for checked in &accepted {
        let args: NotarizeArgs =
            serde_json::from_value(checked.transaction.body.calls[0].args.clone()).unwrap();
        let poisoned = state
            .behaviour
            .poison_title
            .as_ref()
            .is_some_and(|p| args.title.contains(p.as_str()));
        outcomes.push((checked.id, !poisoned));
        if !poisoned {
            let submitter = checked.transaction.body.signer.clone();
            notarisations.push(Notarisation {
                tx_id: checked.id,
                submitter,
                args,
            });
        }
    }
    let (height, seqs) = state.chain.commit(&outcomes, notarisations);
    let mut seqs = seqs.into_iter();
    for (index, (id, ok)) in outcomes.iter().enumerate() {
        let (error, events) = if *ok {
            let seq = seqs.next().unwrap();
            let record = &state.chain.records[seq as usize];
            let event = json!({"contract": "evidence", "kind": "notarized", "tx_id": id,
                "attributes": {"seq": seq, "document_count": record.document_count,
                               "documents_root": record.documents_root, "refers_to": null}});
            (None, vec![event])
        } else {
            (
                Some(json!({"code": "bad_arguments", "message": "poisoned title"})),
                Vec::new(),
            )
        };
        state.transactions.insert(
            *id,
            TransactionEntry {
                height,
                index: index as u64,
                ok: *ok,
                error,
                events,
            },
        );
    }
    let time = state.chain.headers.last().unwrap().time;
    let listed: Vec<Value> = outcomes
        .iter()
        .map(|(id, ok)| json!({"id": id, "ok": ok}))
        .collect();
    let data = json!({"height": height, "hash": "00", "time": time, "transactions": listed});
    let event = format!("event: commit\ndata: {data}\n\n");
    state.subscribers.retain(|s| s.send(event.clone()).is_ok());
}
