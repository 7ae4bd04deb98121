//! Catching up: asking peers how far they are, fetching committed blocks with their
//! certificates, checking and applying them; and serving the same requests to peers.

use super::{Driver, JobResult, REQUEST_TIMEOUT};
use crate::wire::{
    encode, Request, Response, SyncBlock, FETCH_IDS_MAX, SYNC_ANSWER_BYTES_MAX, SYNC_BLOCKS_MAX,
};
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use zl_api::NodeState;
use zl_network::PeerKey;

impl Driver {
    /// Asks one connected peer (a different one each tick) for its committed height.
    pub(super) fn poll_peer_height(&mut self) {
        let peers = self.network.peers();
        if peers.is_empty() || self.syncing {
            return;
        }
        self.poll_turn = self.poll_turn.wrapping_add(1);
        let peer = peers[self.poll_turn % peers.len()];
        let network = self.network.clone();
        let jobs = self.jobs_tx.clone();
        tokio::spawn(async move {
            let answer = tokio::time::timeout(
                REQUEST_TIMEOUT,
                network.request(peer, encode(&Request::Status)),
            )
            .await;
            if let Ok(Ok(bytes)) = answer {
                if let Ok(Response::Status { height }) = serde_json::from_slice(&bytes) {
                    let _ = jobs.send(JobResult::PeerHeight { peer, height }).await;
                }
            }
        });
    }

    /// Fetches the blocks after the tip from `peer`, unless a fetch is already running.
    pub(super) fn sync_from(&mut self, peer: PeerKey) {
        if self.syncing {
            return;
        }
        self.syncing = true;
        let from = self.state.ledger.height() + 1;
        let network = self.network.clone();
        let jobs = self.jobs_tx.clone();
        tokio::spawn(async move {
            let request = encode(&Request::Blocks {
                from,
                count: SYNC_BLOCKS_MAX,
            });
            let blocks =
                match tokio::time::timeout(REQUEST_TIMEOUT, network.request(peer, request)).await {
                    Ok(Ok(bytes)) => match serde_json::from_slice(&bytes) {
                        Ok(Response::Blocks { blocks }) => blocks,
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
            let _ = jobs.send(JobResult::Synced { peer, blocks }).await;
        });
    }

    /// Checks and commits fetched blocks in order; stops at the first that does not check.
    pub(super) async fn apply_synced(
        &mut self,
        peer: PeerKey,
        blocks: Vec<SyncBlock>,
    ) -> Result<()> {
        self.syncing = false;
        let mut applied = 0usize;
        for block in blocks {
            if block.header.height != self.state.ledger.height() + 1 {
                continue;
            }
            if let Err(e) = self.apply_one(block).await {
                tracing::warn!(peer = %peer, error = %e, "a synced block does not check; sync stopped");
                break;
            }
            applied += 1;
        }
        if applied > 0 {
            tracing::info!(peer = %peer, blocks = applied, height = self.state.ledger.height(), "caught up by sync");
            self.leave_height();
            self.maybe_start_height().await?;
            // More may remain: ask again at once.
            self.sync_from(peer);
        }
        Ok(())
    }

    async fn apply_one(&mut self, block: SyncBlock) -> Result<()> {
        let height = block.header.height;
        let ledger = self.state.ledger.clone();
        let genesis = ledger.genesis().clone();
        let validators = self.validators_at(height)?;
        if block.certificate.height != height {
            bail!(
                "the certificate is for height {}, the block {height}",
                block.certificate.height
            );
        }
        block
            .certificate
            .verify(&validators, &genesis.chain_id, &ledger.genesis_hash())
            .context("the block's commit certificate does not verify")?;
        let executed = super::replay::replay(&self.state, &block.header, block.transactions)
            .await
            .map_err(anyhow::Error::msg)?;
        if executed.hash != block.certificate.block_hash {
            bail!("the certificate signs another block than the one synced");
        }
        self.commit_block(executed, block.certificate).await?;
        Ok(())
    }
}

/// Answers a peer's request from the ledger and the mempool.
pub(crate) async fn serve_request(state: Arc<NodeState>, bytes: Vec<u8>) -> Vec<u8> {
    let request = match serde_json::from_slice::<Request>(&bytes) {
        Ok(request) => request,
        Err(e) => {
            return encode(&Response::Error {
                message: format!("undecodable request: {e}"),
            })
        }
    };
    let answer = tokio::task::spawn_blocking(move || answer(&state, request)).await;
    match answer {
        Ok(Ok(response)) => encode(&response),
        Ok(Err(e)) => encode(&Response::Error {
            message: e.to_string(),
        }),
        Err(e) => encode(&Response::Error {
            message: e.to_string(),
        }),
    }
}

fn answer(state: &NodeState, request: Request) -> Result<Response> {
    match request {
        Request::Status => Ok(Response::Status {
            height: state.ledger.height(),
        }),
        Request::Blocks { from, count } => {
            let mut blocks = Vec::new();
            let mut bytes = 0usize;
            let last = from.saturating_add(count.min(SYNC_BLOCKS_MAX));
            for height in from..last {
                let Some(stored) = state.ledger.block(height)? else {
                    break;
                };
                let mut transactions = Vec::with_capacity(stored.transaction_ids.len());
                for id in &stored.transaction_ids {
                    let info = state
                        .ledger
                        .transaction(id)?
                        .context("a committed transaction is missing")?;
                    transactions.push(info.transaction);
                }
                let block = SyncBlock {
                    header: stored.header,
                    certificate: stored.certificate,
                    transactions,
                };
                bytes += encode(&block).len();
                if bytes > SYNC_ANSWER_BYTES_MAX && !blocks.is_empty() {
                    break;
                }
                blocks.push(block);
            }
            Ok(Response::Blocks { blocks })
        }
        Request::Transactions { ids } => {
            let pool = state.mempool();
            let transactions = ids
                .iter()
                .take(FETCH_IDS_MAX)
                .filter_map(|id| pool.get(id).map(|t| t.transaction.clone()))
                .collect();
            Ok(Response::Transactions { transactions })
        }
    }
}
