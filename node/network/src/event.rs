//! What the run loop hands the daemon: messages, requests to answer, and peer changes.

use std::fmt;

use tokio::sync::oneshot;

use crate::config::{Channel, RESPONSE_BYTES_MAX};
use crate::error::NetworkError;
use crate::peer::PeerKey;

/// An event from the network to the daemon.
pub enum NetworkEvent {
    /// A one-way message from a peer.
    Message {
        /// The sender.
        from: PeerKey,
        /// The channel it came on.
        channel: Channel,
        /// The payload, as the sender's daemon encoded it.
        bytes: Vec<u8>,
    },
    /// A request from a peer, to be answered through `reply` within the request timeout.
    Request {
        /// The requester.
        from: PeerKey,
        /// The request, as the requester's daemon encoded it.
        bytes: Vec<u8>,
        /// Answers the request; dropping it refuses the request.
        reply: Responder,
    },
    /// A peer's first connection opened.
    PeerConnected(PeerKey),
    /// A peer's last connection closed.
    PeerDisconnected(PeerKey),
}

/// Payloads print as their length: they can be megabytes.
impl fmt::Debug for NetworkEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkEvent::Message {
                from,
                channel,
                bytes,
            } => f
                .debug_struct("Message")
                .field("from", from)
                .field("channel", channel)
                .field("bytes_len", &bytes.len())
                .finish(),
            NetworkEvent::Request { from, bytes, .. } => f
                .debug_struct("Request")
                .field("from", from)
                .field("bytes_len", &bytes.len())
                .finish(),
            NetworkEvent::PeerConnected(peer) => {
                f.debug_tuple("PeerConnected").field(peer).finish()
            }
            NetworkEvent::PeerDisconnected(peer) => {
                f.debug_tuple("PeerDisconnected").field(peer).finish()
            }
        }
    }
}

/// Answers one inbound request. Dropping it without answering refuses the request, and the
/// requester sees a failure at once rather than a timeout.
pub struct Responder {
    reply: oneshot::Sender<Vec<u8>>,
}

impl Responder {
    pub(crate) fn new(reply: oneshot::Sender<Vec<u8>>) -> Responder {
        Responder { reply }
    }

    /// Sends the response (at most [`RESPONSE_BYTES_MAX`] bytes).
    pub fn respond(self, bytes: Vec<u8>) -> Result<(), NetworkError> {
        if bytes.len() > RESPONSE_BYTES_MAX {
            return Err(NetworkError::TooLarge {
                what: "response",
                size: bytes.len(),
                max: RESPONSE_BYTES_MAX,
            });
        }
        self.reply
            .send(bytes)
            .map_err(|_| NetworkError::RequestExpired)
    }
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder").finish_non_exhaustive()
    }
}
