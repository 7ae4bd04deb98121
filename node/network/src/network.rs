//! `Network`: builds the swarm, binds the listener, and runs the loop the daemon spawns.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use libp2p::core::upgrade::Version;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{OutboundRequestId, ResponseChannel};
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId, Swarm, SwarmBuilder};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;

use crate::behaviour::Behaviour;
use crate::config::{Channel, NetworkConfig, PEER_QUEUE_BYTES_MAX};
use crate::counters::NetworkCounters;
use crate::dialer::Dialer;
use crate::error::NetworkError;
use crate::event::NetworkEvent;
use crate::handle::{Control, Inbox, NetworkHandle, Shared};
use crate::peer::{keypair_from_secret, PeerKey};
use crate::peers::PeerState;

/// Connections stay open until a peer leaves, is disallowed or stops acknowledging; libp2p's
/// default would close one as soon as no stream is open.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::MAX;
/// How long a TCP connect plus the noise and yamux handshakes may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `Network::new` waits for the listener to report its address.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Our answer to an inbound request, once the daemon gives it (or drops the responder).
pub(crate) type Answer = (
    ResponseChannel<Vec<u8>>,
    Result<Vec<u8>, oneshot::error::RecvError>,
);

/// The network's run loop and everything it owns. Build with [`Network::new`], then spawn
/// [`Network::run`].
pub struct Network {
    pub(crate) swarm: Swarm<Behaviour>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) inbox: Inbox,
    pub(crate) events: mpsc::Sender<NetworkEvent>,
    /// Peer events held back while `events` is full; messages are dropped instead.
    pub(crate) peer_events: VecDeque<NetworkEvent>,
    pub(crate) peers: HashMap<PeerId, PeerState>,
    pub(crate) allowed: HashSet<PeerId>,
    pub(crate) dialer: Dialer,
    /// Our requests in flight, with where their answers go.
    pub(crate) requests: HashMap<OutboundRequestId, oneshot::Sender<Result<Vec<u8>, NetworkError>>>,
    /// Inbound requests handed to the daemon, awaiting its answer.
    pub(crate) answers: FuturesUnordered<BoxFuture<'static, Answer>>,
    pub(crate) request_timeout: Duration,
    listen_addr: SocketAddr,
}

