//! The network's errors: each says what went wrong and what the caller can do about it.

use std::net::SocketAddr;

use crate::peer::PeerKey;

/// Everything the network can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The configured transport secret is not a usable Ed25519 seed.
    #[error("the transport secret is not a valid Ed25519 seed ({reason}); regenerate the node's transport key")]
    InvalidTransportSecret {
        /// Why libp2p rejected it.
        reason: String,
    },
    /// A configured limit is out of range.
    #[error("invalid network configuration: {reason}")]
    InvalidConfig {
        /// Which setting and its allowed range.
        reason: String,
    },
    /// A key in the allowed set is not an Ed25519 public key.
    #[error("peer key {peer} is not a valid Ed25519 public key; fix the member registry entry for this node")]
    InvalidPeerKey {
        /// The offending key.
        peer: PeerKey,
    },
    /// A transport key from the member registry is not an Ed25519 key.
    #[error("transport keys must be Ed25519 (libp2p noise offers no SM2); register an Ed25519 transport key for this node")]
    TransportKeyNotEd25519,
    /// The transport could not be built.
    #[error("could not set up the TCP/noise/yamux transport: {reason}; check the node's network configuration")]
    Transport {
        /// The underlying failure.
        reason: String,
    },
    /// The listen address could not be bound.
    #[error("could not listen on {address}: {reason}; choose a free port or a local address for `listen`")]
    Listen {
        /// The configured listen address.
        address: SocketAddr,
        /// The underlying failure.
        reason: String,
    },
    /// A bounded outbound queue is full; the message was not queued.
    #[error("the {queue} queue is full ({max} entries): the network is behind; retry later or send less")]
    QueueFull {
        /// Which queue.
        queue: &'static str,
        /// Its capacity.
        max: usize,
    },
    /// A message, request or response is over its size limit.
    #[error("the {what} is {size} bytes, over the {max}-byte limit; split it into smaller pieces")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The peer is not connected (or not allowed).
    #[error("peer {peer} is not connected; wait for it to connect or ask another peer")]
    NotConnected {
        /// The peer.
        peer: PeerKey,
    },
    /// The peer did not answer in time.
    #[error(
        "peer {peer} did not answer within {timeout_ms} ms; retry, preferably with another peer"
    )]
    Timeout {
        /// The peer.
        peer: PeerKey,
        /// The timeout that elapsed, in milliseconds.
        timeout_ms: u64,
    },
    /// The request failed for another reason (connection closed, stream reset, refused).
    #[error("request to peer {peer} failed: {reason}; retry, preferably with another peer")]
    RequestFailed {
        /// The peer.
        peer: PeerKey,
        /// What happened.
        reason: String,
    },
    /// The request this responder answers is gone (timed out, or its peer disconnected).
    #[error(
        "the request being answered has expired or its peer disconnected; nothing to send it to"
    )]
    RequestExpired,
    /// The network's run loop has stopped.
    #[error("the network has stopped; restart the node")]
    Stopped,
}
