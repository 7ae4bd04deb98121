//! `GET /v1/commits`: a Server-Sent Events stream with one `commit` event per committed block.

use crate::state::NodeState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt as _};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

/// Seconds between keep-alive comments, so proxies keep an idle stream open.
pub const KEEP_ALIVE_SECONDS: u64 = 15;

/// `GET /v1/commits`: `event: commit` with a `CommitNotice` as data per block; a subscriber
/// too slow to keep up gets `event: lagged` with the number of notices skipped, then goes on.
/// The stream ends when the node shuts down.
pub(crate) async fn commits(
    State(state): State<Arc<NodeState>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let notices = BroadcastStream::new(state.commits.subscribe());
    let mut shutdown = state.shutdown.subscribe();
    let stopped = async move {
        // An error means the state is gone, which also ends the stream.
        let _ = shutdown.wait_for(|stopping| *stopping).await;
    };
    let events = notices
        .map(|item| {
            Ok(match item {
                Ok(notice) => Event::default()
                    .event("commit")
                    .data(serde_json::to_string(&*notice).expect("a commit notice serialises")),
                Err(BroadcastStreamRecvError::Lagged(skipped)) => {
                    Event::default().event("lagged").data(skipped.to_string())
                }
            })
        })
        .take_until(Box::pin(stopped));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_SECONDS)))
}
