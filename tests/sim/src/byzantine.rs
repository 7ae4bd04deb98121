//! Byzantine validators: they run consensus like everyone else, but now and then sign a second,
//! conflicting message for the same slot (another value, or a second block) and send one version
//! to some peers and the other to the rest. Honest validators must stay safe and report the
//! double votes.

use crate::block::{Message, SimBlock};
use crate::node::{live, Node};
use crate::trace::{Summary, What};
use crate::world::{Ctx, Flow};
use std::rc::Rc;
use zl_types::{Hash, ProposalContent};

impl Node {
    /// Signs a conflicting vote for the slot of `original` and splits the peers between them.
    pub(crate) fn equivocate_vote(&mut self, original: &Rc<Message>, ctx: &mut Ctx) -> Flow {
        let Message::Vote(signed) = &**original else {
            unreachable!("equivocate_vote takes a vote")
        };
        let mut vote = signed.vote.clone();
        let mem = live(&mut self.memory);
        let other_block = {
            let others: Vec<Hash> = mem
                .blocks
                .keys()
                .copied()
                .filter(|h| Some(*h) != vote.block_hash)
                .collect();
            if others.is_empty() {
                Hash(ctx.rng.bytes32())
            } else {
                others[ctx.rng.index(others.len())]
            }
        };
        vote.block_hash = match vote.block_hash {
            Some(_) if ctx.rng.chance(0.5) => None,
            _ => Some(other_block),
        };
        let second = Rc::new(Message::Vote(self.sign_vote_content(vote, ctx.world)));
        self.split(original, &second, ctx)
    }

    /// Signs a proposal of a second block (sometimes one that fails execution) for the slot of
    /// `original` and splits the peers between them.
    pub(crate) fn equivocate_proposal(&mut self, original: &Rc<Message>, ctx: &mut Ctx) -> Flow {
        let Message::Proposal { signed, block } = &**original else {
            unreachable!("equivocate_proposal takes a proposal")
        };
        let len = 1 + ctx.rng.below(32) as usize;
        let payload = ctx.rng.bytes(len);
        let poisoned = ctx.rng.chance(ctx.world.poison);
        let other = Rc::new(SimBlock::new(
            block.height,
            block.previous,
            self.index,
            payload,
            poisoned,
        ));
        // Sometimes with a made-up proof-of-lock round, which honest validators cannot confirm.
        let round = signed.proposal.round;
        let pol_round = (round > 0 && ctx.rng.chance(0.3)).then(|| ctx.rng.below(round));
        let proposal = ProposalContent {
            block_hash: other.hash,
            pol_round,
            ..signed.proposal.clone()
        };
        let second = Rc::new(Message::Proposal {
            signed: self.sign_proposal_content(proposal, ctx.world),
            block: other,
        });
        self.split(original, &second, ctx)
    }

    /// Sends `first` to some peers and `second` to the others (both versions go out when there
    /// are two peers or more).
    fn split(&mut self, first: &Rc<Message>, second: &Rc<Message>, ctx: &mut Ctx) -> Flow {
        ctx.stats.equivocations += 1;
        ctx.trace(
            self.index,
            What::Equivocated(Summary::of(second, ctx.world)),
        );
        let mut sent = 0;
        for to in 0..ctx.world.nodes() {
            if to == self.index {
                continue;
            }
            let version = match sent {
                0 => first,
                1 => second,
                _ if ctx.rng.chance(0.5) => first,
                _ => second,
            };
            sent += 1;
            ctx.send(self.index, to, version);
            ctx.crash_point()?;
        }
        Ok(())
    }
}
