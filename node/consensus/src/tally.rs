//! Vote counting for one height: per round and kind, each validator's vote and the power behind
//! each value; a second, different vote from one validator is kept as misbehaviour evidence.

use std::collections::{BTreeMap, BTreeSet};
use zl_types::{CommitSignature, DoubleVote, Hash, PublicKey, SignedVote, ValidatorSet, VoteKind};

/// What adding a vote did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// A new vote, counted.
    Counted,
    /// The same vote again (a retransmission): nothing changes.
    Duplicate,
    /// A different vote for the same slot, first seen: here is the evidence. It counts toward
    /// the power of its value, not toward the total (see [`Tally::add`]).
    Conflict(Box<DoubleVote>),
}

/// Values beyond its first that one validator's votes are counted for, at most, per round and
/// kind (only a double-voting validator has any; this bounds what it can make a node store).
pub const CONFLICTING_VALUES_MAX: usize = 4;

/// Votes of one kind in one round.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Each validator's first vote, by key bytes.
    votes: BTreeMap<Vec<u8>, SignedVote>,
    /// A double-voting validator's votes for other values than its first, by key bytes.
    conflicting: BTreeMap<Vec<u8>, Vec<SignedVote>>,
    /// Power per voted value (`None` = nil).
    power: BTreeMap<Option<Hash>, u64>,
    /// Power of all counted votes.
    total: u64,
    /// Validators already reported for a double vote here (reported once each).
    reported: BTreeSet<Vec<u8>>,
}

impl Tally {
    /// Counts a vote of `power`.
    ///
    /// A validator that votes for two values counts toward the power of both, as in the paper,
    /// whose rules count the messages received for a value (quorum intersection allows for
    /// it: two quorums share more than a third of the power, so an honest validator). Counting
    /// only its first vote would hide, from validators that received the other vote first, a
    /// proof-of-lock that others saw and locked on; they would then never accept the locked
    /// value and the height stalls (found by the tests/sim simulator). It still counts once
    /// toward [`Tally::total`], which counts validators.
    pub fn add(&mut self, vote: SignedVote, power: u64) -> Added {
        let key = vote.validator.to_bytes();
        if let Some(first) = self.votes.get(&key) {
            if first.vote == vote.vote {
                return Added::Duplicate;
            }
            let first = first.clone();
            let others = self.conflicting.entry(key.clone()).or_default();
            let counted =
                others.len() < CONFLICTING_VALUES_MAX && others.iter().all(|o| o.vote != vote.vote);
            if counted {
                *self.power.entry(vote.vote.block_hash).or_default() += power;
                others.push(vote.clone());
            }
            return if self.reported.insert(key) {
                Added::Conflict(Box::new(DoubleVote {
                    first,
                    second: vote,
                }))
            } else if counted {
                Added::Counted
            } else {
                Added::Duplicate
            };
        }
        *self.power.entry(vote.vote.block_hash).or_default() += power;
        self.total += power;
        self.votes.insert(key, vote);
        Added::Counted
    }

    /// Power behind `value`.
    pub fn power_for(&self, value: Option<Hash>) -> u64 {
        self.power.get(&value).copied().unwrap_or(0)
    }

    /// Power of all counted votes, whatever their value.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The precommit signatures for `block_hash`, in set order (for a certificate), including
    /// those of double-voting validators whose other vote came first.
    pub fn signatures_for(&self, set: &ValidatorSet, block_hash: Hash) -> Vec<CommitSignature> {
        let for_block = |s: &&SignedVote| s.vote.block_hash == Some(block_hash);
        set.validators
            .iter()
            .filter_map(|v| {
                let key = v.public_key.to_bytes();
                let first = self.votes.get(&key).filter(for_block);
                first.or_else(|| self.conflicting.get(&key)?.iter().find(for_block))
            })
            .map(|s| CommitSignature {
                validator: s.validator.clone(),
                signature: s.signature,
            })
            .collect()
    }

    /// Whether `key` has voted here.
    pub fn has_voted(&self, key: &PublicKey) -> bool {
        self.votes.contains_key(&key.to_bytes())
    }
}

/// The tallies of one round, and who sent anything in it (for the round skip of line 55).
#[derive(Clone, Debug, Default)]
pub struct RoundVotes {
    /// Prevotes.
    pub prevotes: Tally,
    /// Precommits.
    pub precommits: Tally,
    /// Validators heard from in this round (any message), by key bytes, with their power.
    senders: BTreeMap<Vec<u8>, u64>,
}

impl RoundVotes {
    /// The tally of `kind`.
    pub fn of(&mut self, kind: VoteKind) -> &mut Tally {
        match kind {
            VoteKind::Prevote => &mut self.prevotes,
            VoteKind::Precommit => &mut self.precommits,
        }
    }

    /// Notes that `key` (of `power`) sent a message in this round.
    pub fn heard(&mut self, key: &PublicKey, power: u64) {
        self.senders.insert(key.to_bytes(), power);
    }

    /// Power of the validators heard from in this round.
    pub fn heard_power(&self) -> u64 {
        self.senders.values().sum()
    }
}

/// More than two thirds of `total`.
pub fn is_quorum(power: u64, total: u64) -> bool {
    power.saturating_mul(3) > total.saturating_mul(2)
}

/// More than one third of `total` (at least one honest validator among them).
pub fn is_one_third(power: u64, total: u64) -> bool {
    power.saturating_mul(3) > total
}
