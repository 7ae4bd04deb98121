//! A node receiving messages: consensus messages of its height go to consensus (once each) and
//! are relayed; later heights are buffered and trigger block sync; sync requests are served
//! from disk and sync responses are checked block by block and appended.

use crate::block::{short, Committed, Message};
use crate::node::{
    live, Node, Work, BLOCKS_PER_HEIGHT_MAX, FUTURE_HEIGHTS_MAX, FUTURE_MESSAGES_MAX,
};
use crate::trace::What;
use crate::world::{Ctx, Flow};
use std::collections::VecDeque;
use std::rc::Rc;
use zl_consensus::Input;

/// Blocks per sync response, at most.
pub(crate) const SYNC_BLOCKS_MAX: usize = 16;
/// Wait before asking again when a sync request got no answer (ms).
pub(crate) const SYNC_RETRY_MS: u64 = 1_000;

impl Node {
    /// Handles a message from `from`.
    pub(crate) fn receive(
        &mut self,
        from: usize,
        message: Rc<Message>,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        match &*message {
            Message::SyncRequest { from_height } => {
                self.serve_sync(from, *from_height, ctx);
                Ok(())
            }
            Message::SyncResponse { blocks } => self.apply_sync(from, blocks, pending, ctx),
            Message::Proposal { .. } | Message::Vote(_) => {
                self.receive_consensus(from, message, pending, ctx)
            }
        }
    }

    fn receive_consensus(
        &mut self,
        from: usize,
        message: Rc<Message>,
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        let height = message.consensus_height().expect("a consensus message");
        let mem = live(&mut self.memory);
        if height < mem.height {
            return Ok(());
        }
        if height > mem.height {
            if height <= mem.height + FUTURE_HEIGHTS_MAX && mem.future.len() < FUTURE_MESSAGES_MAX {
                mem.future.push((from, message));
            }
            // Peers are ahead: fetch the committed blocks this node lacks.
            self.request_sync(from, ctx);
            return Ok(());
        }
        let signature = message.signature_bytes().expect("a consensus message");
        if mem.seen.contains(&signature) {
            return Ok(());
        }
        if let Message::Proposal { signed, block } = &*message {
            // A proposal whose block does not hash to the proposed value is dropped whole.
            if block.hash != signed.proposal.block_hash || block.compute_hash() != block.hash {
                return Ok(());
            }
        }
        // Held before consensus sees it: a vote that completes a proof-of-lock must be among
        // the prevotes written with the lock it causes.
        Node::hold(mem, &message);
        let accepted = match &*message {
            Message::Proposal { signed, block } => {
                let accepted = self.step(Input::Proposal(signed.clone()), pending, ctx)?;
                if accepted {
                    let (tip_height, tip_hash) = self.disk.tip(ctx.world.genesis_hash);
                    let mem = live(&mut self.memory);
                    if mem.blocks.len() < BLOCKS_PER_HEIGHT_MAX {
                        mem.blocks
                            .entry(block.hash)
                            .or_insert_with(|| Rc::clone(block));
                    }
                    let validated = Input::ProposalValidated {
                        height,
                        block_hash: block.hash,
                        valid: block.valid_on(tip_height, tip_hash),
                    };
                    self.step(validated, pending, ctx)?;
                }
                accepted
            }
            Message::Vote(vote) => self.step(Input::Vote(vote.clone()), pending, ctx)?,
            Message::SyncRequest { .. } | Message::SyncResponse { .. } => unreachable!(),
        };
        if !accepted {
            // Refused (say, a round too far ahead for now): forget it, so that a later copy
            // gets another chance.
            let mem = live(&mut self.memory);
            mem.held.retain(|m| !Rc::ptr_eq(m, &message));
            mem.seen.remove(&signature);
            return Ok(());
        }
        // Relay once: Tendermint's liveness assumes that what one correct validator received,
        // every correct validator eventually receives (e.g. an equivocator's prevote that
        // completed a proof-of-lock only some validators saw).
        self.broadcast(&message, Some(from), ctx)
    }

    /// Asks `to` for the committed blocks after this node's tip (at most one request in flight).
    pub(crate) fn request_sync(&mut self, to: usize, ctx: &mut Ctx) {
        let mem = live(&mut self.memory);
        if ctx.now < mem.sync_after {
            return;
        }
        mem.sync_after = ctx.now + SYNC_RETRY_MS;
        let request = Rc::new(Message::SyncRequest {
            from_height: self.disk.height() + 1,
        });
        ctx.send(self.index, to, &request);
    }

    fn serve_sync(&self, to: usize, from_height: u64, ctx: &mut Ctx) {
        let start = from_height.max(1) as usize - 1;
        if start >= self.disk.blocks.len() {
            return;
        }
        let blocks: Vec<Committed> = self.disk.blocks[start..]
            .iter()
            .take(SYNC_BLOCKS_MAX)
            .cloned()
            .collect();
        ctx.send(self.index, to, &Rc::new(Message::SyncResponse { blocks }));
    }

    /// Appends the synced blocks that extend the tip, each checked (certificate verified, hash
    /// chain, agreement) by [`Node::append`], then moves consensus to the new height.
    fn apply_sync(
        &mut self,
        from: usize,
        blocks: &[Committed],
        pending: &mut VecDeque<Work>,
        ctx: &mut Ctx,
    ) -> Flow {
        let mut applied = false;
        for entry in blocks {
            let tip = self.disk.height();
            if entry.block.height <= tip {
                continue;
            }
            if entry.block.height != tip + 1 {
                break;
            }
            let what = What::Synced {
                height: entry.block.height,
                block: short(&entry.block.hash),
            };
            ctx.trace(self.index, what);
            self.append(Rc::clone(&entry.block), Rc::clone(&entry.certificate), ctx)?;
            ctx.stats.synced += 1;
            applied = true;
            ctx.crash_point()?;
        }
        if applied {
            live(&mut self.memory).sync_after = 0;
            pending.push_back(Work::Enter(self.disk.height() + 1));
            if blocks.len() == SYNC_BLOCKS_MAX {
                self.request_sync(from, ctx);
            }
        }
        Ok(())
    }
}
