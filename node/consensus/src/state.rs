//! One validator's consensus state and its input handlers (docs/CONSENSUS.md, Algorithm 1).

use crate::proposer::ProposerSchedule;
use crate::tally::{Added, RoundVotes};
use crate::{
    ConsensusError, Input, Output, RoundValue, SignedStep, SignerState, Timeout, TimeoutStep,
    Timeouts,
};
use std::collections::{BTreeMap, BTreeSet};
use zl_types::{Hash, PublicKey, SignedProposal, SignedVote, ValidatorSet, VoteKind};

/// Rounds ahead of the current one whose messages are kept (bounds a faulty validator's reach).
pub const ROUNDS_AHEAD_MAX: u64 = 1_000;

/// Where a validator is within a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Waiting for (or building) the proposal.
    Propose,
    /// Prevoted; waiting for prevotes.
    Prevote,
    /// Precommitted; waiting for precommits.
    Precommit,
    /// The height is decided; waiting for `StartHeight` of the next.
    Committed,
}

/// Rules that fire once per round ("for the first time" in the pseudo-code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Once {
    /// Line 34: schedule the prevote timeout.
    PrevoteTimeout,
    /// Line 36: lock / set the valid value.
    PrevoteQuorumOnProposal,
    /// Line 47: schedule the precommit timeout.
    PrecommitTimeout,
    /// Line 57 elapsed while the round's proposal was still being checked (see `on_timeout`).
    ProposeTimeoutDeferred,
}

/// One validator's consensus state.
#[derive(Clone, Debug)]
pub struct Consensus {
    pub(crate) me: PublicKey,
    pub(crate) timeouts: Timeouts,
    pub(crate) validators: ValidatorSet,
    pub(crate) schedule: Option<ProposerSchedule>,
    pub(crate) height: u64,
    pub(crate) round: u64,
    pub(crate) step: Step,
    pub(crate) locked: Option<RoundValue>,
    pub(crate) valid: Option<RoundValue>,
    /// The first proposal of each round from its proposer.
    pub(crate) proposals: BTreeMap<u64, SignedProposal>,
    /// The shell's verdicts, by block hash.
    pub(crate) validity: BTreeMap<Hash, bool>,
    pub(crate) votes: BTreeMap<u64, RoundVotes>,
    pub(crate) fired: BTreeSet<(u64, Once)>,
    /// The last thing signed (persisted by the shell before sending).
    pub(crate) signer: Option<SignerState>,
    /// Signing record restored after a restart, applied when its height starts.
    pub(crate) restored: Option<SignerState>,
}

impl Consensus {
    /// Validator `me`, resuming from its persisted signing record if it has one.
    pub fn new(me: PublicKey, timeouts: Timeouts, restored: Option<SignerState>) -> Consensus {
        Consensus {
            me,
            timeouts,
            validators: ValidatorSet {
                validators: Vec::new(),
            },
            schedule: None,
            height: 0,
            round: 0,
            step: Step::Committed,
            locked: None,
            valid: None,
            proposals: BTreeMap::new(),
            validity: BTreeMap::new(),
            votes: BTreeMap::new(),
            fired: BTreeSet::new(),
            signer: restored.clone(),
            restored,
        }
    }

    /// Current height (0 before the first `StartHeight`).
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Current round.
    pub fn round(&self) -> u64 {
        self.round
    }

    /// Current step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The locked round and value.
    pub fn locked(&self) -> Option<RoundValue> {
        self.locked
    }

    /// The last signing record.
    pub fn signer_state(&self) -> Option<&SignerState> {
        self.signer.as_ref()
    }

    /// The validators of the current height.
    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    /// The proposer of `round` at the current height.
    pub fn proposer(&self, round: u64) -> Option<&PublicKey> {
        self.schedule
            .as_ref()
            .map(|s| s.proposer(self.height, round))
    }

    /// The step function: one input in, the outputs to carry out in order.
    pub fn process(&mut self, input: Input) -> Result<Vec<Output>, ConsensusError> {
        let mut out = Vec::new();
        match input {
            Input::StartHeight { height, validators } => {
                self.on_start_height(height, validators, &mut out)?
            }
            Input::ProposalBuilt {
                height,
                round,
                block_hash,
                pol_round,
            } => self.on_proposal_built(height, round, block_hash, pol_round, &mut out)?,
            Input::Proposal(proposal) => self.on_proposal(proposal)?,
            Input::ProposalValidated {
                height,
                block_hash,
                valid,
            } => {
                self.check_height(height)?;
                self.validity.entry(block_hash).or_insert(valid);
            }
            Input::Vote(vote) => self.on_vote(vote, &mut out)?,
            Input::TimeoutElapsed(timeout) => self.on_timeout(timeout, &mut out),
        }
        if self.step != Step::Committed && self.schedule.is_some() {
            self.apply_rules(&mut out);
        }
        Ok(out)
    }