impl Network {
    /// Builds the transport (TCP + noise + yamux), binds `config.listen` and returns the network,
    /// a handle to it and the receiver of its events. Call within a tokio runtime; nothing runs
    /// until the daemon spawns [`Network::run`].
    pub async fn new(
        config: NetworkConfig,
    ) -> Result<(Network, NetworkHandle, mpsc::Receiver<NetworkEvent>), NetworkError> {
        check_limits(&config)?;
        let keypair = keypair_from_secret(&config.transport_secret)?;
        let local_key = PeerKey::from_secret(&config.transport_secret)?;
        let allowed = config
            .allowed
            .iter()
            .map(|key| key.to_peer_id())
            .collect::<Result<HashSet<_>, _>>()?;
        let counters = Arc::new(NetworkCounters::default());
        let behaviour = Behaviour::new(&config, &allowed, &counters);
        let transport_error = |error: &dyn std::fmt::Display| NetworkError::Transport {
            reason: error.to_string(),
        };
        let mut swarm = SwarmBuilder::with_existing_identity(keypair)
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|error| transport_error(&error))?
            .with_behaviour(|_| behaviour)
            .map_err(|error| transport_error(&error))?
            .with_swarm_config(|swarm_config| {
                swarm_config
                    .with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT)
                    // Saves a round trip per substream: the protocol is proposed with the data.
                    .with_substream_upgrade_protocol_override(Version::V1Lazy)
            })
            .with_connection_timeout(HANDSHAKE_TIMEOUT)
            .build();
        let listen_error = |reason: String| NetworkError::Listen {
            address: config.listen,
            reason,
        };
        probe_listen(config.listen).map_err(|error| listen_error(error.to_string()))?;
        swarm
            .listen_on(to_multiaddr(config.listen))
            .map_err(|error| listen_error(error.to_string()))?;
        let listen_addr =
            tokio::time::timeout(LISTEN_TIMEOUT, bound_address(&mut swarm, config.listen))
                .await
                .map_err(|_| listen_error("the listener reported no address".to_string()))?
                .map_err(listen_error)?;
        tracing::info!(target: "zl_network", %listen_addr, key = %local_key, "listening");

        let own_addresses = [config.listen, listen_addr];
        let dial = config
            .peers
            .iter()
            .filter(|address| !own_addresses.contains(address))
            .map(|address| to_multiaddr(*address))
            .collect();
        let shared = Arc::new(Shared {
            local_key,
            counters,
            connected: Mutex::new(Vec::new()),
            shutdown: Notify::new(),
            consensus_message_bytes_max: config.consensus_message_bytes_max,
            transactions_message_bytes_max: config.transactions_message_bytes_max,
        });
        let (handle, inbox) = NetworkHandle::new(Arc::clone(&shared));
        let (events, events_rx) = mpsc::channel(config.event_queue_max);
        let network = Network {
            swarm,
            shared,
            inbox,
            events,
            peer_events: VecDeque::new(),
            peers: HashMap::new(),
            allowed,
            dialer: Dialer::new(dial, config.redial_backoff_max, Instant::now()),
            requests: HashMap::new(),
            answers: FuturesUnordered::new(),
            request_timeout: config.request_timeout,
            listen_addr,
        };
        Ok((network, handle, events_rx))
    }

    /// The bound listen address (with the real port when `listen` asked for port 0).
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// This node's transport key.
    pub fn local_key(&self) -> PeerKey {
        self.shared.local_key
    }

    /// Runs the network until `NetworkHandle::shutdown` is called or every handle is dropped.
    /// Channels are polled in priority order: control, consensus, the swarm, then requests and
    /// transactions, so a transaction flood never waits ahead of a vote.
    pub async fn run(mut self) {
        self.dial_due();
        // Owned copies, so the branches' futures do not borrow `self` while a branch runs.
        let shared = Arc::clone(&self.shared);
        let events = self.events.clone();
        loop {
            self.flush_peer_events();
            let next_dial = self.dialer.next_due();
            let holding_peer_events = !self.peer_events.is_empty();
            let has_answers = !self.answers.is_empty();
            tokio::select! {
                biased;
                () = shared.shutdown.notified() => break,
                control = self.inbox.control.recv() => match control {
                    Some(Control::SetAllowed(keys)) => self.set_allowed(keys),
                    None => break,
                },
                Some(message) = self.inbox.consensus.recv() => {
                    self.queue_message(Channel::Consensus, message);
                }
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                Some(answer) = self.answers.next(), if has_answers => self.on_answer(answer),
                Some(request) = self.inbox.requests.recv() => self.send_request(request),
                Some(message) = self.inbox.transactions.recv() => {
                    self.queue_message(Channel::Transactions, message);
                }
                () = sleep_until(next_dial) => self.dial_due(),
                permit = events.reserve(), if holding_peer_events => {
                    if let (Ok(permit), Some(event)) = (permit, self.peer_events.pop_front()) {
                        permit.send(event);
                    }
                }
            }
        }
        tracing::info!(target: "zl_network", "network stopped");
    }

    /// Dials every configured address whose time has come.
    fn dial_due(&mut self) {
        let now = Instant::now();
        for (index, address) in self.dialer.due(now) {
            let options = libp2p::swarm::dial_opts::DialOpts::unknown_peer_id()
                .address(address.clone())
                .build();
            let connection = options.connection_id();
            match self.swarm.dial(options) {
                Ok(()) => self.dialer.dialing(index, connection),
                Err(error) => {
                    tracing::warn!(target: "zl_network", %address, %error, "cannot dial peer");
                    self.dialer.dial_refused(index, now);
                }
            }
        }
    }

    /// Replaces the allow list; libp2p closes the connections of removed peers.
    fn set_allowed(&mut self, keys: Vec<PeerKey>) {
        let allowed: HashSet<PeerId> = keys
            .iter()
            .filter_map(|key| key.to_peer_id().ok())
            .collect();
        if allowed == self.allowed {
            // The daemon sends the registry's list after every block; most blocks change nothing.
            return;
        }
        let allow_list = &mut self.swarm.behaviour_mut().allowed;
        for removed in self.allowed.difference(&allowed) {
            allow_list.disallow_peer(*removed);
        }
        let mut grew = false;
        for added in allowed.difference(&self.allowed) {
            grew |= allow_list.allow_peer(*added);
        }
        tracing::info!(target: "zl_network", allowed = allowed.len(), "allowed peers replaced");
        self.allowed = allowed;
        if grew {
            // A newly allowed peer may sit at the end of a long backoff.
            self.dialer.hurry(Instant::now());
        }
    }

    /// Hands held-back peer events to the daemon while there is room.
    fn flush_peer_events(&mut self) {
        while let Some(event) = self.peer_events.pop_front() {
            match self.events.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(event)) => {
                    self.peer_events.push_front(event);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.peer_events.clear();
                    return;
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Polls the fresh swarm until its listener reports an address; no dials have started yet, so
/// nothing else can happen first.
async fn bound_address(
    swarm: &mut Swarm<Behaviour>,
    requested: SocketAddr,
) -> Result<SocketAddr, String> {
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => {
                let Some(bound) = to_socket_addr(&address) else {
                    continue;
                };
                // Listening on 0.0.0.0 reports each interface; keep the unspecified address.
                let ip = if requested.ip().is_unspecified() {
                    requested.ip()
                } else {
                    bound.ip()
                };
                return Ok(SocketAddr::new(ip, bound.port()));
            }
            SwarmEvent::ListenerError { error, .. } => return Err(error.to_string()),
            SwarmEvent::ListenerClosed { reason, .. } => {
                return Err(format!("the listener closed: {reason:?}"));
            }
            _ => {}
        }
    }
}

