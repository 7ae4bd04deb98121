//! The "upon" rules of Algorithm 1 (docs/CONSENSUS.md), evaluated after every input until none
//! fires. Each branch names the pseudo-code line it implements.

use crate::state::{Consensus, Once, Step};
use crate::tally::{is_one_third, is_quorum};
use crate::{Output, RoundValue, TimeoutStep};
use zl_types::{CommitCertificate, Hash, VoteKind};

impl Consensus {
    /// Applies every rule whose condition holds, repeatedly, since one firing can enable another.
    pub(crate) fn apply_rules(&mut self, out: &mut Vec<Output>) {
        loop {
            if self.rule_decide(out) {
                return;
            }
            let fired = self.rule_skip_round(out)
                || self.rule_prevote_fresh(out)
                || self.rule_prevote_pol(out)
                || self.rule_prevote_after_deferred_timeout(out)
                || self.rule_prevote_timeout(out)
                || self.rule_lock(out)
                || self.rule_precommit_nil(out)
                || self.rule_precommit_timeout(out);
            if !fired {
                return;
            }
        }
    }

    fn total(&self) -> u64 {
        self.validators.total_power()
    }

    /// The current round's proposal: (value, pol_round, known validity).
    pub(crate) fn current_proposal(&self) -> Option<(Hash, Option<u64>, Option<bool>)> {
        let p = &self.proposals.get(&self.round)?.proposal;
        Some((
            p.block_hash,
            p.pol_round,
            self.validity.get(&p.block_hash).copied(),
        ))
    }

    fn prevote_power(&self, round: u64, value: Option<Hash>) -> u64 {
        self.votes
            .get(&round)
            .map_or(0, |r| r.prevotes.power_for(value))
    }

    /// Line 22: PROPOSAL(h, r, v, -1) while step = propose.
    fn rule_prevote_fresh(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        let Some((v, None, Some(valid))) = self.current_proposal() else {
            return false;
        };
        // Lines 23-26: prevote v if valid and not locked on something else.
        let free = self.locked.is_none_or(|l| l.block_hash == v);
        let value = (valid && free).then_some(v);
        self.sign_vote(VoteKind::Prevote, value, out);
        true
    }

    /// Line 57, deferred (see `on_timeout`): the propose timeout elapsed while the proposal was
    /// being checked; the verdict is in and neither line 22 nor line 28 prevoted, so PREVOTE nil.
    fn rule_prevote_after_deferred_timeout(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Propose
            || !self
                .fired
                .contains(&(self.round, Once::ProposeTimeoutDeferred))
            || !matches!(self.current_proposal(), Some((_, _, Some(_))))
        {
            return false;
        }
        self.sign_vote(VoteKind::Prevote, None, out);
        true
    }

    /// Line 28: PROPOSAL(h, r, v, vr) and 2f+1 PREVOTE(h, vr, id(v)), 0 <= vr < r, step = propose.
    fn rule_prevote_pol(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Propose {
            return false;
        }
        let Some((v, Some(vr), Some(valid))) = self.current_proposal() else {
            return false;
        };
        if vr >= self.round || !is_quorum(self.prevote_power(vr, Some(v)), self.total()) {
            return false;
        }
        // Lines 29-32: prevote v if valid and locked no later than vr (or on v itself).
        let free = self
            .locked
            .is_none_or(|l| l.round <= vr || l.block_hash == v);
        let value = (valid && free).then_some(v);
        self.sign_vote(VoteKind::Prevote, value, out);
        true
    }

    /// Line 34: 2f+1 PREVOTE(h, r, *) while step = prevote, for the first time.
    fn rule_prevote_timeout(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Prevote || self.fired.contains(&(self.round, Once::PrevoteTimeout)) {
            return false;
        }
        let any = self
            .votes
            .get(&self.round)
            .map_or(0, |r| r.prevotes.total());
        if !is_quorum(any, self.total()) {
            return false;
        }
        self.fired.insert((self.round, Once::PrevoteTimeout));
        self.schedule_timeout(TimeoutStep::Prevote, out);
        true
    }

    /// Line 36: PROPOSAL(h, r, v, *) and 2f+1 PREVOTE(h, r, id(v)), valid(v), step >= prevote,
    /// for the first time.
    fn rule_lock(&mut self, out: &mut Vec<Output>) -> bool {
        let round = self.round;
        if self.step < Step::Prevote || self.fired.contains(&(round, Once::PrevoteQuorumOnProposal))
        {
            return false;
        }
        let Some((v, _, Some(true))) = self.current_proposal() else {
            return false;
        };
        if !is_quorum(self.prevote_power(round, Some(v)), self.total()) {
            return false;
        }
        self.fired.insert((round, Once::PrevoteQuorumOnProposal));
        let value = RoundValue {
            round,
            block_hash: v,
        };
        // Lines 42-43: validValue <- v, validRound <- r (set first so the record carries it).
        self.valid = Some(value);
        if self.step == Step::Prevote {
            // Lines 38-41: lock on v and precommit it.
            self.locked = Some(value);
            self.sign_vote(VoteKind::Precommit, Some(v), out);
        }
        true
    }

    /// Line 44: 2f+1 PREVOTE(h, r, nil) while step = prevote.
    fn rule_precommit_nil(&mut self, out: &mut Vec<Output>) -> bool {
        if self.step != Step::Prevote
            || !is_quorum(self.prevote_power(self.round, None), self.total())
        {
            return false;
        }
        self.sign_vote(VoteKind::Precommit, None, out);
        true
    }

    /// Line 47: 2f+1 PRECOMMIT(h, r, *) for the first time.
    fn rule_precommit_timeout(&mut self, out: &mut Vec<Output>) -> bool {
        if self.fired.contains(&(self.round, Once::PrecommitTimeout)) {
            return false;
        }
        let any = self
            .votes
            .get(&self.round)
            .map_or(0, |r| r.precommits.total());
        if !is_quorum(any, self.total()) {
            return false;
        }
        self.fired.insert((self.round, Once::PrecommitTimeout));
        self.schedule_timeout(TimeoutStep::Precommit, out);
        true
    }

    /// Line 49: PROPOSAL(h, r, v, *) and 2f+1 PRECOMMIT(h, r, id(v)) while decision is nil, in any
    /// round. A block the shell validated counts as its proposal: the shell holds it.
    fn rule_decide(&mut self, out: &mut Vec<Output>) -> bool {
        let total = self.total();
        let decided = self.votes.iter().find_map(|(round, votes)| {
            self.validity
                .iter()
                .filter(|(_, valid)| **valid)
                .find(|(v, _)| is_quorum(votes.precommits.power_for(Some(**v)), total))
                .map(|(v, _)| (*round, *v))
        });
        let Some((round, v)) = decided else {
            return false;
        };
        // Lines 50-54: decide; the shell commits and starts the next height.
        let signatures = self.votes[&round]
            .precommits
            .signatures_for(&self.validators, v);
        self.step = Step::Committed;
        out.push(Output::Commit {
            certificate: CommitCertificate {
                height: self.height,
                round,
                block_hash: v,
                signatures,
            },
        });
        true
    }

    /// Line 55: f+1 messages of a later round: skip to it.
    fn rule_skip_round(&mut self, out: &mut Vec<Output>) -> bool {
        let total = self.total();
        let later = self
            .votes
            .range(self.round + 1..)
            .find(|(_, votes)| is_one_third(votes.heard_power(), total))
            .map(|(round, _)| *round);
        match later {
            Some(round) => {
                self.start_round(round, out);
                true
            }
            None => false,
        }
    }
}
