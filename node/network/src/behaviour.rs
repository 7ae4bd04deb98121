//! The libp2p behaviour: the allow list first, then one request/response protocol per stream kind.
//!
//! One-way messages ride request/response with an empty acknowledgement rather than long-lived
//! streams of length-prefixed frames: each message gets its own yamux substream (cheap: no
//! round trip to open, and V1Lazy negotiation adds none), the acknowledgement gives a per-message
//! timeout that detects a stuck peer, concurrency is capped per peer and channel, and yamux
//! interleaves substreams in 16 KiB frames so a 4 MiB batch never holds a vote behind it. Order
//! between messages is not preserved, which Tendermint does not need. Long-lived streams would
//! need a hand-written connection handler (or the experimental `libp2p-stream`, whose control
//! needs tasks of its own) for no gain at ~250 messages/s per peer.

use std::collections::HashSet;
use std::iter;
use std::sync::Arc;
use std::time::Duration;

use libp2p::allow_block_list::{self, AllowedPeers};
use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::NetworkBehaviour;
use libp2p::PeerId;

use crate::codec::{
    FrameCodec, Refusal, CONSENSUS_PROTOCOL, REQUEST_PROTOCOL, TRANSACTIONS_PROTOCOL,
};
use crate::config::{
    Channel, NetworkConfig, CONNECTIONS_PENDING_INBOUND_MAX, CONNECTIONS_PER_PEER_MAX,
    INBOUND_REQUESTS_PER_PEER_MAX, IN_FLIGHT_PER_PEER_MAX, OUTBOUND_REQUESTS_PER_PEER_MAX,
    REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX,
};
use crate::counters::NetworkCounters;

/// Substreams per connection and channel: our in-flight messages, the peer's, and slack for
/// streams still closing. Beyond it libp2p drops the stream, which the sender sees as a failure.
const MESSAGE_STREAMS_PER_CONNECTION_MAX: usize = 2 * IN_FLIGHT_PER_PEER_MAX + 16;
/// Substreams per connection for requests, both directions, with the same slack.
const REQUEST_STREAMS_PER_CONNECTION_MAX: usize =
    INBOUND_REQUESTS_PER_PEER_MAX + OUTBOUND_REQUESTS_PER_PEER_MAX + 16;
/// An acknowledgement is an empty frame.
const ACK_BYTES_MAX: usize = 0;

/// The node's behaviour. Field order matters: the allow list is asked first whether a new
/// connection may stand, so a stranger's connection is closed before any protocol runs; then
/// the connection limits.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    pub(crate) allowed: allow_block_list::Behaviour<AllowedPeers>,
    pub(crate) limits: connection_limits::Behaviour,
    pub(crate) consensus: request_response::Behaviour<FrameCodec>,
    pub(crate) transactions: request_response::Behaviour<FrameCodec>,
    pub(crate) requests: request_response::Behaviour<FrameCodec>,
}

impl Behaviour {
    pub(crate) fn new(
        config: &NetworkConfig,
        allowed: &HashSet<PeerId>,
        counters: &Arc<NetworkCounters>,
    ) -> Behaviour {
        let mut allow_list = allow_block_list::Behaviour::<AllowedPeers>::default();
        for peer in allowed {
            allow_list.allow_peer(*peer);
        }
        let timeout = config.request_timeout;
        let codec = |request_bytes_max, response_bytes_max, refusal| {
            FrameCodec::new(
                request_bytes_max,
                response_bytes_max,
                Arc::clone(counters),
                refusal,
            )
        };
        let message_codec = |channel| {
            codec(
                config.message_bytes_max(channel),
                ACK_BYTES_MAX,
                Refusal::MessageDropped,
            )
        };
        let limits = ConnectionLimits::default()
            .with_max_pending_incoming(Some(CONNECTIONS_PENDING_INBOUND_MAX))
            .with_max_established_per_peer(Some(CONNECTIONS_PER_PEER_MAX));
        Behaviour {
            allowed: allow_list,
            limits: connection_limits::Behaviour::new(limits),
            consensus: protocol(
                CONSENSUS_PROTOCOL,
                message_codec(Channel::Consensus),
                timeout,
                MESSAGE_STREAMS_PER_CONNECTION_MAX,
            ),
            transactions: protocol(
                TRANSACTIONS_PROTOCOL,
                message_codec(Channel::Transactions),
                timeout,
                MESSAGE_STREAMS_PER_CONNECTION_MAX,
            ),
            requests: protocol(
                REQUEST_PROTOCOL,
                codec(
                    REQUEST_BYTES_MAX,
                    RESPONSE_BYTES_MAX,
                    Refusal::RequestRefused,
                ),
                timeout,
                REQUEST_STREAMS_PER_CONNECTION_MAX,
            ),
        }
    }

    /// The request/response behaviour carrying `channel`.
    pub(crate) fn channel(
        &mut self,
        channel: Channel,
    ) -> &mut request_response::Behaviour<FrameCodec> {
        match channel {
            Channel::Consensus => &mut self.consensus,
            Channel::Transactions => &mut self.transactions,
        }
    }
}

fn protocol(
    name: libp2p::StreamProtocol,
    codec: FrameCodec,
    timeout: Duration,
    streams_max: usize,
) -> request_response::Behaviour<FrameCodec> {
    let config = request_response::Config::default()
        .with_request_timeout(timeout)
        .with_max_concurrent_streams(streams_max);
    request_response::Behaviour::with_codec(
        codec,
        iter::once((name, ProtocolSupport::Full)),
        config,
    )
}
