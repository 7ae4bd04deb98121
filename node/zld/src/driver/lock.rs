//! The block a validator precommitted, kept on disk with its proof-of-lock prevotes: after a
//! crash the validator is still locked on it (its signing record says so), and without the
//! block it could neither decide it nor accept another (a single-validator chain would halt),
//! and without the prevotes others might never see the proof-of-lock.

use super::Driver;
use crate::wire::{ConsensusMessage, LockedBlock};
use anyhow::{Context, Result};
use zl_consensus::Input;
use zl_types::{Hash, VoteKind};

impl Driver {
    /// The candidate `hash` with the prevotes for it of `round` this node holds, encoded for
    /// [`Driver::persist`] before its precommit leaves the node.
    pub(super) fn locked_block_bytes(&self, hash: Hash, round: u64) -> Result<Vec<u8>> {
        let block = self
            .candidates
            .get(&hash)
            .context("a precommit names a block this node executed")?;
        let prevotes = self
            .held
            .iter()
            .filter_map(|message| match message {
                ConsensusMessage::Vote(v)
                    if v.vote.kind == VoteKind::Prevote
                        && v.vote.round == round
                        && v.vote.block_hash == Some(hash) =>
                {
                    Some(v.clone())
                }
                _ => None,
            })
            .collect();
        let locked = LockedBlock {
            header: block.header.clone(),
            transactions: block
                .transactions
                .iter()
                .map(|t| t.transaction.clone())
                .collect(),
            prevotes,
        };
        Ok(crate::wire::encode(&locked))
    }

    /// After a restart inside `height`: re-executes the block the validator precommitted, so
    /// consensus can decide it. Queued as inputs for right after `StartHeight`.
    pub(super) async fn restore_locked_block(&mut self, height: u64) -> Result<()> {
        let Some(bytes) = self.state.ledger.locked_block()? else {
            return Ok(());
        };
        let Ok(locked) = serde_json::from_slice::<LockedBlock>(&bytes) else {
            tracing::warn!("the saved precommitted block does not decode; it is ignored");
            return Ok(());
        };
        if locked.header.height != height {
            return Ok(());
        }
        let executed =
            match super::replay::replay(&self.state, &locked.header, locked.transactions).await {
                Ok(executed) => executed,
                Err(reason) => {
                    tracing::warn!(
                        height,
                        reason,
                        "the saved precommitted block no longer checks; it is ignored"
                    );
                    return Ok(());
                }
            };
        let hash = executed.hash;
        tracing::info!(height, block = %hash, "restored the precommitted block");
        self.candidates.insert(hash, executed);
        self.restored_prevotes = locked.prevotes;
        self.restored_validity = Some(Input::ProposalValidated {
            height,
            block_hash: hash,
            valid: true,
        });
        Ok(())
    }
}