/// libp2p listens with SO_REUSEPORT, so a second node on a taken port would silently share it
/// (the kernel would split connections between the two). A plain bind first refuses that.
fn probe_listen(address: SocketAddr) -> std::io::Result<()> {
    if address.port() != 0 {
        drop(std::net::TcpListener::bind(address)?);
    }
    Ok(())
}

fn check_limits(config: &NetworkConfig) -> Result<(), NetworkError> {
    for (name, value) in [
        (
            "consensus_message_bytes_max",
            config.consensus_message_bytes_max,
        ),
        (
            "transactions_message_bytes_max",
            config.transactions_message_bytes_max,
        ),
    ] {
        if value == 0 || value > PEER_QUEUE_BYTES_MAX {
            return Err(NetworkError::InvalidConfig {
                reason: format!(
                    "{name} is {value}; it must be between 1 and {PEER_QUEUE_BYTES_MAX} bytes"
                ),
            });
        }
    }
    if config.event_queue_max == 0 {
        let reason = "event_queue_max is 0; it must be at least 1".to_string();
        return Err(NetworkError::InvalidConfig { reason });
    }
    if config.request_timeout.is_zero() {
        let reason = "request_timeout is 0; it must be positive".to_string();
        return Err(NetworkError::InvalidConfig { reason });
    }
    Ok(())
}

pub(crate) fn to_multiaddr(address: SocketAddr) -> Multiaddr {
    let ip = match address.ip() {
        IpAddr::V4(ip) => Protocol::Ip4(ip),
        IpAddr::V6(ip) => Protocol::Ip6(ip),
    };
    Multiaddr::empty()
        .with(ip)
        .with(Protocol::Tcp(address.port()))
}

fn to_socket_addr(address: &Multiaddr) -> Option<SocketAddr> {
    let mut parts = address.iter();
    let ip: IpAddr = match parts.next()? {
        Protocol::Ip4(ip) => ip.into(),
        Protocol::Ip6(ip) => ip.into(),
        _ => return None,
    };
    match parts.next()? {
        Protocol::Tcp(port) => Some(SocketAddr::new(ip, port)),
        _ => None,
    }
}
