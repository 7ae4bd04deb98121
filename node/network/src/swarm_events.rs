//! The run loop's reactions to swarm events and to the daemon's one-way messages.

use libp2p::allow_block_list::NotAllowed;
use libp2p::request_response::{self, Message, OutboundFailure};
use libp2p::swarm::{ConnectionDenied, DialError, ListenError, SwarmEvent};
use libp2p::PeerId;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::behaviour::{Behaviour, BehaviourEvent};
use crate::config::{Channel, PEER_EVENTS_PENDING_MAX};
use crate::counters::{add, bump};
use crate::event::NetworkEvent;
use crate::handle::Outbound;
use crate::network::Network;
use crate::peer::PeerKey;
use crate::peers::PeerState;

pub(crate) type Event = request_response::Event<bytes::Bytes, Vec<u8>>;

impl Network {
    pub(crate) fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        let counters = &self.shared.counters;
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Consensus(event)) => {
                self.on_message_event(Channel::Consensus, event);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Transactions(event)) => {
                self.on_message_event(Channel::Transactions, event);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Requests(event)) => self.on_request_event(event),
            SwarmEvent::Behaviour(BehaviourEvent::Allowed(never)) => match never {},
            SwarmEvent::Behaviour(BehaviourEvent::Limits(never)) => match never {},
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                num_established,
                ..
            } => {
                self.dialer.established(connection_id);
                if num_established.get() == 1 {
                    self.peer_connected(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                cause,
                ..
            } => {
                self.dialer.closed(connection_id, Instant::now());
                if num_established == 0 {
                    let cause = cause.map(|error| error.to_string());
                    tracing::info!(target: "zl_network", peer = %peer_id, ?cause, "peer disconnected");
                    self.peer_disconnected(peer_id);
                }
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                error,
                ..
            } => {
                match &error {
                    DialError::Denied { cause } if is_not_allowed(cause) => {
                        bump(&counters.connections_denied);
                        tracing::warn!(target: "zl_network", %error, "dialled a peer whose key is not allowed");
                    }
                    DialError::LocalPeerId { .. } => {
                        tracing::warn!(target: "zl_network", "a configured peer address is this node; not dialling it again");
                        self.dialer.abandon(connection_id);
                        return;
                    }
                    _ => tracing::debug!(target: "zl_network", %error, "dial failed"),
                }
                self.dialer.dial_failed(connection_id, Instant::now());
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error,
                ..
            } => {
                if matches!(&error, ListenError::Denied { cause } if is_not_allowed(cause)) {
                    bump(&counters.connections_denied);
                    tracing::warn!(target: "zl_network", from = %send_back_addr, %error, "refused a peer whose key is not allowed");
                } else {
                    tracing::debug!(target: "zl_network", from = %send_back_addr, %error, "inbound connection failed");
                }
            }
            SwarmEvent::ListenerError { error, .. } => {
                tracing::error!(target: "zl_network", %error, "listener error");
            }
            _ => {}
        }
    }

    fn peer_connected(&mut self, peer_id: PeerId) {
        let Some(key) = PeerKey::from_peer_id(&peer_id) else {
            // The allow list holds Ed25519 keys only, so this cannot pass it; be safe anyway.
            let _ = self.swarm.disconnect_peer_id(peer_id);
            return;
        };
        tracing::info!(target: "zl_network", peer = %key, "peer connected");
        self.peers.insert(peer_id, PeerState::new(key));
        let mut connected = self.shared.connected.lock().expect("peer list lock");
        if let Err(position) = connected.binary_search(&key) {
            connected.insert(position, key);
        }
        drop(connected);
        self.emit_peer_event(NetworkEvent::PeerConnected(key));
    }

    fn peer_disconnected(&mut self, peer_id: PeerId) {
        let Some(state) = self.peers.remove(&peer_id) else {
            return;
        };
        let lost = state.consensus.waiting_len() + state.transactions.waiting_len();
        add(&self.shared.counters.messages_dropped, lost as u64);
        let mut connected = self.shared.connected.lock().expect("peer list lock");
        connected.retain(|key| *key != state.key);
        drop(connected);
        self.emit_peer_event(NetworkEvent::PeerDisconnected(state.key));
    }

    /// Peer events are never dropped while the backlog has room, and keep their order.
    fn emit_peer_event(&mut self, event: NetworkEvent) {
        if !self.peer_events.is_empty() {
            if self.peer_events.len() < PEER_EVENTS_PENDING_MAX {
                self.peer_events.push_back(event);
            } else {
                tracing::error!(target: "zl_network", "peer event backlog full; the daemon is not reading events");
            }
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(event)) = self.events.try_send(event) {
            self.peer_events.push_back(event);
        }
    }

    /// Hands a message or request to the daemon unless the event queue is full (or peer events
    /// are waiting ahead of it); gives the event back if not delivered.
    pub(crate) fn emit(&mut self, event: NetworkEvent) -> Result<(), NetworkEvent> {
        if !self.peer_events.is_empty() {
            return Err(event);
        }
        self.events.try_send(event).map_err(|error| match error {
            mpsc::error::TrySendError::Full(event) | mpsc::error::TrySendError::Closed(event) => {
                event
            }
        })
    }

    /// Queues a message from the daemon for its peer(s) and sends what the in-flight caps allow.
    pub(crate) fn queue_message(&mut self, channel: Channel, message: Outbound) {
        let targets: Vec<PeerId> = match message.to {
            None => self.peers.keys().copied().collect(),
            Some(key) => key.to_peer_id().into_iter().collect(),
        };
        for peer in targets {
            let Some(state) = self.peers.get_mut(&peer) else {
                bump(&self.shared.counters.messages_dropped);
                continue;
            };
            if !state.queue(channel).push(message.bytes.clone()) {
                bump(&self.shared.counters.messages_dropped);
                tracing::debug!(target: "zl_network", peer = %state.key, channel = channel.name(), "peer queue full; message dropped for it");
            }
            pump(&mut self.swarm, peer, state, channel);
        }
    }

    fn on_message_event(&mut self, channel: Channel, event: Event) {
        let counters = &self.shared.counters;
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                Message::Request {
                    request,
                    channel: ack,
                    ..
                } => {
                    // Acknowledge receipt at once: the ack says "arrived", not "processed".
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .channel(channel)
                        .send_response(ack, Vec::new());
                    bump(&counters.messages_received);
                    add(&counters.message_bytes_received, request.len() as u64);
                    let known = self.peers.get(&peer).map(|state| state.key);
                    let Some(from) = known.or_else(|| PeerKey::from_peer_id(&peer)) else {
                        return;
                    };
                    let event = NetworkEvent::Message {
                        from,
                        channel,
                        bytes: Vec::from(request),
                    };
                    if self.emit(event).is_err() {
                        bump(&self.shared.counters.messages_dropped);
                    }
                }
                Message::Response { request_id, .. } => {
                    if let Some(state) = self.peers.get_mut(&peer) {
                        if let Some(size) = state.queue(channel).finished(request_id) {
                            bump(&counters.messages_sent);
                            add(&counters.message_bytes_sent, size as u64);
                        }
                        pump(&mut self.swarm, peer, state, channel);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                bump(&counters.messages_failed);
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.queue(channel).finished(request_id);
                    pump(&mut self.swarm, peer, state, channel);
                }
                if let OutboundFailure::Timeout = error {
                    // Acks are immediate, so a missing one means the peer or the connection is
                    // stuck; closing lets the redial find out. TCP alone might take many minutes.
                    tracing::warn!(target: "zl_network", %peer, channel = channel.name(), "peer stopped acknowledging; closing its connections");
                    let _ = self.swarm.disconnect_peer_id(peer);
                } else {
                    tracing::debug!(target: "zl_network", %peer, %error, "message not delivered");
                }
            }
            // Oversized frames are counted by the codec: libp2p reports failed reads to nobody.
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(target: "zl_network", %peer, %error, "inbound message failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }
}

/// Whether a denial came from the allow list (and not, say, the connection limits).
fn is_not_allowed(cause: &ConnectionDenied) -> bool {
    cause.downcast_ref::<NotAllowed>().is_some()
}

/// Hands the peer's waiting messages on `channel` to libp2p while in-flight slots are free.
fn pump(
    swarm: &mut libp2p::Swarm<Behaviour>,
    peer: PeerId,
    state: &mut PeerState,
    channel: Channel,
) {
    let queue = state.queue(channel);
    while let Some(bytes) = queue.next_to_send() {
        let size = bytes.len();
        let id = swarm
            .behaviour_mut()
            .channel(channel)
            .send_request(&peer, bytes);
        queue.sent(id, size);
    }
}
