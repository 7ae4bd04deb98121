//! Waiting on conditions: poll with a deadline, never sleep for a fixed time as synchronisation.

use std::time::{Duration, Instant};

/// Pause between two polls of a condition.
pub const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Polls `probe` until it returns `Some`, for at most `timeout`; `None` when time ran out.
pub fn poll_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Polls `probe` until it returns `Some`; panics naming `what` after `timeout`.
pub fn wait_until<T>(what: &str, timeout: Duration, probe: impl FnMut() -> Option<T>) -> T {
    poll_until(timeout, probe)
        .unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
}
