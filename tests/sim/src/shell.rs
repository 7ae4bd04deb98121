//! The node's shell: carries out consensus outputs — builds blocks, persists the signing record
//! BEFORE signing and sending, signs for real, feeds its own messages back, runs timeouts on the
//! simulated clock, commits decided blocks to disk and reports evidence.

use crate::block::{short, Committed, Message, SimBlock};
use crate::checker::Signed;
use crate::events::{Event, Timer};
use crate::node::{live, LockedRecord, Node, Work, SENT_MAX};
use crate::trace::{Summary, What};
use crate::world::{Ctx, Flow, Stop, World};
use std::collections::VecDeque;
use std::rc::Rc;
use zl_consensus::{Input, Output, SignedStep, SignerState};
use zl_types::{
    CommitCertificate, DoubleVote, Hash, ProposalContent, SignedProposal, SignedVote, VoteContent,
    VoteKind,
};

/// Usual time to build a block, at most (ms).
const BUILD_MS_MAX: u64 = 50;
/// Probability a build is slow (the proposer may miss its own propose timeout).
const SLOW_BUILD_PROBABILITY: f64 = 0.02;
/// A slow build takes up to this long (ms).
const SLOW_BUILD_MS_MAX: u64 = 3_000;
/// Usual time to apply a committed block before starting the next height, at most (ms).
const APPLY_MS_MAX: u64 = 300;
/// Probability applying a block is slow.
const SLOW_APPLY_PROBABILITY: f64 = 0.05;
/// A slow apply takes up to this long (ms).
const SLOW_APPLY_MS_MAX: u64 = 2_000;

impl Node {
    /// Carries out one consensus output.
    pub(crate) fn execute(
        &mut self,
        output: Output,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        match output {
            Output::BuildProposal {
                height,
                round,
                valid,
            } => {
                self.build(height, round, valid, ctx);
                Ok(())
            }
            Output::SignProposal { proposal, signer } => {
                self.sign_proposal(proposal, signer, pending, ctx)
            }
            Output::SignVote { vote, signer } => self.sign_vote(vote, signer, pending, ctx),
            Output::ScheduleTimeout {
                timeout,
                duration_ms,
            } => {
                let event = Event::Timer {
                    node: self.index,
                    incarnation: self.incarnation,
                    timer: Timer::Consensus(timeout),
                };
                ctx.schedule(duration_ms, event);
                Ok(())
            }
            Output::Commit { certificate } => self.commit(certificate, ctx),
            Output::Misbehaviour(evidence) => self.report(&evidence, ctx),
        }
    }

    /// Builds the block to propose: the valid value if the shell still holds its block (a
    /// restarted node may not; it then proposes a fresh block, which is safe — locked
    /// validators refuse it — and only costs the round), else a fresh block on the tip.
    fn build(&mut self, height: u64, round: u64, valid: Option<(u64, Hash)>, ctx: &mut Ctx) {
        let byzantine = !self.honest(ctx);
        let (_, tip_hash) = self.disk.tip(ctx.world.genesis_hash);
        let mem = live(&mut self.memory);
        let held = valid.filter(|(_, hash)| mem.blocks.contains_key(hash));
        let (block_hash, pol_round) = match held {
            Some((valid_round, hash)) => (hash, Some(valid_round)),
            None => {
                let poisoned = byzantine && ctx.rng.chance(ctx.world.poison);
                let len = ctx.rng.below(33) as usize;
                let payload = ctx.rng.bytes(len);
                let block = SimBlock::new(height, tip_hash, self.index, payload, poisoned);
                let hash = block.hash;
                mem.blocks.insert(hash, Rc::new(block));
                (hash, None)
            }
        };
        let delay = if ctx.rng.chance(SLOW_BUILD_PROBABILITY) {
            ctx.rng.below(SLOW_BUILD_MS_MAX)
        } else {
            ctx.rng.below(BUILD_MS_MAX)
        };
        let timer = Timer::Built {
            height,
            round,
            block_hash,
            pol_round,
        };
        let event = Event::Timer {
            node: self.index,
            incarnation: self.incarnation,
            timer,
        };
        ctx.schedule(delay, event);
    }

