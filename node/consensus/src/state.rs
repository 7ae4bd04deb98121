//! The consensus state of one validator and its step function.

use crate::tally::RoundVotes;
use crate::{ConsensusError, Input, Output};
use std::collections::BTreeMap;
use zl_types::{
    CommitCertificate, Hash, PublicKey, Signature, ValidatorSet, VoteContent, VoteKind,
};

/// Where a validator is within a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Waiting for (or building) the proposal.
    Propose,
    /// Prevoted; waiting for a prevote quorum.
    Prevote,
    /// Precommitted; waiting for a precommit quorum.
    Precommit,
    /// The height is committed; waiting for `StartHeight`.
    Committed,
}

/// One validator's consensus state.
#[derive(Clone, Debug)]
pub struct Consensus {
    validators: ValidatorSet,
    me: PublicKey,
    height: u64,
    round: u64,
    step: Step,
    votes: BTreeMap<u64, RoundVotes>,
}

impl Consensus {
    /// A validator `me` of `validators`, before its first height.
    pub fn new(validators: ValidatorSet, me: PublicKey) -> Consensus {
        Consensus {
            validators,
            me,
            height: 0,
            round: 0,
            step: Step::Committed,
            votes: BTreeMap::new(),
        }
    }

    /// Current height.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Current step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The proposer of `height`/`round`: validators take turns in set order. (Weighted rotation
    /// comes with the BFT issue; with equal powers it is the same schedule.)
    pub fn proposer(&self, height: u64, round: u64) -> &PublicKey {
        let n = self.validators.validators.len() as u64;
        let index = (height.wrapping_add(round) % n) as usize;
        &self.validators.validators[index].public_key
    }

    /// The step function: one input in, the outputs to carry out in order.
    pub fn process(&mut self, input: Input) -> Result<Vec<Output>, ConsensusError> {
        match input {
            Input::StartHeight { height } => Ok(self.on_start_height(height)),
            Input::ProposalBuilt {
                height,
                round,
                block_hash,
            } => self.on_proposal_built(height, round, block_hash),
            Input::Vote {
                validator,
                vote,
                signature,
            } => self.on_vote(validator, vote, signature),
        }
    }

    fn on_start_height(&mut self, height: u64) -> Vec<Output> {
        self.height = height;
        self.round = 0;
        self.step = Step::Propose;
        self.votes.clear();
        if self.proposer(height, 0) == &self.me {
            vec![Output::BuildProposal { height, round: 0 }]
        } else {
            Vec::new()
        }
    }

    fn on_proposal_built(
        &mut self,
        height: u64,
        round: u64,
        block_hash: Hash,
    ) -> Result<Vec<Output>, ConsensusError> {
        self.check_height(height)?;
        if self.proposer(height, round) != &self.me {
            return Err(ConsensusError::NotProposer { height, round });
        }
        if self.step != Step::Propose || round != self.round {
            return Ok(Vec::new());
        }
        self.step = Step::Prevote;
        Ok(vec![Output::SignVote(VoteContent {
            kind: VoteKind::Prevote,
            height,
            round,
            block_hash: Some(block_hash),
        })])
    }

    fn on_vote(
        &mut self,
        validator: PublicKey,
        vote: VoteContent,
        signature: Signature,
    ) -> Result<Vec<Output>, ConsensusError> {
        self.check_height(vote.height)?;
        if self.validators.find(&validator).is_none() {
            return Err(ConsensusError::NotAValidator(validator.to_text()));
        }
        let round_votes = self.votes.entry(vote.round).or_default();
        round_votes
            .of(vote.kind)
            .add(&self.validators, validator, vote.block_hash, signature);
        match vote.kind {
            VoteKind::Prevote => Ok(self.after_prevote(vote.round)),
            VoteKind::Precommit => Ok(self.after_precommit(vote.round)),
        }
    }

    /// A prevote quorum for a block in the current round leads to a precommit for it.
    fn after_prevote(&mut self, round: u64) -> Vec<Output> {
        if self.step != Step::Prevote || round != self.round {
            return Vec::new();
        }
        let Some(votes) = self.votes.get_mut(&round) else {
            return Vec::new();
        };
        match votes.prevotes.quorum(&self.validators) {
            Some((Some(block_hash), _)) => {
                self.step = Step::Precommit;
                vec![Output::SignVote(VoteContent {
                    kind: VoteKind::Precommit,
                    height: self.height,
                    round,
                    block_hash: Some(block_hash),
                })]
            }
            _ => Vec::new(),
        }
    }

    /// A precommit quorum for a block, in any round, commits it.
    fn after_precommit(&mut self, round: u64) -> Vec<Output> {
        if self.step == Step::Committed {
            return Vec::new();
        }
        let Some(votes) = self.votes.get_mut(&round) else {
            return Vec::new();
        };
        match votes.precommits.quorum(&self.validators) {
            Some((Some(block_hash), signatures)) => {
                let certificate = CommitCertificate {
                    height: self.height,
                    round,
                    block_hash,
                    signatures: signatures.to_vec(),
                };
                self.step = Step::Committed;
                vec![Output::Commit { certificate }]
            }
            _ => Vec::new(),
        }
    }

    fn check_height(&self, height: u64) -> Result<(), ConsensusError> {
        if height != self.height {
            return Err(ConsensusError::WrongHeight {
                got: height,
                current: self.height,
            });
        }
        Ok(())
    }
}
