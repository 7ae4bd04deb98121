//! The HTTP client of a node's API: JSON in and out, and the node's errors decoded for people.

use anyhow::{bail, Context as _};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;
use std::io::Read;
use std::time::Duration;

/// The node `zl` talks to unless `--node` or `ZL_NODE` says otherwise.
pub(crate) const NODE_URL_DEFAULT: &str = "http://127.0.0.1:8700";
/// Size of one response body, at most (a proofs answer for a 50,000-document record is ~50 MB).
pub(crate) const RESPONSE_BYTES_MAX: u64 = 256 * 1024 * 1024;
/// How long to wait for a TCP connection to the node.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for an answer to one request before giving up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Characters of an unexpected (non-JSON) error body shown to the user, at most.
const ERROR_TEXT_CHARS_MAX: usize = 300;

/// An error answered by the node: its `{"error":{"code","message"}}` body.
#[derive(Debug)]
pub(crate) struct NodeError {
    /// The node's machine-readable code, e.g. `not_found`.
    pub(crate) code: String,
    /// The node's message for people.
    pub(crate) message: String,
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for NodeError {}

/// The error body every node error has.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

/// The `error` object of an error body (also used per transaction in batch results).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct ErrorDetail {
    /// Machine-readable code.
    pub(crate) code: String,
    /// Message for people.
    pub(crate) message: String,
}

/// A response whatever its status, for callers that act on statuses themselves.
pub(crate) struct RawResponse {
    /// HTTP status.
    pub(crate) status: u16,
    /// The `Retry-After` header, when present and a number of seconds.
    pub(crate) retry_after: Option<Duration>,
    /// Every response header as (name, value), names as the node sent them.
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The node's error for this response.
    pub(crate) fn error(&self) -> NodeError {
        decode_error(self.status, &self.body)
    }

    /// The value of the response header `name` (case-insensitive), if the node sent it.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A client of one node.
#[derive(Clone)]
pub(crate) struct Client {
    base: String,
    agent: ureq::Agent,
    stream_agent: ureq::Agent,
}

impl Client {
    /// A client of the node at `base` (`http://host:port`; TLS is not built in).
    pub(crate) fn new(base: &str) -> anyhow::Result<Client> {
        let base = base.trim_end_matches('/').to_string();
        if base.starts_with("https://") {
            bail!("zl speaks plain HTTP only; reach the node through http:// (e.g. over an SSH tunnel or a local TLS terminator)");
        }
        if !base.starts_with("http://") {
            bail!("node URL {base:?} must start with http://, e.g. {NODE_URL_DEFAULT}");
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build();
        // A stream of commits stays open as long as it is read: no overall timeout.
        let stream_agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .build();
        Ok(Client {
            base,
            agent,
            stream_agent,
        })
    }

    /// The node's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// `GET path`, decoding a JSON answer; node errors become [`NodeError`].
    pub(crate) fn get_json<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let raw = self.send("GET", path, None)?;
        self.decode(path, raw)
    }

    /// `GET path`, or `None` when the node answers 404.
    pub(crate) fn get_json_optional<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> anyhow::Result<Option<T>> {
        let raw = self.send("GET", path, None)?;
        if raw.status == 404 {
            return Ok(None);
        }
        self.decode(path, raw).map(Some)
    }

    /// `POST path` with a JSON body given as bytes, decoding the JSON answer.
    pub(crate) fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &[u8],
    ) -> anyhow::Result<T> {
        let raw = self.send("POST", path, Some(body))?;
        self.decode(path, raw)
    }

