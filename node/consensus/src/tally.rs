//! Vote counting for one height and round: power per block hash, signatures kept for certificates.

use std::collections::BTreeMap;
use zl_types::{CommitSignature, Hash, PublicKey, Signature, ValidatorSet, VoteKind};

/// Votes of one kind in one round, grouped by the block voted for.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Power and signatures per voted value (`None` = nil).
    by_value: BTreeMap<Option<Hash>, (u64, Vec<CommitSignature>)>,
    /// Validators already counted (a second vote of theirs is not counted again).
    voted: Vec<PublicKey>,
}

impl Tally {
    /// Counts a vote; returns false if the validator already voted in this tally.
    pub fn add(
        &mut self,
        set: &ValidatorSet,
        validator: PublicKey,
        value: Option<Hash>,
        signature: Signature,
    ) -> bool {
        if self.voted.contains(&validator) {
            return false;
        }
        let power = set.find(&validator).map_or(0, |v| v.power);
        let entry = self.by_value.entry(value).or_default();
        entry.0 += power;
        entry.1.push(CommitSignature {
            validator: validator.clone(),
            signature,
        });
        self.voted.push(validator);
        true
    }

    /// The value holding more than two thirds of the power, with its signatures.
    pub fn quorum(&self, set: &ValidatorSet) -> Option<(Option<Hash>, &[CommitSignature])> {
        let total = set.total_power();
        self.by_value
            .iter()
            .find(|(_, (power, _))| power.saturating_mul(3) > total.saturating_mul(2))
            .map(|(value, (_, signatures))| (*value, signatures.as_slice()))
    }
}

/// The tallies of one round.
#[derive(Clone, Debug, Default)]
pub struct RoundVotes {
    /// Prevotes.
    pub prevotes: Tally,
    /// Precommits.
    pub precommits: Tally,
}

impl RoundVotes {
    /// The tally of `kind`.
    pub fn of(&mut self, kind: VoteKind) -> &mut Tally {
        match kind {
            VoteKind::Prevote => &mut self.prevotes,
            VoteKind::Precommit => &mut self.precommits,
        }
    }
}