    /// Writes the block about to be precommitted, and the prevotes that locked it, to disk.
    fn persist_lock(&mut self, round: u64, hash: Hash) -> Flow {
        let mem = live(&mut self.memory);
        let block = mem.blocks.get(&hash).cloned().ok_or_else(|| {
            Stop::Failed(format!(
                "n{} precommits block {hash} its shell does not hold",
                self.index
            ))
        })?;
        let prevotes = mem
            .held
            .iter()
            .filter(|m| match &***m {
                Message::Vote(v) => {
                    v.vote.kind == VoteKind::Prevote
                        && v.vote.round == round
                        && v.vote.block_hash == Some(hash)
                }
                _ => false,
            })
            .cloned()
            .collect();
        self.disk.locked = Some(LockedRecord { block, prevotes });
        Ok(())
    }

    /// Writes the signing record to disk; a crash right after it loses the send, not the record.
    fn persist(&mut self, signer: SignerState, ctx: &mut Ctx) -> Flow {
        self.disk.signer = Some(signer);
        ctx.crash_point()
    }

    fn sign_proposal(
        &mut self,
        proposal: ProposalContent,
        signer: SignerState,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        self.persist(signer, ctx)?;
        let slot = (proposal.height, proposal.round, SignedStep::Propose);
        let content = Signed::Proposal {
            block_hash: proposal.block_hash,
            pol_round: proposal.pol_round,
        };
        if self.honest(ctx) {
            ctx.checker
                .on_sign(self.index, slot, content)
                .map_err(Stop::Failed)?;
        }
        let block = live(&mut self.memory)
            .blocks
            .get(&proposal.block_hash)
            .cloned()
            .ok_or_else(|| {
                Stop::Failed(format!(
                    "n{} was asked to sign a proposal of block {} its shell does not hold",
                    self.index, proposal.block_hash
                ))
            })?;
        let signed = self.sign_proposal_content(proposal, ctx.world);
        let message = Rc::new(Message::Proposal {
            signed: signed.clone(),
            block: Rc::clone(&block),
        });
        self.keep_own(&message);
        ctx.trace(self.index, What::Signed(Summary::of(&message, ctx.world)));
        if !self.honest(ctx) && ctx.rng.chance(ctx.world.equivocation) {
            self.equivocate_proposal(&message, ctx)?;
        } else {
            self.broadcast(&message, None, ctx)?;
        }
        let (tip_height, tip_hash) = self.disk.tip(ctx.world.genesis_hash);
        let validated = Input::ProposalValidated {
            height: signed.proposal.height,
            block_hash: block.hash,
            valid: block.valid_on(tip_height, tip_hash),
        };
        pending.push_back(Work::Input(Input::Proposal(signed)));
        pending.push_back(Work::Input(validated));
        Ok(())
    }

    fn sign_vote(
        &mut self,
        vote: VoteContent,
        signer: SignerState,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        if let (VoteKind::Precommit, Some(hash)) = (vote.kind, vote.block_hash) {
            self.persist_lock(vote.round, hash)?;
        }
        self.persist(signer, ctx)?;
        let step = match vote.kind {
            VoteKind::Prevote => SignedStep::Prevote,
            VoteKind::Precommit => SignedStep::Precommit,
        };
        if self.honest(ctx) {
            let slot = (vote.height, vote.round, step);
            ctx.checker
                .on_sign(self.index, slot, Signed::Vote(vote.block_hash))
                .map_err(Stop::Failed)?;
        }
        let signed = self.sign_vote_content(vote, ctx.world);
        let message = Rc::new(Message::Vote(signed.clone()));
        self.keep_own(&message);
        ctx.trace(self.index, What::Signed(Summary::of(&message, ctx.world)));
        if !self.honest(ctx) && ctx.rng.chance(ctx.world.equivocation) {
            self.equivocate_vote(&message, ctx)?;
        } else {
            self.broadcast(&message, None, ctx)?;
        }
        pending.push_back(Work::Input(Input::Vote(signed)));
        Ok(())
    }

    /// Signs a proposal with this node's key.
    pub(crate) fn sign_proposal_content(
        &self,
        proposal: ProposalContent,
        world: &World,
    ) -> SignedProposal {
        let signature = self
            .key
            .sign(&proposal.signing_bytes(&world.chain_id, &world.genesis_hash));
        SignedProposal {
            proposer: self.public.clone(),
            proposal,
            signature,
        }
    }