    fn on_start_height(
        &mut self,
        height: u64,
        validators: ValidatorSet,
        out: &mut Vec<Output>,
    ) -> Result<(), ConsensusError> {
        validators
            .check()
            .map_err(|e| ConsensusError::BadValidatorSet {
                height,
                reason: e.to_string(),
            })?;
        self.schedule = Some(ProposerSchedule::new(&validators));
        self.validators = validators;
        self.height = height;
        self.locked = None;
        self.valid = None;
        self.proposals.clear();
        self.validity.clear();
        self.votes.clear();
        self.fired.clear();
        match self.restored.take().filter(|r| r.height == height) {
            Some(restored) => self.resume(restored, out),
            None => self.start_round(0, out),
        }
        Ok(())
    }

    /// Resumes a height this validator had signed in before a restart: its round, locks and
    /// step come back, and its last message is signed again (the same content, so it is safe).
    fn resume(&mut self, restored: SignerState, out: &mut Vec<Output>) {
        self.locked = restored.locked;
        self.valid = restored.valid;
        self.round = restored.round;
        match restored.step {
            SignedStep::Propose => {
                // The proposal's block died with the process; wait for the round to time out.
                self.step = Step::Propose;
                self.schedule_timeout(TimeoutStep::Propose, out);
            }
            // The votes this validator had received died with the process, so the rules that
            // schedule the step's timeout may never fire again (if every validator restarted,
            // none would): schedule it now. An extra timeout is always safe.
            SignedStep::Prevote => {
                self.step = Step::Propose;
                self.sign_vote(VoteKind::Prevote, restored.block_hash, out);
                self.schedule_timeout(TimeoutStep::Prevote, out);
            }
            SignedStep::Precommit => {
                self.step = Step::Prevote;
                self.sign_vote(VoteKind::Precommit, restored.block_hash, out);
                self.schedule_timeout(TimeoutStep::Precommit, out);
            }
        }
    }

    /// `StartRound(round)`, lines 11-21.
    pub(crate) fn start_round(&mut self, round: u64, out: &mut Vec<Output>) {
        self.round = round;
        self.step = Step::Propose;
        if self.proposer(round) == Some(&self.me) {
            // Lines 14-19: propose the valid value if there is one, else a new block.
            out.push(Output::BuildProposal {
                height: self.height,
                round,
                valid: self.valid.map(|v| (v.round, v.block_hash)),
            });
        }
        // Line 21 (also for the proposer, in case its shell cannot build in time).
        self.schedule_timeout(TimeoutStep::Propose, out);
    }

    fn on_proposal_built(
        &mut self,
        height: u64,
        round: u64,
        block_hash: Hash,
        pol_round: Option<u64>,
        out: &mut Vec<Output>,
    ) -> Result<(), ConsensusError> {
        self.check_height(height)?;
        if self.proposer(round) != Some(&self.me) {
            return Err(ConsensusError::NotProposer {
                height,
                round,
                from: self.me.to_text(),
            });
        }
        if round != self.round || self.step != Step::Propose {
            return Ok(());
        }
        // Line 19: broadcast PROPOSAL(h, round, proposal, validRound).
        let proposal = zl_types::ProposalContent {
            height,
            round,
            block_hash,
            pol_round: pol_round.filter(|r| *r < round),
        };
        if self.permit_and_record(round, SignedStep::Propose, Some(block_hash)) {
            out.push(Output::SignProposal {
                proposal,
                signer: self.signer.clone().expect("just recorded"),
            });
        }
        Ok(())
    }

    fn on_proposal(&mut self, signed: SignedProposal) -> Result<(), ConsensusError> {
        let p = &signed.proposal;
        self.check_height(p.height)?;
        self.check_round_window(p.round)?;
        let expected = self.proposer(p.round).ok_or(ConsensusError::NotStarted)?;
        if expected != &signed.proposer {
            return Err(ConsensusError::NotProposer {
                height: p.height,
                round: p.round,
                from: signed.proposer.to_text(),
            });
        }
        let power = self.power_of(&signed.proposer);
        self.votes
            .entry(p.round)
            .or_default()
            .heard(&signed.proposer, power);
        // Only the first proposal of a round counts; a second one is ignored.
        self.proposals.entry(p.round).or_insert(signed);
        Ok(())
    }

