//! One simulated validator: its disk (committed blocks and the signing record, which survive a
//! crash), its memory (consensus state, held messages, buffers, timers: lost in a crash), and the
//! loop that carries one event through consensus and the shell.

use crate::block::{Committed, Message, SimBlock};
use crate::events::{Event, Timer};
use crate::trace::What;
use crate::world::{Ctx, Flow, Stop};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;
use zl_consensus::{Consensus, ConsensusError, Input, SignerState};
use zl_types::{Hash, PublicKey, SecretKey};

/// Own signed messages of one height kept on disk for re-sending, at most.
pub(crate) const SENT_MAX: usize = 512;
/// Consensus messages of the current height held for relaying when stuck.
pub(crate) const HELD_MAX: usize = 1_024;
/// Messages of future heights buffered until the node gets there.
pub(crate) const FUTURE_MESSAGES_MAX: usize = 512;
/// How many heights ahead messages are buffered.
pub(crate) const FUTURE_HEIGHTS_MAX: u64 = 2;
/// Proposed blocks held per height.
pub(crate) const BLOCKS_PER_HEIGHT_MAX: usize = 256;
/// Interval of the re-send timer, milliseconds (plus up to a fifth of it as jitter).
pub(crate) const RESEND_INTERVAL_MS: u64 = 1_000;
/// Re-send everything held, not just own messages, after this many ticks stuck at one height.
pub(crate) const STUCK_TICKS_FULL_RESEND: u32 = 3;

/// What survives a crash.
#[derive(Clone, Debug, Default)]
pub(crate) struct Disk {
    /// Committed blocks, height 1 first.
    pub(crate) blocks: Vec<Committed>,
    /// The last signing record, written before each signature leaves the node.
    pub(crate) signer: Option<SignerState>,
    /// Own signed messages of the height last signed at, oldest first (a write-ahead log: a
    /// restarted node re-sends them, since its peers may never have received them, and the
    /// signing record alone can only re-create the last one).
    pub(crate) sent: Vec<Rc<Message>>,
    /// The block of the last precommit for a block, with the prevotes that made its
    /// proof-of-lock, written before that precommit was signed: after a restart the validator is
    /// still locked on it (its signing record says so), and without the block it could neither
    /// decide it nor re-propose it, and without the prevotes no one else could accept it (one of
    /// them may be an equivocator's that only some validators received).
    pub(crate) locked: Option<LockedRecord>,
}

/// A locked block and its proof-of-lock prevotes.
#[derive(Clone, Debug)]
pub(crate) struct LockedRecord {
    pub(crate) block: Rc<SimBlock>,
    pub(crate) prevotes: Vec<Rc<Message>>,
}

impl Disk {
    /// The committed height.
    pub(crate) fn height(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// The committed height and the hash of its block (the genesis hash at height 0).
    pub(crate) fn tip(&self, genesis: Hash) -> (u64, Hash) {
        self.blocks
            .last()
            .map_or((0, genesis), |c| (c.block.height, c.block.hash))
    }
}

/// What a crash loses.
pub(crate) struct Memory {
    pub(crate) consensus: Consensus,
    /// The height consensus is working on (the disk height + 1 once entered).
    pub(crate) height: u64,
    /// Blocks proposed at this height, by hash.
    pub(crate) blocks: BTreeMap<Hash, Rc<SimBlock>>,
    /// Signatures of the consensus messages already handled at this height.
    pub(crate) seen: BTreeSet<[u8; 64]>,
    /// Consensus messages of this height (own and others'), for the stuck re-send.
    pub(crate) held: VecDeque<Rc<Message>>,
    /// Messages of later heights, with their sender.
    pub(crate) future: Vec<(usize, Rc<Message>)>,
    /// No sync request before this time.
    pub(crate) sync_after: u64,
    /// Re-send ticks spent at `last_tick_height`.
    pub(crate) stuck_ticks: u32,
    pub(crate) last_tick_height: u64,
}

/// One unit of work inside a node's handling of an event.
// Lives only in a short queue while one event is handled; boxing inputs would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Work {
    /// Start consensus at this height (if it is the next one after the disk).
    Enter(u64),
    /// Feed consensus.
    Input(Input),
    /// A message from a peer.
    Message(usize, Rc<Message>),
}

/// A simulated validator.
pub(crate) struct Node {
    pub(crate) index: usize,
    pub(crate) key: SecretKey,
    pub(crate) public: PublicKey,
    pub(crate) disk: Disk,
    /// `None` while crashed.
    pub(crate) memory: Option<Memory>,
    /// Bumped at every boot, so timers of an earlier life are ignored.
    pub(crate) incarnation: u64,
}

