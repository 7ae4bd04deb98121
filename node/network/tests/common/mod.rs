//! Test helpers: start nodes on 127.0.0.1 with port 0, and wait on their events.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;
use zl_network::{Channel, Network, NetworkConfig, NetworkEvent, NetworkHandle, PeerKey};

/// Generous: a wait that takes this long is a failure, not a slow machine.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn secret(index: u8) -> [u8; 32] {
    [index + 1; 32]
}

pub fn key(index: u8) -> PeerKey {
    PeerKey::from_secret(&secret(index)).unwrap()
}

pub fn keys(indexes: &[u8]) -> Vec<PeerKey> {
    indexes.iter().map(|index| key(*index)).collect()
}

pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A config with a short redial cap so reconnections in tests are quick.
pub fn config(
    index: u8,
    listen: SocketAddr,
    peers: Vec<SocketAddr>,
    allowed: &[u8],
) -> NetworkConfig {
    let mut config = NetworkConfig::new(secret(index), listen, peers, keys(allowed));
    config.redial_backoff_max = Duration::from_millis(500);
    config
}

pub struct Node {
    pub key: PeerKey,
    pub addr: SocketAddr,
    pub handle: NetworkHandle,
    pub events: Receiver<NetworkEvent>,
    task: JoinHandle<()>,
}

impl Node {
    pub async fn start(config: NetworkConfig) -> Node {
        let (network, handle, events) = Network::new(config).await.unwrap();
        let key = network.local_key();
        let addr = network.listen_addr();
        let task = tokio::spawn(network.run());
        Node {
            key,
            addr,
            handle,
            events,
            task,
        }
    }

    /// The next event, whatever it is.
    pub async fn next_event(&mut self) -> NetworkEvent {
        tokio::time::timeout(WAIT, self.events.recv())
            .await
            .expect("timed out waiting for a network event")
            .expect("the network stopped")
    }

    /// Skips events until one matches.
    pub async fn wait_for(
        &mut self,
        what: &str,
        mut matches: impl FnMut(&NetworkEvent) -> bool,
    ) -> NetworkEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("the network stopped");
            if matches(&event) {
                return event;
            }
        }
    }

    /// Waits until every one of `peers` has connected, in any order.
    pub async fn wait_connected(&mut self, peers: &[PeerKey]) {
        let mut missing: Vec<PeerKey> = peers.to_vec();
        while !missing.is_empty() {
            let event = self
                .wait_for("peers to connect", |event| {
                    matches!(event, NetworkEvent::PeerConnected(_))
                })
                .await;
            if let NetworkEvent::PeerConnected(peer) = event {
                missing.retain(|key| *key != peer);
            }
        }
    }

    pub async fn wait_disconnected(&mut self, peer: PeerKey) {
        self.wait_for(
            "a peer to disconnect",
            |event| matches!(event, NetworkEvent::PeerDisconnected(p) if *p == peer),
        )
        .await;
    }

    /// Waits for the next message, skipping peer events.
    pub async fn next_message(&mut self) -> (PeerKey, Channel, Vec<u8>) {
        match self
            .wait_for("a message", |event| {
                matches!(event, NetworkEvent::Message { .. })
            })
            .await
        {
            NetworkEvent::Message {
                from,
                channel,
                bytes,
            } => (from, channel, bytes),
            _ => unreachable!(),
        }
    }

    /// Messages already delivered and not yet read (no waiting).
    pub fn pending_messages(&mut self) -> usize {
        let mut count = 0;
        while let Ok(event) = self.events.try_recv() {
            if let NetworkEvent::Message { .. } = event {
                count += 1;
            }
        }
        count
    }

    /// Stops the node and waits until its listener and connections are gone.
    pub async fn stop(self) {
        self.handle.shutdown();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("run did not return")
            .unwrap();
    }
}

/// Waits until `condition` holds, yielding between checks (no timed sleeps).
pub async fn eventually(what: &str, condition: impl Fn() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !condition() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
}
