//! `zl bridge <protocol> <command> --file F --idempotency-key K`: one command of the
//! communication bridge (通讯桥, JR/T 0317) sent to the node, which plans it, seals its objects
//! with the market's key and commits them with their equity calls in one transaction. The file's
//! bytes are sent as they are: the node tells a retry (same key, same bytes) from a key reused
//! for another request by the digest of the body, so a retry must send the same file.
//!
//! Exit codes: 0 the node answered 200 (the answer is printed; `replayed` on stderr when it is
//! the first answer given again); 1 the node refused the command (4xx: invalid object, bad
//! arguments, conflict, idempotency conflict, unknown route …; its message on stderr); 2 it
//! could not be carried out (unreadable file, node unreachable, the node busy with the same key
//! or not committed in time: send it again with the same key).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use serde_json::Value;

use crate::client::Client;

/// The request header naming the command's idempotency key.
const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The response header the node sets on an answer given again for a retry.
const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// Longest idempotency key, in characters.
const KEY_CHARS_MAX: usize = 128;
/// Longest protocol or command name, in bytes.
const NAME_BYTES_MAX: usize = 64;

/// Runs `zl bridge`.
pub(crate) fn run(
    client: &Client,
    protocol: &str,
    command: &str,
    file: &Path,
    key: &str,
) -> anyhow::Result<ExitCode> {
    check_name("protocol", protocol)?;
    check_name("command", command)?;
    check_key(key)?;
    let body = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    serde_json::from_slice::<Value>(&body).with_context(|| {
        format!(
            "{} is not JSON; a bridge command's body is a JSON object",
            file.display()
        )
    })?;
    let path = format!("/v1/bridge/{protocol}/{command}");
    let raw =
        client.send_with_headers("POST", &path, Some(&body), &[(IDEMPOTENCY_KEY_HEADER, key)])?;
    match raw.status {
        200 => {
            let answer: Value = serde_json::from_slice(&raw.body)
                .with_context(|| format!("the node's answer to POST {path} is not JSON"))?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
            if raw
                .header(REPLAYED_HEADER)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            {
                eprintln!(
                    "replayed: idempotency key {key} was carried before; this is its first answer again, nothing new was committed"
                );
            }
            for warning in answer["warnings"].as_array().into_iter().flatten() {
                eprintln!(
                    "warning: {}: {}",
                    warning["pointer"].as_str().unwrap_or_default(),
                    warning["message"].as_str().unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        status if status == 429 || ((400..500).contains(&status) && raw.error().code == "busy") => {
            bail!(
                "the node is busy: {}; send the same file again with the same --idempotency-key for the command's answer",
                raw.error().message
            )
        }
        400..=499 => {
            let error = raw.error();
            eprintln!(
                "error: the node refused {protocol}/{command} ({}): {}",
                error.code, error.message
            );
            Ok(ExitCode::from(crate::EXIT_NEGATIVE))
        }
        _ => Err(raw.error().into()),
    }
}

/// A protocol or command name: it goes into the path, so only `a-z`, `0-9` and `_`.
fn check_name(what: &str, name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= NAME_BYTES_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        bail!("{what} {name:?} is not a bridge name: 1-{NAME_BYTES_MAX} of a-z 0-9 _ (e.g. transfer_management transfer)");
    }
    Ok(())
}

/// An idempotency key: 1-128 of `0-9 A-Z a-z . _ : -`, starting with a letter or digit.
fn check_key(key: &str) -> anyhow::Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    let valid = key.len() <= KEY_CHARS_MAX
        && key.starts_with(|c: char| c.is_ascii_alphanumeric())
        && key.chars().all(allowed);
    if !valid {
        bail!("--idempotency-key {key:?} is not a key: 1-{KEY_CHARS_MAX} of 0-9 A-Z a-z . _ : - starting with a letter or digit; give each business event its own key and reuse it only to retry that event");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_names_are_checked_before_sending() {
        assert!(check_key("mkt-2024.05:transfer_1").is_ok());
        assert!(check_key(&"k".repeat(KEY_CHARS_MAX)).is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("-starts-with-dash").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key("has/slash").is_err());
        assert!(check_key(&"k".repeat(KEY_CHARS_MAX + 1)).is_err());
        assert!(check_name("protocol", "transfer_management").is_ok());
        assert!(check_name("command", "").is_err());
        assert!(check_name("command", "../objects").is_err());
        assert!(check_name("command", "Transfer").is_err());
    }
}
