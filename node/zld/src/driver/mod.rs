//! The consensus driver: the shell around the pure state machine. It feeds consensus the
//! messages, timeouts and block verdicts it needs, carries out its outputs (build, persist the
//! signing record, sign, send, commit), forwards transactions to peers, and catches up by block
//! sync. The only writer of the ledger.

mod inbound;
mod lock;
mod outputs;
mod replay;
mod resend;
mod sync;

use crate::clock;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use zl_api::NodeState;
use zl_consensus::{Consensus, Input, SignerState, Timeout, Timeouts};
use zl_ledger::ExecutedBlock;
use zl_network::{NetworkEvent, NetworkHandle, PeerKey};
use zl_types::{Hash, SecretKey};

pub(crate) use sync::serve_request;

/// Consensus messages for the next height kept until it starts, at most.
const FUTURE_MESSAGES_MAX: usize = 4_096;
/// Results of background jobs waiting for the driver, at most.
const JOB_QUEUE_MAX: usize = 256;
/// Transactions forwarded to peers in one gossip message, at most.
const GOSSIP_TRANSACTIONS_MAX: usize = 2_000;
/// Bytes of transactions forwarded in one gossip message, at most.
const GOSSIP_BYTES_MAX: usize = 3 * 1024 * 1024;
/// How far ahead of this node's clock a proposed block's time may be.
const CLOCK_DRIFT_MAX_MS: u64 = 10_000;
/// How long a request to a peer may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How the driver shapes blocks and paces itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// Transactions per block at most.
    pub(crate) transactions_max: usize,
    /// Transaction bytes per block at most.
    pub(crate) bytes_max: usize,
    /// How often a node re-sends its own messages of the current height and polls a peer's height.
    pub(crate) rebroadcast: Duration,
    /// Round timeouts.
    pub(crate) timeouts: Timeouts,
}

/// What a background job found.
pub(crate) enum JobResult {
    /// A proposed block was checked: `block` is the executed block if it is valid.
    Validated {
        height: u64,
        hash: Hash,
        block: Option<Box<ExecutedBlock>>,
        reason: Option<String>,
    },
    /// A peer reported its committed height.
    PeerHeight { peer: PeerKey, height: u64 },
    /// Committed blocks fetched from a peer, not yet checked.
    Synced {
        peer: PeerKey,
        blocks: Vec<crate::wire::SyncBlock>,
    },
}

/// The driver's state. One task runs it; background jobs report through `jobs`.
pub(crate) struct Driver {
    state: Arc<NodeState>,
    key: SecretKey,
    network: NetworkHandle,
    settings: Settings,
    consensus: Consensus,
    /// Whether the current height has been started in consensus (it waits for transactions).
    started: bool,
    /// Executed blocks of the current height, by hash (the candidates consensus may commit).
    candidates: HashMap<Hash, ExecutedBlock>,
    /// Blocks of the current height being validated in the background.
    validating: HashSet<Hash>,
    timers: BTreeMap<(Instant, u64), Timeout>,
    timer_seq: u64,
    /// Messages for the next height, replayed when it starts.
    future: VecDeque<(PeerKey, crate::wire::ConsensusMessage)>,
    /// This node's own encoded messages of the current height, by round: those of the current
    /// and the previous round are re-sent on a tick without progress.
    own: Vec<(u64, Vec<u8>)>,
    /// Verified consensus messages of the current height, own and others' (at most
    /// `resend::HELD_MAX`), relayed when the height is stuck.
    held: VecDeque<crate::wire::ConsensusMessage>,
    /// Ticks in a row without a commit.
    stuck_ticks: u32,
    /// A block was committed since the last tick (no retransmission needed).
    progressed: bool,
    /// The verdict on a restored precommitted block, fed right after `StartHeight`, and the
    /// proof-of-lock prevotes saved with it.
    restored_validity: Option<Input>,
    restored_prevotes: Vec<zl_types::SignedVote>,
    jobs_tx: mpsc::Sender<JobResult>,
    jobs_rx: mpsc::Receiver<JobResult>,
    /// A sync request is in flight.
    syncing: bool,
    /// Which connected peer the next height poll asks (they take turns).
    poll_turn: usize,
    /// Validators' names by key, for metrics.
    names: HashMap<Vec<u8>, String>,
}