/// The memory of a node that must be live.
pub(crate) fn live(memory: &mut Option<Memory>) -> &mut Memory {
    memory.as_mut().expect("only live nodes handle events")
}

impl Node {
    /// A validator that has not booted yet.
    pub(crate) fn new(index: usize, key: SecretKey) -> Node {
        Node {
            index,
            public: key.public_key(),
            key,
            disk: Disk::default(),
            memory: None,
            incarnation: 0,
        }
    }

    /// Whether this node follows the protocol.
    pub(crate) fn honest(&self, ctx: &Ctx) -> bool {
        !ctx.world.byzantine[self.index]
    }

    /// Boots (or reboots) from disk: consensus resumes from the signing record, and the node
    /// starts the height after its last committed block.
    pub(crate) fn boot(&mut self, ctx: &mut Ctx) -> Flow {
        let restored = if ctx.world.forget_signer_state {
            None
        } else {
            self.disk.signer.clone()
        };
        let tip = self.disk.height();
        let resumes = restored.as_ref().is_some_and(|r| r.height == tip + 1);
        ctx.stats.resumed += u64::from(resumes);
        self.memory = Some(Memory {
            consensus: Consensus::new(self.public.clone(), ctx.world.timeouts, restored),
            height: 0,
            blocks: BTreeMap::new(),
            seen: BTreeSet::new(),
            held: VecDeque::new(),
            future: Vec::new(),
            sync_after: 0,
            stuck_ticks: 0,
            last_tick_height: 0,
        });
        self.incarnation += 1;
        ctx.trace(self.index, What::Restart { tip, resumes });
        self.schedule_resend(ctx);
        self.run(Work::Enter(tip + 1), ctx)
    }

    /// Loses everything but the disk.
    pub(crate) fn crash(&mut self) {
        self.memory = None;
        self.incarnation += 1;
    }

    /// Carries one piece of work and everything it causes (own messages fed back, heights
    /// entered, buffered messages replayed) to completion, in order.
    pub(crate) fn run(&mut self, first: Work, ctx: &mut Ctx) -> Flow {
        let mut pending = VecDeque::from([first]);
        while let Some(work) = pending.pop_front() {
            match work {
                Work::Enter(height) => self.enter(height, &mut pending, ctx),
                Work::Input(input) => {
                    self.step(input, &mut pending, ctx)?;
                }
                Work::Message(from, message) => self.receive(from, message, &mut pending, ctx)?,
            }
        }
        Ok(())
    }