    fn on_vote(&mut self, signed: SignedVote, out: &mut Vec<Output>) -> Result<(), ConsensusError> {
        self.check_height(signed.vote.height)?;
        self.check_round_window(signed.vote.round)?;
        let power = self.power_of(&signed.validator);
        if power == 0 {
            return Err(ConsensusError::NotAValidator(signed.validator.to_text()));
        }
        let round = self.votes.entry(signed.vote.round).or_default();
        round.heard(&signed.validator, power);
        let kind = signed.vote.kind;
        if let Added::Conflict(evidence) = round.of(kind).add(signed, power) {
            out.push(Output::Misbehaviour(evidence));
        }
        Ok(())
    }

    /// Lines 57-67: the timeouts.
    fn on_timeout(&mut self, t: Timeout, out: &mut Vec<Output>) {
        if t.height != self.height || t.round != self.round || self.step == Step::Committed {
            return;
        }
        match (t.step, self.step) {
            // Line 57: OnTimeoutPropose -> PREVOTE nil. The paper checks a proposal the moment it
            // arrives; here the shell checks it (fetching and executing the block) after it
            // arrived. A proposal that arrived in time is not timed out while it is checked: the
            // prevote nil waits for the verdict, given by `rule_prevote_after_deferred_timeout`
            // unless lines 22/28 prevote first, or for one more propose timeout, whichever
            // comes first (so a check that never ends cannot hold the round). A proposer that
            // is down still costs only the timeout.
            (TimeoutStep::Propose, Step::Propose) => {
                let checking = matches!(self.current_proposal(), Some((_, _, None)));
                if checking
                    && self
                        .fired
                        .insert((self.round, Once::ProposeTimeoutDeferred))
                {
                    self.schedule_timeout(TimeoutStep::Propose, out);
                } else {
                    self.sign_vote(VoteKind::Prevote, None, out);
                }
            }
            // Line 61: OnTimeoutPrevote -> PRECOMMIT nil.
            (TimeoutStep::Prevote, Step::Prevote) => {
                self.sign_vote(VoteKind::Precommit, None, out);
            }
            // Line 65: OnTimeoutPrecommit -> StartRound(round + 1).
            (TimeoutStep::Precommit, _) => self.start_round(self.round + 1, out),
            _ => {}
        }
    }

    /// Signs a vote for the current round if the signing record permits, and moves the step
    /// past it either way (a refused vote was already signed before a restart).
    pub(crate) fn sign_vote(
        &mut self,
        kind: VoteKind,
        block_hash: Option<Hash>,
        out: &mut Vec<Output>,
    ) {
        let (signed_step, next) = match kind {
            VoteKind::Prevote => (SignedStep::Prevote, Step::Prevote),
            VoteKind::Precommit => (SignedStep::Precommit, Step::Precommit),
        };
        self.step = next;
        if self.permit_and_record(self.round, signed_step, block_hash) {
            out.push(Output::SignVote {
                vote: zl_types::VoteContent {
                    kind,
                    height: self.height,
                    round: self.round,
                    block_hash,
                },
                signer: self.signer.clone().expect("just recorded"),
            });
        }
    }

    /// Checks the signing record and, if signing is safe, records the new signature with the
    /// current locks.
    fn permit_and_record(&mut self, round: u64, step: SignedStep, value: Option<Hash>) -> bool {
        // A node outside the validator set (a full node) follows consensus but never signs.
        let permitted = self.power_of(&self.me) > 0
            && self
                .signer
                .as_ref()
                .is_none_or(|last| last.permits(self.height, round, step, value));
        if permitted {
            self.signer = Some(SignerState {
                height: self.height,
                round,
                step,
                block_hash: value,
                locked: self.locked,
                valid: self.valid,
            });
        }
        permitted
    }

    pub(crate) fn schedule_timeout(&self, step: TimeoutStep, out: &mut Vec<Output>) {
        out.push(Output::ScheduleTimeout {
            timeout: Timeout {
                height: self.height,
                round: self.round,
                step,
            },
            duration_ms: self.timeouts.duration_ms(step, self.round),
        });
    }

    pub(crate) fn power_of(&self, key: &PublicKey) -> u64 {
        self.validators.find(key).map_or(0, |v| v.power)
    }

    fn check_height(&self, height: u64) -> Result<(), ConsensusError> {
        if self.schedule.is_none() {
            return Err(ConsensusError::NotStarted);
        }
        if height != self.height {
            return Err(ConsensusError::WrongHeight {
                got: height,
                current: self.height,
            });
        }
        Ok(())
    }

    fn check_round_window(&self, round: u64) -> Result<(), ConsensusError> {
        if round > self.round.saturating_add(ROUNDS_AHEAD_MAX) {
            return Err(ConsensusError::RoundTooFar {
                round,
                current: self.round,
                max: ROUNDS_AHEAD_MAX,
            });
        }
        Ok(())
    }
}