impl Driver {
    /// A driver for the node's ledger, resuming from the persisted signing record.
    pub(crate) fn new(
        state: Arc<NodeState>,
        key: SecretKey,
        network: NetworkHandle,
        settings: Settings,
    ) -> Result<Driver> {
        let restored: Option<SignerState> = match state.ledger.signer_record()? {
            Some(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!("the signing record in the ledger does not decode ({e}); the node cannot know what it signed, so it refuses to start")
            })?),
            None => None,
        };
        if let Some(record) = &restored {
            tracing::info!(height = record.height, round = record.round, step = ?record.step, "resuming from the signing record");
        }
        let consensus = Consensus::new(key.public_key(), settings.timeouts, restored);
        let (jobs_tx, jobs_rx) = mpsc::channel(JOB_QUEUE_MAX);
        let names = state
            .ledger
            .genesis()
            .validators
            .validators
            .iter()
            .map(|v| (v.public_key.to_bytes(), v.name.clone()))
            .collect();
        Ok(Driver {
            state,
            key,
            network,
            settings,
            consensus,
            started: false,
            candidates: HashMap::new(),
            validating: HashSet::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            future: VecDeque::new(),
            own: Vec::new(),
            held: VecDeque::new(),
            stuck_ticks: 0,
            progressed: false,
            restored_validity: None,
            restored_prevotes: Vec::new(),
            jobs_tx,
            jobs_rx,
            syncing: false,
            poll_turn: 0,
            names,
        })
    }

    /// Runs until shutdown. An error is fatal for the node.
    pub(crate) async fn run(mut self, mut events: mpsc::Receiver<NetworkEvent>) -> Result<()> {
        let mut stop = self.state.shutdown.subscribe();
        let mut tick = tokio::time::interval(self.settings.rebroadcast);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.maybe_start_height().await?;
        loop {
            let next_timer = self.timers.first_key_value().map(|((at, _), _)| *at);
            let far = Instant::now() + Duration::from_secs(3600);
            tokio::select! {
                _ = stop.changed() => return Ok(()),
                event = events.recv() => match event {
                    Some(event) => self.on_network(event).await?,
                    None => anyhow::bail!("the peer network stopped"),
                },
                Some(job) = self.jobs_rx.recv() => self.on_job(job).await?,
                _ = tokio::time::sleep_until(next_timer.unwrap_or(far)) => self.on_timers().await?,
                _ = tick.tick() => self.on_tick().await?,
                _ = self.state.mempool_ready.notified() => self.on_mempool().await?,
            }
            if *stop.borrow() {
                return Ok(());
            }
            // A commit in the handler above leaves the next height to be started here.
            self.maybe_start_height().await?;
        }
    }

    /// Feeds one input and carries out the outputs, and those of the inputs they cause.
    async fn feed(&mut self, input: Input) -> Result<()> {
        let mut inputs = VecDeque::from([input]);
        while let Some(input) = inputs.pop_front() {
            let outputs = match self.consensus.process(input) {
                Ok(outputs) => outputs,
                Err(e) => {
                    tracing::debug!(error = %e, "consensus dropped an input");
                    continue;
                }
            };
            for output in outputs {
                self.carry_out(output, &mut inputs).await?;
            }
        }
        Ok(())
    }

    async fn on_timers(&mut self) -> Result<()> {
        let now = Instant::now();
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let timeout = entry.remove();
            tracing::debug!(height = timeout.height, round = timeout.round, step = ?timeout.step, "timeout elapsed");
            self.state.metrics.on_timeout();
            self.feed(Input::TimeoutElapsed(timeout)).await?;
        }
        Ok(())
    }

    /// Every tick without a commit: re-send (see `resend.rs`); and ask a peer how far it is (to
    /// catch up if this node fell behind).
    async fn on_tick(&mut self) -> Result<()> {
        if std::mem::take(&mut self.progressed) {
            self.stuck_ticks = 0;
        } else {
            self.resend();
        }
        self.poll_peer_height();
        self.maybe_start_height().await
    }

    async fn on_mempool(&mut self) -> Result<()> {
        self.gossip_fresh();
        self.maybe_start_height().await
    }

    /// Forwards locally submitted transactions to every peer, once.
    fn gossip_fresh(&mut self) {
        loop {
            let fresh = self
                .state
                .mempool()
                .take_fresh(GOSSIP_TRANSACTIONS_MAX, GOSSIP_BYTES_MAX);
            if fresh.is_empty() {
                return;
            }
            let message = crate::wire::encode(&crate::wire::TransactionGossip {
                transactions: fresh,
            });
            if let Err(e) = self
                .network
                .broadcast(zl_network::Channel::Transactions, message)
            {
                // Peers will receive the transactions inside the proposal's fetch instead.
                tracing::debug!(error = %e, "transaction gossip dropped");
                return;
            }
        }
    }

    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }
}
