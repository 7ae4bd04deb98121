//! The permissioned peer network: libp2p over TCP + noise + yamux, carrying opaque bytes.
//!
//! Only peers whose Ed25519 transport key is in the allowed set (the member registry) may
//! connect, in either direction; anyone else is cut off right after the noise handshake. Two
//! one-way channels (consensus, transactions) each have their own bounded queues and size
//! limits, and a request/response protocol serves block sync and missing transactions. The
//! daemon encodes its own messages; [`Network::run`] is the one future it spawns.
#![forbid(unsafe_code)]

mod behaviour;
mod codec;
mod config;
mod counters;
mod dialer;
mod error;
mod event;
mod handle;
mod network;
mod peer;
mod peers;
mod requests;
mod swarm_events;

pub use config::{
    Channel, NetworkConfig, CONNECTIONS_PENDING_INBOUND_MAX, CONNECTIONS_PER_PEER_MAX,
    CONSENSUS_MESSAGE_BYTES_MAX, CONSENSUS_QUEUE_MAX, CONTROL_QUEUE_MAX, EVENT_QUEUE_MAX,
    INBOUND_REQUESTS_PER_PEER_MAX, IN_FLIGHT_PER_PEER_MAX, OUTBOUND_REQUESTS_MAX,
    OUTBOUND_REQUESTS_PER_PEER_MAX, PEER_EVENTS_PENDING_MAX, PEER_QUEUE_BYTES_MAX, PEER_QUEUE_MAX,
    REDIAL_BACKOFF_INITIAL, REDIAL_BACKOFF_MAX, REQUEST_BYTES_MAX, REQUEST_QUEUE_MAX,
    REQUEST_TIMEOUT, RESPONSE_BYTES_MAX, TRANSACTIONS_MESSAGE_BYTES_MAX, TRANSACTIONS_QUEUE_MAX,
};
pub use counters::{CountersSnapshot, NetworkCounters};
pub use error::NetworkError;
pub use event::{NetworkEvent, Responder};
pub use handle::NetworkHandle;
pub use network::Network;
pub use peer::PeerKey;
