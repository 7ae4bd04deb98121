//! The load of `zl bench bridge`: the market registers itself once, then each connection sends
//! `user_registration/account` commands (1–4 fresh objects: an investor subject with 1–3
//! accounts, or one account alone) back to back, each with its own Idempotency-Key, and
//! records every answer.

use crate::bench::node::BenchNode;
use crate::client::Client;
use anyhow::{bail, Context as _};
use rand_core::{OsRng, RngCore as _};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The market's own subject (the depository the accounts name).
const MARKET_SUBJECT: &str = include_str!("market-subject.json");
/// An investor subject with accounts: the template of every command.
const INVESTOR_ACCOUNTS: &str = include_str!("investor-accounts.json");
/// The command offered.
const ACCOUNT_PATH: &str = "/v1/bridge/user_registration/account";

/// What the load recorded.
pub(crate) struct Load {
    pub(crate) commands: u64,
    pub(crate) objects: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) latencies: Vec<Option<Duration>>,
    pub(crate) errors: BTreeMap<String, u64>,
    pub(crate) first_error: Option<String>,
}

/// One connection's record.
#[derive(Default)]
struct Log {
    commands: u64,
    objects: u64,
    latencies: Vec<Option<Duration>>,
    errors: BTreeMap<String, u64>,
    first_error: Option<String>,
}

/// Registers the market's own subject through the bridge (the accounts' depository).
pub(crate) fn register_market(node: &BenchNode) -> anyhow::Result<()> {
    let client = node.client()?;
    let answer = client.send_with_headers(
        "POST",
        "/v1/bridge/user_registration/subject",
        Some(MARKET_SUBJECT.as_bytes()),
        &[("Idempotency-Key", "bench-market-subject")],
    )?;
    if answer.status != 200 {
        bail!(
            "registering the market subject through the bridge failed: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    Ok(())
}

/// The `n`-th command of connection `c`, all ids fresh: with `k = n % 4`, an investor and `k`
/// accounts, or for `k = 0` one account of the connection's previous investor (the market's
/// own for the first); so 1, 2, 3, 4 objects in turn.
fn command(template: &Value, run: &str, c: usize, n: u64) -> Value {
    let mut body = template.clone();
    let k = n % 4;
    let subject = if k == 0 {
        body.as_object_mut().map(|b| b.remove("investor"));
        match n {
            0 => "subject.market.shsec".to_string(),
            _ => format!("inv.{run}.{c}.{}", n - 1),
        }
    } else {
        let subject = format!("inv.{run}.{c}.{n}");
        body["investor"]["subject_object_id"] = json!(subject);
        subject
    };
    let account = body["accounts"][0].clone();
    let accounts: Vec<Value> = (0..k.max(1))
        .map(|j| {
            let mut a = account.clone();
            a["account_object_id"] = json!(format!("acct.{run}.{c}.{n}.{j}"));
            a["account_subject_ref"] = json!(subject);
            a["account_number"] = json!(format!("SH{:04}{:06}{j}", c % 10_000, n % 1_000_000));
            a
        })
        .collect();
    body["accounts"] = json!(accounts);
    body
}

/// Offers commands for `window` over `connections` clients.
pub(crate) fn run(url: &str, window: Duration, connections: usize) -> anyhow::Result<Load> {
    let template: Value =
        serde_json::from_str(INVESTOR_ACCOUNTS).context("the bundled template is not JSON")?;
    let run = format!("{:08x}", OsRng.next_u32());
    let start = Instant::now();
    let logs: Vec<anyhow::Result<Log>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|c| {
                let (template, run) = (&template, &run);
                scope.spawn(move || offer(url, template, run, c, start, window))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a bridge client thread panicked"))
            .collect()
    });
    let elapsed_s = start.elapsed().as_secs_f64();
    let mut load = Load {
        commands: 0,
        objects: 0,
        elapsed_s,
        latencies: Vec::new(),
        errors: BTreeMap::new(),
        first_error: None,
    };
    for log in logs {
        let log = log?;
        load.commands += log.commands;
        load.objects += log.objects;
        load.latencies.extend(log.latencies);
        for (code, count) in log.errors {
            *load.errors.entry(code).or_default() += count;
        }
        load.first_error = load.first_error.or(log.first_error);
    }
    Ok(load)
}

/// One connection: send, record, until the window ends.
fn offer(
    url: &str,
    template: &Value,
    run: &str,
    c: usize,
    start: Instant,
    window: Duration,
) -> anyhow::Result<Log> {
    let client = Client::new(url)?;
    let mut log = Log::default();
    let mut n = 0u64;
    while start.elapsed() < window {
        let body = serde_json::to_vec(&command(template, run, c, n))?;
        let key = format!("bench-{run}-{c}-{n}");
        n += 1;
        let sent = Instant::now();
        let outcome = client.send_with_headers(
            "POST",
            ACCOUNT_PATH,
            Some(&body),
            &[("Idempotency-Key", key.as_str())],
        );
        let (code, detail) = match outcome {
            Ok(answer) if answer.status == 200 => {
                log.latencies.push(Some(sent.elapsed()));
                log.commands += 1;
                let written: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
                log.objects += written["objects"].as_array().map_or(0, |o| o.len() as u64);
                continue;
            }
            Ok(answer) => {
                let error = answer.error();
                (
                    format!("{} {}", answer.status, error.code),
                    error.to_string(),
                )
            }
            Err(e) => ("transport".to_string(), format!("{e:#}")),
        };
        *log.errors.entry(code).or_default() += 1;
        log.first_error.get_or_insert(detail);
        if code_is_fatal(&log) {
            break;
        }
    }
    Ok(log)
}

/// A connection whose every answer fails stops after a few hundred (a dead node fails fast).
fn code_is_fatal(log: &Log) -> bool {
    log.commands == 0 && log.errors.values().sum::<u64>() >= 200
}
