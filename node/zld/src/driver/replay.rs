//! Re-executing a block from its header and transactions, the one way a node checks a block it
//! did not build: a proposal, a synced block, or its own precommitted block after a restart.

use std::sync::Arc;
use zl_api::NodeState;
use zl_ledger::ExecutedBlock;
use zl_types::{BlockHeader, CheckedTransaction, Transaction};

/// Executes checked transactions on the tip with the header's time and proposer; the result
/// must be exactly `header`.
pub(super) async fn execute_as(
    state: &Arc<NodeState>,
    header: &BlockHeader,
    transactions: Vec<CheckedTransaction>,
) -> Result<ExecutedBlock, String> {
    let ledger = state.ledger.clone();
    let (time, proposer) = (header.time, header.proposer.clone());
    let executed =
        tokio::task::spawn_blocking(move || ledger.execute(transactions, time, proposer))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    if &executed.header != header {
        return Err("executing the block on this node's tip gives another header".into());
    }
    Ok(executed)
}

/// [`execute_as`] for transactions of a block already made final (a certificate, or this
/// validator's own precommit): each is checked at the block's time for its signature and
/// stateless rules, not membership (the member may have left since).
pub(super) async fn replay(
    state: &Arc<NodeState>,
    header: &BlockHeader,
    transactions: Vec<Transaction>,
) -> Result<ExecutedBlock, String> {
    let checking = state.clone();
    let time = header.time;
    let checked = tokio::task::spawn_blocking(move || {
        zl_api::peer::check_all_certified(&checking, transactions, time)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("a transaction of the block does not check: {e}"))?;
    execute_as(state, header, checked).await
}
