//! Per-peer state: each channel's waiting queue and in-flight messages, and requests in flight.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

use bytes::Bytes;
use libp2p::request_response::{InboundRequestId, OutboundRequestId};

use crate::config::{
    Channel, INBOUND_REQUESTS_PER_PEER_MAX, IN_FLIGHT_PER_PEER_MAX, OUTBOUND_REQUESTS_PER_PEER_MAX,
    PEER_QUEUE_BYTES_MAX, PEER_QUEUE_MAX,
};
use crate::peer::PeerKey;

/// One channel's outbound messages to one peer: those waiting for a slot, and those sent but
/// not yet acknowledged (with their sizes, for the byte counters).
/// Generic over the request id only so the tests can make ids (libp2p's have no constructor).
#[derive(Debug)]
pub(crate) struct ChannelQueue<Id = OutboundRequestId> {
    waiting: VecDeque<Bytes>,
    waiting_bytes: usize,
    in_flight: HashMap<Id, usize>,
}

impl<Id> Default for ChannelQueue<Id> {
    fn default() -> Self {
        ChannelQueue {
            waiting: VecDeque::new(),
            waiting_bytes: 0,
            in_flight: HashMap::new(),
        }
    }
}

impl<Id: Hash + Eq> ChannelQueue<Id> {
    /// Queues a message; false if the queue is full and the message is dropped for this peer.
    pub(crate) fn push(&mut self, bytes: Bytes) -> bool {
        let too_many = self.waiting.len() >= PEER_QUEUE_MAX;
        let too_big =
            !self.waiting.is_empty() && self.waiting_bytes + bytes.len() > PEER_QUEUE_BYTES_MAX;
        if too_many || too_big {
            return false;
        }
        self.waiting_bytes += bytes.len();
        self.waiting.push_back(bytes);
        true
    }

    /// The next message to send, if one waits and an in-flight slot is free.
    pub(crate) fn next_to_send(&mut self) -> Option<Bytes> {
        if self.in_flight.len() >= IN_FLIGHT_PER_PEER_MAX {
            return None;
        }
        let bytes = self.waiting.pop_front()?;
        self.waiting_bytes -= bytes.len();
        Some(bytes)
    }

    /// Records a message handed to libp2p.
    pub(crate) fn sent(&mut self, id: Id, size: usize) {
        self.in_flight.insert(id, size);
    }

    /// Forgets an acknowledged or failed message; its size, if it was ours.
    pub(crate) fn finished(&mut self, id: Id) -> Option<usize> {
        self.in_flight.remove(&id)
    }

    /// Messages still waiting (dropped with the peer when it disconnects).
    pub(crate) fn waiting_len(&self) -> usize {
        self.waiting.len()
    }
}

/// A connected peer.
#[derive(Debug)]
pub(crate) struct PeerState {
    pub(crate) key: PeerKey,
    pub(crate) consensus: ChannelQueue,
    pub(crate) transactions: ChannelQueue,
    /// Requests from this peer awaiting our answer.
    pub(crate) inbound_requests: HashSet<InboundRequestId>,
    /// Our requests to this peer awaiting its answer.
    pub(crate) outbound_requests: HashSet<OutboundRequestId>,
}

impl PeerState {
    pub(crate) fn new(key: PeerKey) -> PeerState {
        PeerState {
            key,
            consensus: ChannelQueue::default(),
            transactions: ChannelQueue::default(),
            inbound_requests: HashSet::new(),
            outbound_requests: HashSet::new(),
        }
    }

    pub(crate) fn queue(&mut self, channel: Channel) -> &mut ChannelQueue {
        match channel {
            Channel::Consensus => &mut self.consensus,
            Channel::Transactions => &mut self.transactions,
        }
    }

    /// Whether another request from this peer may be handed to the daemon.
    pub(crate) fn may_accept_request(&self) -> bool {
        self.inbound_requests.len() < INBOUND_REQUESTS_PER_PEER_MAX
    }

    /// Whether we may send this peer another request.
    pub(crate) fn may_send_request(&self) -> bool {
        self.outbound_requests.len() < OUTBOUND_REQUESTS_PER_PEER_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_bounds_count_and_in_flight() {
        let mut queue = ChannelQueue::<u32>::default();
        for _ in 0..PEER_QUEUE_MAX {
            assert!(queue.push(Bytes::from_static(b"m")));
        }
        assert!(!queue.push(Bytes::from_static(b"m")), "full by count");
        let mut sent = 0;
        while let Some(bytes) = queue.next_to_send() {
            queue.sent(sent, bytes.len());
            sent += 1;
        }
        assert_eq!(sent as usize, IN_FLIGHT_PER_PEER_MAX);
        assert_eq!(queue.waiting_len(), PEER_QUEUE_MAX - IN_FLIGHT_PER_PEER_MAX);
        assert_eq!(queue.finished(0u32), Some(1));
        assert_eq!(queue.finished(0u32), None);
        assert!(
            queue.next_to_send().is_some(),
            "a finished message frees a slot"
        );
    }

    #[test]
    fn the_queue_bounds_bytes_but_admits_one_large_message() {
        let mut queue = ChannelQueue::<u32>::default();
        assert!(queue.push(Bytes::from(vec![0; PEER_QUEUE_BYTES_MAX])));
        assert!(!queue.push(Bytes::from_static(b"m")), "full by bytes");
        assert!(queue.next_to_send().is_some());
        assert!(queue.push(Bytes::from_static(b"m")));
    }
}
