//! The block producer: gathers transactions, drives the consensus state machine, executes and
//! commits blocks, and tells subscribers. The only writer of the ledger.

use crate::clock;
use anyhow::{Context, Result};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use zl_api::{CommitNotice, CommittedTx, NodeState};
use zl_consensus::{Consensus, Input, Output, Timeouts};
use zl_ledger::{ExecutedBlock, StoredBlock};
use zl_types::{CheckedTransaction, SecretKey, SignedProposal, SignedVote};

/// How the producer shapes blocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// How long to gather transactions before building a block.
    pub(crate) interval: Duration,
    /// Transactions per block at most.
    pub(crate) transactions_max: usize,
    /// Transaction bytes per block at most.
    pub(crate) bytes_max: usize,
}

impl From<&zl_config::NodeConfig> for Settings {
    fn from(config: &zl_config::NodeConfig) -> Settings {
        Settings {
            interval: config.block_interval,
            transactions_max: config.block_transactions_max.get(),
            bytes_max: config.block_bytes_max.get(),
        }
    }
}

/// Produces blocks until shutdown begins. An error here is fatal for the node.
pub(crate) async fn run(state: Arc<NodeState>, key: SecretKey, settings: Settings) -> Result<()> {
    let mut consensus = Consensus::new(key.public_key(), Timeouts::default(), None);
    let mut stop = state.shutdown.subscribe();
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        if state.mempool().is_empty() {
            tokio::select! {
                _ = state.mempool_ready.notified() => {}
                _ = stop.changed() => return Ok(()),
            }
            // Gather for one interval so a block carries many transactions.
            tokio::time::sleep(settings.interval).await;
        }
        let batch = state.mempool().take_batch(
            clock::now_ms(),
            settings.transactions_max,
            settings.bytes_max,
        );
        if batch.is_empty() {
            continue;
        }
        produce(&state, &mut consensus, &key, batch).await?;
    }
}

/// Runs one height through consensus: propose, prevote, precommit, commit.
async fn produce(
    state: &Arc<NodeState>,
    consensus: &mut Consensus,
    key: &SecretKey,
    batch: Vec<CheckedTransaction>,
) -> Result<()> {
    let ledger = state.ledger.clone();
    let height = ledger.height() + 1;
    let mut batch = Some(batch);
    let mut executed: Option<ExecutedBlock> = None;
    let genesis = ledger.genesis().clone();
    let genesis_hash = ledger.genesis_hash();
    let mut inputs = VecDeque::from([Input::StartHeight {
        height,
        validators: genesis.validators.clone(),
    }]);
    while let Some(input) = inputs.pop_front() {
        for output in consensus.process(input)? {
            match output {
                Output::BuildProposal { height, round, .. } => {
                    let transactions = batch.take().context("a height is proposed once")?;
                    let block = execute(state, transactions, key).await?;
                    inputs.push_back(Input::ProposalBuilt {
                        height,
                        round,
                        block_hash: block.hash,
                        pol_round: None,
                    });
                    inputs.push_back(Input::ProposalValidated {
                        height,
                        block_hash: block.hash,
                        valid: true,
                    });
                    executed = Some(block);
                }
                Output::SignProposal { proposal, .. } => {
                    let bytes = proposal.signing_bytes(&genesis.chain_id, &genesis_hash);
                    inputs.push_back(Input::Proposal(SignedProposal {
                        proposer: key.public_key(),
                        signature: key.sign(&bytes),
                        proposal,
                    }));
                }
                Output::SignVote { vote, .. } => {
                    let bytes = vote.signing_bytes(&genesis.chain_id, &genesis_hash);
                    inputs.push_back(Input::Vote(SignedVote {
                        validator: key.public_key(),
                        signature: key.sign(&bytes),
                        vote,
                    }));
                }
                // A single validator never waits on another, so its rounds never time out.
                Output::ScheduleTimeout { .. } | Output::Misbehaviour(_) => {}
                Output::Commit { certificate } => {
                    let block = executed
                        .take()
                        .context("commit of a block that was not executed")?;
                    let outcomes: Vec<CommittedTx> = block
                        .transactions
                        .iter()
                        .map(|tx| CommittedTx {
                            id: tx.id,
                            ok: tx.outcome.ok,
                        })
                        .collect();
                    let ledger = ledger.clone();
                    let stored =
                        tokio::task::spawn_blocking(move || ledger.commit(block, certificate))
                            .await??;
                    announce(state, &stored, outcomes);
                }
            }
        }
    }
    Ok(())
}

async fn execute(
    state: &Arc<NodeState>,
    transactions: Vec<CheckedTransaction>,
    key: &SecretKey,
) -> Result<ExecutedBlock> {
    let ledger = state.ledger.clone();
    let proposer = key.public_key();
    // Block times strictly increase even if the clock steps back.
    let previous_time = ledger
        .tip()
        .map_or(ledger.genesis().genesis_time, |tip| tip.header.time);
    let time = clock::now_ms().max(previous_time + 1);
    let block =
        tokio::task::spawn_blocking(move || ledger.execute(transactions, time, proposer)).await??;
    Ok(block)
}

fn announce(state: &NodeState, stored: &StoredBlock, transactions: Vec<CommittedTx>) {
    let notice = Arc::new(CommitNotice {
        height: stored.height,
        hash: stored.hash,
        time: stored.header.time,
        transactions,
    });
    state.metrics.on_commit(&notice);
    tracing::debug!(
        height = stored.height,
        transactions = notice.transactions.len(),
        "committed"
    );
    // No subscriber is not an error: the commit is durable either way.
    let _ = state.commits.send(notice);
}
