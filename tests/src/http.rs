//! Raw HTTP requests to a node, whatever the status, for tests of the API's refusals.

use serde_json::Value;

/// A response: status and body.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {}", self.body))
    }

    /// Asserts the answer is `status` with the error shape `{"error":{"code","message"}}`, the
    /// code `code` and a non-empty message; returns the message.
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {}",
            self.status, self.body
        );
        let json = self.json();
        let error = json
            .get("error")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no error object: {json}"));
        assert_eq!(
            error.get("code").and_then(Value::as_str),
            Some(code),
            "wrong code: {json}"
        );
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(!message.is_empty(), "the error has no message: {json}");
        message.to_string()
    }
}

/// Sends `method URL` with `body` (as `application/json`) and returns the answer, any status.
pub fn request(method: &str, url: &str, body: Option<&[u8]>) -> Answer {
    send(ureq::request(method, url), method, url, body)
}

/// Sends a body-less `method URL` with one extra header (e.g. `Authorization`).
pub fn request_with_header(method: &str, url: &str, (name, value): (&str, &str)) -> Answer {
    send(
        ureq::request(method, url).set(name, value),
        method,
        url,
        None,
    )
}

fn send(request: ureq::Request, method: &str, url: &str, body: Option<&[u8]>) -> Answer {
    let request = request.set("Content-Type", "application/json");
    let result = match body {
        Some(bytes) => request.send_bytes(bytes),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("{method} {url} failed in transit: {e}"),
    };
    let status = response.status();
    let body = response
        .into_string()
        .unwrap_or_else(|e| panic!("{method} {url}: unreadable body: {e}"));
    Answer { status, body }
}

/// `POST base + path` with a JSON body.
pub fn post(base: &str, path: &str, body: &[u8]) -> Answer {
    request("POST", &format!("{base}{path}"), Some(body))
}

/// `GET base + path`.
pub fn get(base: &str, path: &str) -> Answer {
    request("GET", &format!("{base}{path}"), None)
}
