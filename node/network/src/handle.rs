//! `NetworkHandle`: the daemon's non-blocking side of the network, cheap to clone.

use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::config::{
    Channel, CONSENSUS_QUEUE_MAX, CONTROL_QUEUE_MAX, REQUEST_BYTES_MAX, REQUEST_QUEUE_MAX,
    TRANSACTIONS_QUEUE_MAX,
};
use crate::counters::NetworkCounters;
use crate::error::NetworkError;
use crate::peer::PeerKey;

/// A one-way message for the run loop: to one peer, or to every connected peer.
pub(crate) struct Outbound {
    pub(crate) to: Option<PeerKey>,
    pub(crate) bytes: Bytes,
}

/// A request for the run loop, with where its answer goes.
pub(crate) struct OutboundRequest {
    pub(crate) to: PeerKey,
    pub(crate) bytes: Bytes,
    pub(crate) reply: oneshot::Sender<Result<Vec<u8>, NetworkError>>,
}

/// A change of the run loop's settings.
pub(crate) enum Control {
    SetAllowed(Vec<PeerKey>),
}

/// State the run loop and every handle share.
pub(crate) struct Shared {
    pub(crate) local_key: PeerKey,
    pub(crate) counters: Arc<NetworkCounters>,
    /// Connected peers, sorted; the run loop keeps it current.
    pub(crate) connected: Mutex<Vec<PeerKey>>,
    pub(crate) shutdown: Notify,
    pub(crate) consensus_message_bytes_max: usize,
    pub(crate) transactions_message_bytes_max: usize,
}

/// The receiving ends the run loop owns.
pub(crate) struct Inbox {
    pub(crate) consensus: mpsc::Receiver<Outbound>,
    pub(crate) transactions: mpsc::Receiver<Outbound>,
    pub(crate) requests: mpsc::Receiver<OutboundRequest>,
    pub(crate) control: mpsc::Receiver<Control>,
}

/// Sends messages and requests, changes the allowed set, and reads the network's state. Every
/// method returns at once; a full queue is an error, never a wait.
#[derive(Clone)]
pub struct NetworkHandle {
    shared: Arc<Shared>,
    consensus: mpsc::Sender<Outbound>,
    transactions: mpsc::Sender<Outbound>,
    requests: mpsc::Sender<OutboundRequest>,
    control: mpsc::Sender<Control>,
}