    /// Sends a request and returns the response whatever its HTTP status.
    /// Fails only when the node cannot be reached or the answer cannot be read.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> anyhow::Result<RawResponse> {
        self.send_as(method, path, body, None)
    }

    /// [`Client::send`] with `Authorization: Bearer <token>` when a login token is given.
    pub(crate) fn send_as(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        token: Option<&str>,
    ) -> anyhow::Result<RawResponse> {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        self.send_with_headers(method, path, body, &headers)
    }

    /// [`Client::send`] with extra request headers (e.g. `Idempotency-Key`).
    pub(crate) fn send_with_headers(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<RawResponse> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .agent
            .request(method, &url)
            .set("Accept", "application/json");
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let result = match body {
            Some(bytes) => request
                .set("Content-Type", "application/json")
                .send_bytes(bytes),
            None => request.call(),
        };
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(e)) => return Err(self.unreachable(e)),
        };
        let status = response.status();
        let retry_after = response
            .header("Retry-After")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                let value = response.header(&name)?.to_owned();
                Some((name, value))
            })
            .collect();
        let mut body = Vec::new();
        response
            .into_reader()
            .take(RESPONSE_BYTES_MAX + 1)
            .read_to_end(&mut body)
            .with_context(|| format!("reading the node's answer to {method} {path}"))?;
        if body.len() as u64 > RESPONSE_BYTES_MAX {
            bail!("the node's answer to {method} {path} is larger than {RESPONSE_BYTES_MAX} bytes; ask for less at once");
        }
        Ok(RawResponse {
            status,
            retry_after,
            headers,
            body,
        })
    }

    /// Opens a long-lived `GET path` (a Server-Sent Events stream) and returns its body reader.
    pub(crate) fn open_stream(&self, path: &str) -> anyhow::Result<Box<dyn Read + Send + Sync>> {
        let url = format!("{}{path}", self.base);
        match self
            .stream_agent
            .get(&url)
            .set("Accept", "text/event-stream")
            .call()
        {
            Ok(response) => Ok(response.into_reader()),
            Err(ureq::Error::Status(status, response)) => {
                let mut body = Vec::new();
                // The error body is only for the message; a read failure leaves it empty.
                let _ = response
                    .into_reader()
                    .take(64 * 1024)
                    .read_to_end(&mut body);
                Err(decode_error(status, &body).into())
            }
            Err(ureq::Error::Transport(e)) => Err(self.unreachable(e)),
        }
    }

    fn decode<T: DeserializeOwned>(&self, path: &str, raw: RawResponse) -> anyhow::Result<T> {
        if !(200..300).contains(&raw.status) {
            return Err(raw.error().into());
        }
        serde_json::from_slice(&raw.body).with_context(|| {
            format!(
                "the node at {} answered {path} with unexpected JSON; is it a ZhengLian node of a matching version?",
                self.base
            )
        })
    }

    fn unreachable(&self, error: ureq::Transport) -> anyhow::Error {
        anyhow::anyhow!(
            "cannot reach the node at {}: {error}; check that zld runs there, or pass --node URL (or set ZL_NODE)",
            self.base
        )
    }
}

/// Decodes a node error body; a body of another shape is shown as text.
pub(crate) fn decode_error(status: u16, body: &[u8]) -> NodeError {
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        return NodeError {
            code: parsed.error.code,
            message: parsed.error.message,
        };
    }
    let text: String = String::from_utf8_lossy(body)
        .chars()
        .take(ERROR_TEXT_CHARS_MAX)
        .collect();
    let text = text.trim();
    let message = if text.is_empty() {
        format!("the node answered HTTP {status} without an explanation")
    } else {
        format!("the node answered HTTP {status}: {text}")
    };
    NodeError {
        code: format!("http_{status}"),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_node_errors_and_falls_back_to_text() {
        let error = decode_error(
            404,
            br#"{"error":{"code":"not_found","message":"no such transaction"}}"#,
        );
        assert_eq!(error.to_string(), "no such transaction (not_found)");
        let error = decode_error(502, b"Bad Gateway");
        assert_eq!(
            error.to_string(),
            "the node answered HTTP 502: Bad Gateway (http_502)"
        );
        let error = decode_error(500, b"");
        assert_eq!(error.code, "http_500");
    }

    #[test]
    fn refuses_urls_it_cannot_serve() {
        assert!(Client::new("https://node:8700").is_err());
        assert!(Client::new("node:8700").is_err());
        assert_eq!(
            Client::new("http://node:8700/").unwrap().base(),
            "http://node:8700"
        );
    }
}
