//! The run loop's request/response side: our requests out, peers' requests to the daemon, its answers back.

use futures::FutureExt;
use libp2p::request_response::{self, Message, OutboundFailure};
use libp2p::PeerId;
use tokio::sync::oneshot;

use crate::codec::is_frame_too_large;
use crate::config::{OUTBOUND_REQUESTS_MAX, OUTBOUND_REQUESTS_PER_PEER_MAX};
use crate::counters::bump;
use crate::error::NetworkError;
use crate::event::{NetworkEvent, Responder};
use crate::handle::OutboundRequest;
use crate::network::{Answer, Network};
use crate::peer::PeerKey;
use crate::swarm_events::Event;

impl Network {
    /// Sends the daemon's request, or answers it at once with why not.
    pub(crate) fn send_request(&mut self, request: OutboundRequest) {
        let OutboundRequest { to, bytes, reply } = request;
        let peer = to.to_peer_id().ok();
        let Some((peer, state)) =
            peer.and_then(|peer| self.peers.get_mut(&peer).map(|state| (peer, state)))
        else {
            let _ = reply.send(Err(NetworkError::NotConnected { peer: to }));
            return;
        };
        if self.requests.len() >= OUTBOUND_REQUESTS_MAX || !state.may_send_request() {
            let (queue, max) = if state.may_send_request() {
                ("requests in flight", OUTBOUND_REQUESTS_MAX)
            } else {
                (
                    "requests in flight to one peer",
                    OUTBOUND_REQUESTS_PER_PEER_MAX,
                )
            };
            let _ = reply.send(Err(NetworkError::QueueFull { queue, max }));
            return;
        }
        let id = self
            .swarm
            .behaviour_mut()
            .requests
            .send_request(&peer, bytes);
        state.outbound_requests.insert(id);
        self.requests.insert(id, reply);
    }

    pub(crate) fn on_request_event(&mut self, event: Event) {
        let counters = &self.shared.counters;
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                Message::Request {
                    request_id,
                    request,
                    channel,
                } => {
                    let state = self
                        .peers
                        .get_mut(&peer)
                        .filter(|state| state.may_accept_request());
                    let Some(state) = state else {
                        // Dropping `channel` refuses: the requester fails now, not at its timeout.
                        bump(&counters.requests_refused);
                        tracing::debug!(target: "zl_network", %peer, "too many requests in flight from peer; refused");
                        return;
                    };
                    let from = state.key;
                    let (reply, answer) = oneshot::channel();
                    let event = NetworkEvent::Request {
                        from,
                        bytes: Vec::from(request),
                        reply: Responder::new(reply),
                    };
                    if self.emit(event).is_err() {
                        bump(&self.shared.counters.requests_refused);
                        return;
                    }
                    bump(&self.shared.counters.requests_received);
                    if let Some(state) = self.peers.get_mut(&peer) {
                        state.inbound_requests.insert(request_id);
                    }
                    self.answers
                        .push(async move { (channel, answer.await) }.boxed());
                }
                Message::Response {
                    request_id,
                    response,
                } => {
                    self.finish_request(peer, request_id, Ok(response));
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                let key = PeerKey::from_peer_id(&peer).unwrap_or(PeerKey([0; 32]));
                let error = match error {
                    OutboundFailure::Timeout => NetworkError::Timeout {
                        peer: key,
                        timeout_ms: u64::try_from(self.request_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                    },
                    OutboundFailure::Io(error) if is_frame_too_large(&error) => {
                        NetworkError::RequestFailed {
                            peer: key,
                            reason: format!("its response was refused: {error}"),
                        }
                    }
                    other => NetworkError::RequestFailed {
                        peer: key,
                        reason: other.to_string(),
                    },
                };
                self.finish_request(peer, request_id, Err(error));
            }
            request_response::Event::InboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                self.forget_inbound(peer, request_id);
                tracing::debug!(target: "zl_network", %peer, %error, "inbound request failed");
            }
            request_response::Event::ResponseSent {
                peer, request_id, ..
            } => {
                self.forget_inbound(peer, request_id);
            }
        }
    }

    fn finish_request(
        &mut self,
        peer: PeerId,
        id: request_response::OutboundRequestId,
        result: Result<Vec<u8>, NetworkError>,
    ) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.outbound_requests.remove(&id);
        }
        let counter = if result.is_ok() {
            &self.shared.counters.requests_sent
        } else {
            &self.shared.counters.requests_failed
        };
        bump(counter);
        if let Some(reply) = self.requests.remove(&id) {
            let _ = reply.send(result);
        }
    }

    fn forget_inbound(&mut self, peer: PeerId, id: request_response::InboundRequestId) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.inbound_requests.remove(&id);
        }
    }

    /// The daemon answered (or dropped the responder, which refuses the request).
    pub(crate) fn on_answer(&mut self, (channel, answer): Answer) {
        if let Ok(bytes) = answer {
            // An Err means the request expired meanwhile; libp2p has reported that already.
            let _ = self
                .swarm
                .behaviour_mut()
                .requests
                .send_response(channel, bytes);
        }
    }
}
