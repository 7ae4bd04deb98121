//! Network configuration, the two message channels, and every limit as a named constant.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use crate::peer::PeerKey;

const MIB: usize = 1024 * 1024;

/// Default size limit of one consensus message: a proposal may carry a block's transaction list.
pub const CONSENSUS_MESSAGE_BYTES_MAX: usize = 20 * MIB;
/// Default size limit of one transaction batch.
pub const TRANSACTIONS_MESSAGE_BYTES_MAX: usize = 4 * MIB;
/// Size limit of one request (block-sync and missing-transaction requests are small).
pub const REQUEST_BYTES_MAX: usize = MIB;
/// Size limit of one response: a 16 MB block plus its commit certificate.
pub const RESPONSE_BYTES_MAX: usize = 17 * MIB;

/// Messages waiting in the handle's consensus queue for the run loop (`broadcast`/`send`).
pub const CONSENSUS_QUEUE_MAX: usize = 1024;
/// Messages waiting in the handle's transactions queue for the run loop.
pub const TRANSACTIONS_QUEUE_MAX: usize = 1024;
/// Requests waiting in the handle's request queue for the run loop.
pub const REQUEST_QUEUE_MAX: usize = 256;
/// Control commands (allowed-set changes) waiting for the run loop.
pub const CONTROL_QUEUE_MAX: usize = 16;
/// Default capacity of the event queue from `run` to the daemon.
pub const EVENT_QUEUE_MAX: usize = 8192;
/// Peer connect/disconnect events held back while the event queue is full (they are never
/// dropped below this bound, so the daemon's view of who is connected stays right).
pub const PEER_EVENTS_PENDING_MAX: usize = 1024;

/// Messages per peer and channel waiting for a free in-flight slot; beyond it, that peer misses
/// the message (counted) instead of slowing the others.
pub const PEER_QUEUE_MAX: usize = 1024;
/// Bytes per peer and channel waiting for a free in-flight slot.
pub const PEER_QUEUE_BYTES_MAX: usize = 64 * MIB;
/// Unacknowledged messages per peer and channel. Keeps a flood of one channel from filling the
/// connection's send buffers ahead of the other channel.
pub const IN_FLIGHT_PER_PEER_MAX: usize = 32;
/// Inbound requests per peer awaiting our response; more are refused.
pub const INBOUND_REQUESTS_PER_PEER_MAX: usize = 8;
/// Our own outstanding requests to one peer.
pub const OUTBOUND_REQUESTS_PER_PEER_MAX: usize = 16;
/// Our own outstanding requests across all peers.
pub const OUTBOUND_REQUESTS_MAX: usize = 128;

/// Connections being handshaken at once from anyone, members or not: bounds what strangers
/// can make us spend on handshakes.
pub const CONNECTIONS_PENDING_INBOUND_MAX: u32 = 64;
/// Connections to one peer. Two are normal (both sides dial); the rest is slack for restarts.
pub const CONNECTIONS_PER_PEER_MAX: u32 = 4;

/// Default timeout of a request, and of a message's acknowledgement.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// First redial delay after a configured peer's address fails or disconnects.
pub const REDIAL_BACKOFF_INITIAL: Duration = Duration::from_millis(100);
/// Default cap of the exponential redial delay.
pub const REDIAL_BACKOFF_MAX: Duration = Duration::from_secs(10);

/// A one-way message channel. Each has its own queues and size limit, so a flood of
/// transactions cannot delay consensus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Proposals and votes.
    Consensus,
    /// Transaction batches.
    Transactions,
}

impl Channel {
    /// A short lower-case name, for logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Consensus => "consensus",
            Channel::Transactions => "transactions",
        }
    }
}

/// How to run the network. `NetworkConfig::new` fills the limits with the defaults above.
#[derive(Clone)]
pub struct NetworkConfig {
    /// The node's Ed25519 transport secret (the 32-byte seed). Never logged.
    pub transport_secret: [u8; 32],
    /// The address to listen on; port 0 picks a free port (see `Network::listen_addr`).
    pub listen: SocketAddr,
    /// Peers to dial at start and redial while disconnected.
    pub peers: Vec<SocketAddr>,
    /// The transport keys allowed to connect, in either direction (the member registry).
    pub allowed: Vec<PeerKey>,
    /// Size limit of one consensus message, in bytes.
    pub consensus_message_bytes_max: usize,
    /// Size limit of one transaction batch, in bytes.
    pub transactions_message_bytes_max: usize,
    /// How long a request, or a message's acknowledgement, may take.
    pub request_timeout: Duration,
    /// Cap of the exponential redial delay.
    pub redial_backoff_max: Duration,
    /// Capacity of the event queue from `run` to the daemon.
    pub event_queue_max: usize,
}

impl NetworkConfig {
    /// A configuration with the default limits.
    pub fn new(
        transport_secret: [u8; 32],
        listen: SocketAddr,
        peers: Vec<SocketAddr>,
        allowed: Vec<PeerKey>,
    ) -> NetworkConfig {
        NetworkConfig {
            transport_secret,
            listen,
            peers,
            allowed,
            consensus_message_bytes_max: CONSENSUS_MESSAGE_BYTES_MAX,
            transactions_message_bytes_max: TRANSACTIONS_MESSAGE_BYTES_MAX,
            request_timeout: REQUEST_TIMEOUT,
            redial_backoff_max: REDIAL_BACKOFF_MAX,
            event_queue_max: EVENT_QUEUE_MAX,
        }
    }

    /// The size limit of one message on `channel`.
    pub fn message_bytes_max(&self, channel: Channel) -> usize {
        match channel {
            Channel::Consensus => self.consensus_message_bytes_max,
            Channel::Transactions => self.transactions_message_bytes_max,
        }
    }
}

/// Prints the public transport key, never the secret.
impl fmt::Debug for NetworkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public = PeerKey::from_secret(&self.transport_secret)
            .map(|key| key.to_string())
            .unwrap_or_else(|_| "<invalid>".to_string());
        f.debug_struct("NetworkConfig")
            .field("transport_key", &public)
            .field("listen", &self.listen)
            .field("peers", &self.peers)
            .field("allowed", &self.allowed)
            .field(
                "consensus_message_bytes_max",
                &self.consensus_message_bytes_max,
            )
            .field(
                "transactions_message_bytes_max",
                &self.transactions_message_bytes_max,
            )
            .field("request_timeout", &self.request_timeout)
            .field("redial_backoff_max", &self.redial_backoff_max)
            .field("event_queue_max", &self.event_queue_max)
            .finish()
    }
}

// A frame's length travels as a u32, and one message must fit a per-peer queue.
const _: () = assert!(RESPONSE_BYTES_MAX <= u32::MAX as usize);
const _: () = assert!(CONSENSUS_MESSAGE_BYTES_MAX <= PEER_QUEUE_BYTES_MAX);
const _: () = assert!(OUTBOUND_REQUESTS_PER_PEER_MAX <= OUTBOUND_REQUESTS_MAX);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let config = NetworkConfig::new([0xab; 32], "127.0.0.1:0".parse().unwrap(), vec![], vec![]);
        let text = format!("{config:?}");
        assert!(!text.contains(&hex::encode([0xab; 32])));
        assert!(text.contains(&PeerKey::from_secret(&[0xab; 32]).unwrap().to_string()));
    }
}