    /// Signs a vote with this node's key.
    pub(crate) fn sign_vote_content(&self, vote: VoteContent, world: &World) -> SignedVote {
        let signature = self
            .key
            .sign(&vote.signing_bytes(&world.chain_id, &world.genesis_hash));
        SignedVote {
            validator: self.public.clone(),
            vote,
            signature,
        }
    }

    /// Holds an own message, and logs it on disk for re-sending (also after a restart).
    fn keep_own(&mut self, message: &Rc<Message>) {
        Node::hold(live(&mut self.memory), message);
        let sent = &mut self.disk.sent;
        let height = message.consensus_height();
        if sent.first().is_some_and(|m| m.consensus_height() != height) {
            sent.clear();
        }
        if sent
            .iter()
            .any(|m| m.signature_bytes() == message.signature_bytes())
        {
            return;
        }
        if sent.len() == SENT_MAX {
            sent.remove(0);
        }
        sent.push(Rc::clone(message));
    }

    /// Consensus decided: append the block and its certificate to disk, then start the next
    /// height.
    fn commit(&mut self, certificate: CommitCertificate, ctx: &mut Ctx) -> Flow {
        let height = certificate.height;
        if height <= self.disk.height() {
            // Block sync got this height first while consensus was finishing it.
            let stored = &self.disk.blocks[(height - 1) as usize].block;
            if stored.hash != certificate.block_hash && self.honest(ctx) {
                return Err(Stop::Failed(format!(
                    "n{} decided block {} at height {height} but had synced block {}",
                    self.index, certificate.block_hash, stored.hash
                )));
            }
            return Ok(());
        }
        let block = live(&mut self.memory)
            .blocks
            .get(&certificate.block_hash)
            .cloned()
            .ok_or_else(|| {
                Stop::Failed(format!(
                    "n{} decided block {} at height {height}, which its shell never held",
                    self.index, certificate.block_hash
                ))
            })?;
        let what = What::Commit {
            height,
            round: certificate.round,
            block: short(&block.hash),
        };
        ctx.trace(self.index, what);
        self.append(block, Rc::new(certificate), ctx)?;
        ctx.stats.commits += 1;
        ctx.crash_point()?;
        // Applying the block takes a while, different on each node, so validators enter the
        // next height at different times (and buffer each other's early messages).
        let delay = if ctx.rng.chance(SLOW_APPLY_PROBABILITY) {
            ctx.rng.below(SLOW_APPLY_MS_MAX)
        } else {
            ctx.rng.below(APPLY_MS_MAX)
        };
        let event = Event::Timer {
            node: self.index,
            incarnation: self.incarnation,
            timer: Timer::Enter(height + 1),
        };
        ctx.schedule(delay, event);
        Ok(())
    }

    /// Appends a committed block to disk; an honest node's commits go through the safety checks.
    pub(crate) fn append(
        &mut self,
        block: Rc<SimBlock>,
        certificate: Rc<CommitCertificate>,
        ctx: &mut Ctx,
    ) -> Flow {
        let tip = self.disk.tip(ctx.world.genesis_hash);
        if self.honest(ctx) {
            ctx.checker
                .on_commit(self.index, ctx.world, tip, &block, &certificate)
                .map_err(Stop::Failed)?;
        } else if block.height != tip.0 + 1 {
            return Err(Stop::Failed(format!(
                "n{} appended height {} on top of height {}",
                self.index, block.height, tip.0
            )));
        }
        self.disk.blocks.push(Committed { block, certificate });
        Ok(())
    }

    /// Consensus reported a double vote: an honest node's evidence is checked and counted.
    fn report(&mut self, evidence: &DoubleVote, ctx: &mut Ctx) -> Flow {
        if !self.honest(ctx) {
            return Ok(());
        }
        let offender = ctx
            .checker
            .on_evidence(self.index, ctx.world, evidence)
            .map_err(Stop::Failed)?;
        ctx.stats.evidence += 1;
        let what = What::Evidence {
            offender: Some(offender),
            height: evidence.first.vote.height,
            round: evidence.first.vote.round,
        };
        ctx.trace(self.index, what);
        Ok(())
    }
}
