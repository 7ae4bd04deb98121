//! The block a validator precommitted, kept on disk: after a crash the validator is still locked
//! on it (its signing record says so), and without the block it could neither decide it nor
//! accept another, and a single-validator chain would halt.

use super::Driver;
use crate::wire::LockedBlock;
use anyhow::{Context, Result};
use zl_consensus::Input;
use zl_types::Hash;

impl Driver {
    /// Writes the candidate `hash` durably before its precommit is signed.
    pub(super) async fn persist_locked_block(&self, hash: Hash) -> Result<()> {
        let block = self
            .candidates
            .get(&hash)
            .context("a precommit names a block this node executed")?;
        let locked = LockedBlock {
            header: block.header.clone(),
            transactions: block
                .transactions
                .iter()
                .map(|t| t.transaction.clone())
                .collect(),
        };
        let bytes = crate::wire::encode(&locked);
        let ledger = self.state.ledger.clone();
        tokio::task::spawn_blocking(move || ledger.save_locked_block(&bytes))
            .await?
            .context("cannot persist the precommitted block; nothing was signed")
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
        self.restored_validity = Some(Input::ProposalValidated {
            height,
            block_hash: hash,
            valid: true,
        });
        Ok(())
    }
}