    /// Feeds consensus one input and carries out its outputs. Returns whether consensus took
    /// the input (refusals — wrong height, round too far, not the proposer — are normal).
    pub(crate) fn step(
        &mut self,
        input: Input,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Result<bool, Stop> {
        let honest = self.honest(ctx);
        let consensus = &mut live(&mut self.memory).consensus;
        let outputs = match consensus.process(input) {
            Ok(outputs) => outputs,
            Err(ConsensusError::BadValidatorSet { height, reason }) => {
                return Err(Stop::Failed(format!(
                    "n{} refused the validator set at height {height}: {reason}",
                    self.index
                )))
            }
            Err(_) => {
                ctx.stats.refused += 1;
                return Ok(false);
            }
        };
        if honest {
            ctx.stats.round_max = ctx.stats.round_max.max(consensus.round());
        }
        for output in outputs {
            self.execute(output, pending, ctx)?;
        }
        Ok(true)
    }

    /// Starts consensus at `height` and replays the messages buffered for it.
    fn enter(&mut self, height: u64, pending: &mut VecDeque<Work>, ctx: &mut Ctx) {
        let mem = live(&mut self.memory);
        if height != self.disk.height() + 1 || mem.height == height {
            return;
        }
        mem.height = height;
        mem.blocks.clear();
        mem.seen.clear();
        mem.held.clear();
        pending.push_back(Work::Input(Input::StartHeight {
            height,
            validators: ctx.world.validators.clone(),
        }));
        // After a restart, what this node signed at this height before the crash comes back
        // from disk into consensus, like messages received (they may complete quorums).
        let (tip_height, tip_hash) = self.disk.tip(ctx.world.genesis_hash);
        for message in self
            .disk
            .sent
            .iter()
            .filter(|m| m.consensus_height() == Some(height))
        {
            Node::hold(mem, message);
            match &**message {
                Message::Proposal { signed, block } => {
                    mem.blocks.insert(block.hash, Rc::clone(block));
                    pending.push_back(Work::Input(Input::Proposal(signed.clone())));
                    pending.push_back(Work::Input(Input::ProposalValidated {
                        height,
                        block_hash: block.hash,
                        valid: block.valid_on(tip_height, tip_hash),
                    }));
                }
                Message::Vote(vote) => pending.push_back(Work::Input(Input::Vote(vote.clone()))),
                Message::SyncRequest { .. } | Message::SyncResponse { .. } => {}
            }
        }
        if let Some(locked) = self
            .disk
            .locked
            .as_ref()
            .filter(|l| l.block.height == height)
        {
            let block = &locked.block;
            mem.blocks.insert(block.hash, Rc::clone(block));
            pending.push_back(Work::Input(Input::ProposalValidated {
                height,
                block_hash: block.hash,
                valid: block.valid_on(tip_height, tip_hash),
            }));
            for message in &locked.prevotes {
                if let Message::Vote(vote) = &**message {
                    Node::hold(mem, message);
                    pending.push_back(Work::Input(Input::Vote(vote.clone())));
                }
            }
        }
        for (from, message) in std::mem::take(&mut mem.future) {
            match message.consensus_height() {
                Some(h) if h == height => pending.push_back(Work::Message(from, message)),
                Some(h) if h > height => mem.future.push((from, message)),
                _ => {}
            }
        }
    }

    /// A timer of this life fired.
    pub(crate) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx) -> Flow {
        match timer {
            Timer::Consensus(timeout) => {
                ctx.trace(self.index, What::Timeout(timeout));
                self.run(Work::Input(Input::TimeoutElapsed(timeout)), ctx)
            }
            Timer::Built {
                height,
                round,
                block_hash,
                pol_round,
            } => {
                ctx.trace(self.index, What::Built { height, round });
                let input = Input::ProposalBuilt {
                    height,
                    round,
                    block_hash,
                    pol_round,
                };
                self.run(Work::Input(input), ctx)
            }
            Timer::Enter(height) => self.run(Work::Enter(height), ctx),
            Timer::Resend => self.resend(ctx),
        }
    }

    /// Re-sends own recent messages of this height (message loss would otherwise stall the
    /// chain), and everything held when stuck at one height for a while (the gossip property
    /// Tendermint's liveness assumes: what one correct node received, every correct node
    /// eventually receives).
    fn resend(&mut self, ctx: &mut Ctx) -> Flow {
        let mem = live(&mut self.memory);
        if mem.height == mem.last_tick_height {
            mem.stuck_ticks += 1;
        } else {
            mem.last_tick_height = mem.height;
            mem.stuck_ticks = 0;
        }
        let everything = mem.stuck_ticks >= STUCK_TICKS_FULL_RESEND;
        if everything {
            mem.stuck_ticks = 0;
        }
        let list: Vec<Rc<Message>> = if everything {
            mem.held.iter().cloned().collect()
        } else {
            // Own messages of this round and the one before (a peer one round behind needs
            // them to finish it; the stuck re-send covers older ones).
            let height = Some(mem.height);
            let round = mem.consensus.round();
            let own = self.disk.sent.iter().filter(|m| {
                m.consensus_height() == height && m.consensus_round().unwrap_or(0) + 1 >= round
            });
            own.cloned().collect()
        };
        self.schedule_resend(ctx);
        for message in &list {
            self.broadcast(message, None, ctx)?;
        }
        Ok(())
    }

    fn schedule_resend(&self, ctx: &mut Ctx) {
        let after = RESEND_INTERVAL_MS + ctx.rng.below(RESEND_INTERVAL_MS / 5);
        let event = Event::Timer {
            node: self.index,
            incarnation: self.incarnation,
            timer: Timer::Resend,
        };
        ctx.schedule(after, event);
    }

    /// Sends to every peer but `except`, with a crash point after each send (a crash can cut a
    /// broadcast short).
    pub(crate) fn broadcast(
        &self,
        message: &Rc<Message>,
        except: Option<usize>,
        ctx: &mut Ctx,
    ) -> Flow {
        for to in 0..ctx.world.nodes() {
            if to != self.index && Some(to) != except {
                ctx.send(self.index, to, message);
                ctx.crash_point()?;
            }
        }
        Ok(())
    }

    /// Notes a consensus message of this height as handled and held.
    pub(crate) fn hold(mem: &mut Memory, message: &Rc<Message>) {
        if let Some(signature) = message.signature_bytes() {
            mem.seen.insert(signature);
        }
        if mem.held.len() == HELD_MAX {
            mem.held.pop_front();
        }
        mem.held.push_back(Rc::clone(message));
    }
}
