//! Re-sending, so that message loss, restarts and equivocators cannot stall a height: own
//! messages of the current and previous round on every tick without a commit, and, after a few
//! such ticks, every verified message of the height this node holds, others' too (the gossip
//! property Tendermint's liveness assumes: what one correct node received, every correct node
//! eventually receives). After a restart, the own messages of the height come back from the
//! ledger, where each was written with its signing record. The simulator (`tests/sim`) runs
//! this same policy (docs/CONSENSUS.md §10).

use super::Driver;
use crate::wire::{encode, ConsensusMessage};
use anyhow::Result;
use zl_network::Channel;
use zl_types::SignedVote;

/// Verified consensus messages of the current height held for relaying, at most.
pub(super) const HELD_MAX: usize = 1_024;
/// Ticks without a commit after which everything held is re-sent, not just own messages.
const STUCK_TICKS_FULL_RESEND: u32 = 3;

impl Driver {
    /// Keeps a verified message of the current height for relaying, once (peers re-send
    /// theirs every tick); the oldest goes first when full.
    pub(super) fn hold(&mut self, message: ConsensusMessage) {
        let signature = signature_of(&message);
        if self.held.iter().any(|m| signature_of(m) == signature) {
            return;
        }
        if self.held.len() == HELD_MAX {
            self.held.pop_front();
        }
        self.held.push_back(message);
    }

    /// One tick without a commit. A full send queue only delays a message to the next tick.
    pub(super) fn resend(&mut self) {
        self.stuck_ticks += 1;
        if self.stuck_ticks >= STUCK_TICKS_FULL_RESEND {
            self.stuck_ticks = 0;
            tracing::debug!(
                messages = self.held.len(),
                "height stuck; relaying every message held"
            );
            for message in &self.held {
                let _ = self.network.broadcast(Channel::Consensus, encode(message));
            }
            return;
        }
        // A peer one round behind needs this node's messages of that round to finish it.
        let round = self.consensus.round();
        for (_, message) in self.own.iter().filter(|(r, _)| r + 1 >= round) {
            let _ = self.network.broadcast(Channel::Consensus, message.clone());
        }
    }

    /// After a restart inside `height`: takes back the own messages signed at it and sends
    /// them again (peers may never have received them; the signing record alone re-creates
    /// only the last one). Returns the votes among them, for consensus to count again, like
    /// received ones (they may complete quorums). An own proposal is re-sent but not fed back:
    /// its transactions left with the mempool, so this node could not check it again.
    pub(super) fn restore_own_messages(&mut self, height: u64) -> Result<Vec<SignedVote>> {
        let mut votes = Vec::new();
        for bytes in self.state.ledger.own_messages(height)? {
            let Ok(message) = serde_json::from_slice::<ConsensusMessage>(&bytes) else {
                tracing::warn!(
                    height,
                    "an own message in the ledger does not decode; not re-sent"
                );
                // Kept in the list all the same, so the next message's sequence number does not
                // overwrite a saved one.
                self.own.push((0, bytes));
                continue;
            };
            let round = match &message {
                ConsensusMessage::Proposal { proposal, .. } => proposal.proposal.round,
                ConsensusMessage::Vote(vote) => {
                    votes.push(vote.clone());
                    vote.vote.round
                }
            };
            let _ = self.network.broadcast(Channel::Consensus, bytes.clone());
            self.own.push((round, bytes));
            self.hold(message);
        }
        if !self.own.is_empty() {
            tracing::info!(
                height,
                messages = self.own.len(),
                "re-sent own messages signed before the restart"
            );
        }
        Ok(votes)
    }
}

fn signature_of(message: &ConsensusMessage) -> &[u8; 64] {
    match message {
        ConsensusMessage::Proposal { proposal, .. } => &proposal.signature.0,
        ConsensusMessage::Vote(vote) => &vote.signature.0,
    }
}