impl NetworkHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> (NetworkHandle, Inbox) {
        let (consensus, consensus_rx) = mpsc::channel(CONSENSUS_QUEUE_MAX);
        let (transactions, transactions_rx) = mpsc::channel(TRANSACTIONS_QUEUE_MAX);
        let (requests, requests_rx) = mpsc::channel(REQUEST_QUEUE_MAX);
        let (control, control_rx) = mpsc::channel(CONTROL_QUEUE_MAX);
        let handle = NetworkHandle {
            shared,
            consensus,
            transactions,
            requests,
            control,
        };
        let inbox = Inbox {
            consensus: consensus_rx,
            transactions: transactions_rx,
            requests: requests_rx,
            control: control_rx,
        };
        (handle, inbox)
    }

    /// This node's transport key.
    pub fn local_key(&self) -> PeerKey {
        self.shared.local_key
    }

    /// Queues `bytes` for every connected peer on `channel`.
    pub fn broadcast(&self, channel: Channel, bytes: Vec<u8>) -> Result<(), NetworkError> {
        self.enqueue(channel, None, bytes)
    }

    /// Queues `bytes` for one connected peer on `channel`.
    pub fn send(
        &self,
        peer: PeerKey,
        channel: Channel,
        bytes: Vec<u8>,
    ) -> Result<(), NetworkError> {
        if !self.is_connected(&peer) {
            return Err(NetworkError::NotConnected { peer });
        }
        self.enqueue(channel, Some(peer), bytes)
    }

    /// Sends a request (at most [`REQUEST_BYTES_MAX`] bytes) to a connected peer; the future
    /// yields its response or fails after the configured request timeout. Size and queue
    /// checks happen now; the future owns nothing borrowed, so it can be spawned.
    pub fn request(
        &self,
        peer: PeerKey,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, NetworkError>> + Send + 'static {
        let queued = self.enqueue_request(peer, bytes);
        async move { queued?.await.map_err(|_| NetworkError::Stopped)? }
    }

    /// Replaces the set of transport keys allowed to connect; connections of peers no longer
    /// in it are closed.
    pub fn set_allowed(&self, allowed: Vec<PeerKey>) -> Result<(), NetworkError> {
        for key in &allowed {
            key.to_peer_id()?;
        }
        self.control
            .try_send(Control::SetAllowed(allowed))
            .map_err(|error| queue_error(error, "control", CONTROL_QUEUE_MAX))
    }

    /// The connected peers, sorted.
    pub fn peers(&self) -> Vec<PeerKey> {
        self.shared
            .connected
            .lock()
            .expect("peer list lock")
            .clone()
    }

    /// The network's counters, for metrics.
    pub fn counters(&self) -> Arc<NetworkCounters> {
        Arc::clone(&self.shared.counters)
    }

    /// Stops the run loop; `run` returns and every connection closes.
    pub fn shutdown(&self) {
        self.shared.shutdown.notify_one();
    }

    fn is_connected(&self, peer: &PeerKey) -> bool {
        let connected = self.shared.connected.lock().expect("peer list lock");
        connected.binary_search(peer).is_ok()
    }

    fn enqueue(
        &self,
        channel: Channel,
        to: Option<PeerKey>,
        bytes: Vec<u8>,
    ) -> Result<(), NetworkError> {
        let (queue, name, max, bytes_max) = match channel {
            Channel::Consensus => (
                &self.consensus,
                "consensus outbound",
                CONSENSUS_QUEUE_MAX,
                self.shared.consensus_message_bytes_max,
            ),
            Channel::Transactions => (
                &self.transactions,
                "transactions outbound",
                TRANSACTIONS_QUEUE_MAX,
                self.shared.transactions_message_bytes_max,
            ),
        };
        if bytes.len() > bytes_max {
            let what = match channel {
                Channel::Consensus => "consensus message",
                Channel::Transactions => "transaction batch",
            };
            return Err(NetworkError::TooLarge {
                what,
                size: bytes.len(),
                max: bytes_max,
            });
        }
        let message = Outbound {
            to,
            bytes: Bytes::from(bytes),
        };
        queue
            .try_send(message)
            .map_err(|error| queue_error(error, name, max))
    }

    fn enqueue_request(
        &self,
        to: PeerKey,
        bytes: Vec<u8>,
    ) -> Result<oneshot::Receiver<Result<Vec<u8>, NetworkError>>, NetworkError> {
        if bytes.len() > REQUEST_BYTES_MAX {
            return Err(NetworkError::TooLarge {
                what: "request",
                size: bytes.len(),
                max: REQUEST_BYTES_MAX,
            });
        }
        if !self.is_connected(&to) {
            return Err(NetworkError::NotConnected { peer: to });
        }
        let (reply, answer) = oneshot::channel();
        let request = OutboundRequest {
            to,
            bytes: Bytes::from(bytes),
            reply,
        };
        self.requests
            .try_send(request)
            .map_err(|error| queue_error(error, "request", REQUEST_QUEUE_MAX))?;
        Ok(answer)
    }
}

fn queue_error<T>(
    error: mpsc::error::TrySendError<T>,
    queue: &'static str,
    max: usize,
) -> NetworkError {
    match error {
        mpsc::error::TrySendError::Full(_) => NetworkError::QueueFull { queue, max },
        mpsc::error::TrySendError::Closed(_) => NetworkError::Stopped,
    }
}
