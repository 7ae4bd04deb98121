//! What arrives from peers: consensus messages (checked, then fed, buffered or answered with a
//! catch-up), gossiped transactions (admitted off the async workers), requests (served apart),
//! and the results of background jobs (block validation, peer heights, sync).

use super::{Driver, JobResult, CLOCK_DRIFT_MAX_MS, FUTURE_MESSAGES_MAX};
use crate::wire::{CompactBlock, ConsensusMessage, Request, Response, TransactionGossip};
use anyhow::Result;
use zl_consensus::Input;
use zl_network::{Channel, NetworkEvent, PeerKey};
use zl_types::{CheckedTransaction, Hash, SignedProposal};

/// The height a consensus message is for.
pub(super) fn height_of(message: &ConsensusMessage) -> u64 {
    match message {
        ConsensusMessage::Proposal { proposal, .. } => proposal.proposal.height,
        ConsensusMessage::Vote(vote) => vote.vote.height,
    }
}

impl Driver {
    pub(super) async fn on_network(&mut self, event: NetworkEvent) -> Result<()> {
        match event {
            NetworkEvent::Message {
                from,
                channel: Channel::Consensus,
                bytes,
            } => match serde_json::from_slice::<ConsensusMessage>(&bytes) {
                Ok(message) => self.on_consensus_message(from, message).await?,
                Err(e) => tracing::debug!(error = %e, "undecodable consensus message dropped"),
            },
            NetworkEvent::Message {
                channel: Channel::Transactions,
                bytes,
                ..
            } => self.on_gossip(bytes),
            NetworkEvent::Request { bytes, reply, .. } => {
                let state = self.state.clone();
                tokio::spawn(async move {
                    let answer = super::serve_request(state, bytes).await;
                    // A requester that gave up is not an error here.
                    let _ = reply.respond(answer);
                });
            }
            NetworkEvent::PeerConnected(peer) => {
                tracing::info!(peer = %peer, "peer connected");
                self.state.metrics.set_peers(self.network.peers().len());
                // A peer that just (re)connected may have missed this height's messages.
                for (_, message) in &self.own {
                    let _ = self.network.send(peer, Channel::Consensus, message.clone());
                }
            }
            NetworkEvent::PeerDisconnected(peer) => {
                tracing::info!(peer = %peer, "peer disconnected");
                self.state.metrics.set_peers(self.network.peers().len());
            }
        }
        Ok(())
    }

    /// Admits gossiped transactions on a blocking thread (signature checks are CPU work).
    fn on_gossip(&self, bytes: Vec<u8>) {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || {
            match serde_json::from_slice::<TransactionGossip>(&bytes) {
                Ok(gossip) => {
                    zl_api::peer::admit_from_peer(&state, gossip.transactions);
                }
                Err(e) => tracing::debug!(error = %e, "undecodable transaction gossip dropped"),
            }
        });
    }

    async fn on_consensus_message(
        &mut self,
        from: PeerKey,
        message: ConsensusMessage,
    ) -> Result<()> {
        let height = height_of(&message);
        let next = self.state.ledger.height() + 1;
        if height < next {
            return Ok(());
        }
        if height > next {
            // The peer committed heights this node lacks: catch up from it.
            self.sync_from(from);
            if height == next + 1 && self.future.len() < FUTURE_MESSAGES_MAX {
                self.future.push_back((from, message));
            }
            return Ok(());
        }
        if !self.started {
            if self.future.len() < FUTURE_MESSAGES_MAX {
                self.future.push_back((from, message));
            }
            return self.maybe_start_height().await;
        }
        self.on_current_message(from, message).await
    }

    async fn on_current_message(&mut self, from: PeerKey, message: ConsensusMessage) -> Result<()> {
        let chain = self.state.ledger.genesis().chain_id.clone();
        let genesis_hash = self.state.ledger.genesis_hash();
        match message {
            ConsensusMessage::Vote(vote) => {
                if vote.verify(&chain, &genesis_hash).is_err() {
                    tracing::debug!(from = %from, "vote with a bad signature dropped");
                    return Ok(());
                }
                // Relayed later only if it can count: a vote of this height's validators.
                if self
                    .consensus
                    .validators()
                    .validators
                    .iter()
                    .any(|v| v.public_key == vote.validator)
                {
                    self.hold(ConsensusMessage::Vote(vote.clone()));
                }
                self.feed(Input::Vote(vote)).await
            }
            ConsensusMessage::Proposal { proposal, block } => {
                if proposal.verify(&chain, &genesis_hash).is_err() {
                    tracing::debug!(from = %from, "proposal with a bad signature dropped");
                    return Ok(());
                }
                let hash = proposal.proposal.block_hash;
                if self.consensus.proposer(proposal.proposal.round) == Some(&proposal.proposer) {
                    self.hold(ConsensusMessage::Proposal {
                        proposal: proposal.clone(),
                        block: block.clone(),
                    });
                }
                tracing::debug!(height = proposal.proposal.height, round = proposal.proposal.round, block = %hash, transactions = block.transaction_ids.len(), "proposal received");
                self.feed(Input::Proposal(proposal.clone())).await?;
                if !self.candidates.contains_key(&hash) && self.validating.insert(hash) {
                    self.validate(from, proposal, block);
                }
                Ok(())
            }
        }
    }

    /// Replays buffered messages of the height just started.
    pub(super) async fn replay_future(&mut self, height: u64) -> Result<()> {
        let buffered: Vec<_> = std::mem::take(&mut self.future).into_iter().collect();
        for (from, message) in buffered {
            match height_of(&message) {
                h if h == height => self.on_current_message(from, message).await?,
                h if h > height => self.future.push_back((from, message)),
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks a proposed block in the background: gather its transactions (fetching the missing
    /// ones from the proposer's node), execute it on the tip, compare the header.
    fn validate(&self, from: PeerKey, proposal: SignedProposal, block: CompactBlock) {
        let height = proposal.proposal.height;
        let hash = proposal.proposal.block_hash;
        let state = self.state.clone();
        let network = self.network.clone();
        let jobs = self.jobs_tx.clone();
        let now_ms = self.now_ms();
        tokio::spawn(async move {
            let verdict = check_block(&state, &network, from, &proposal, block, now_ms).await;
            let (block, reason) = match verdict {
                Ok(block) => (Some(Box::new(block)), None),
                Err(reason) => (None, Some(reason)),
            };
            let _ = jobs
                .send(JobResult::Validated {
                    height,
                    hash,
                    block,
                    reason,
                })
                .await;
        });
    }

    pub(super) async fn on_job(&mut self, job: JobResult) -> Result<()> {
        match job {
            JobResult::Validated {
                height,
                hash,
                block,
                reason,
            } => {
                if height != self.state.ledger.height() + 1 || !self.started {
                    return Ok(());
                }
                self.validating.remove(&hash);
                if let Some(reason) = &reason {
                    tracing::warn!(height, block = %hash, reason, "proposed block refused");
                }
                let valid = block.is_some();
                tracing::debug!(height, block = %hash, valid, "proposed block checked");
                if let Some(block) = block {
                    self.candidates.insert(hash, *block);
                }
                self.feed(Input::ProposalValidated {
                    height,
                    block_hash: hash,
                    valid,
                })
                .await
            }
            JobResult::PeerHeight { peer, height } => {
                if height > self.state.ledger.height() {
                    self.sync_from(peer);
                }
                Ok(())
            }
            JobResult::Synced { peer, blocks } => self.apply_synced(peer, blocks).await,
        }
    }
}

/// `valid(v)`: the block's transactions are known or fetched and verified, and executing them
/// on the tip with the header's time and proposer gives exactly the proposed header.
async fn check_block(
    state: &std::sync::Arc<zl_api::NodeState>,
    network: &zl_network::NetworkHandle,
    from: PeerKey,
    proposal: &SignedProposal,
    block: CompactBlock,
    now_ms: u64,
) -> Result<zl_ledger::ExecutedBlock, String> {
    let header = &block.header;
    if header.proposer != proposal.proposer {
        return Err("the header names another proposer than the proposal's signer".into());
    }
    if header.time > now_ms + CLOCK_DRIFT_MAX_MS {
        return Err(format!(
            "block time {} is more than {CLOCK_DRIFT_MAX_MS} ms ahead of this node's clock",
            header.time
        ));
    }
    let mut found: Vec<Option<CheckedTransaction>> = {
        let pool = state.mempool();
        block
            .transaction_ids
            .iter()
            .map(|id| pool.get(id).cloned())
            .collect()
    };
    let missing: Vec<Hash> = block
        .transaction_ids
        .iter()
        .zip(&found)
        .filter(|(_, tx)| tx.is_none())
        .map(|(id, _)| *id)
        .collect();
    tracing::debug!(
        height = header.height,
        missing = missing.len(),
        "block transactions gathered"
    );
    if !missing.is_empty() {
        let fetched = fetch(state, network, from, missing, header.time).await?;
        let mut by_id: std::collections::HashMap<Hash, CheckedTransaction> =
            fetched.into_iter().map(|t| (t.id, t)).collect();
        for (id, slot) in block.transaction_ids.iter().zip(found.iter_mut()) {
            if slot.is_none() {
                *slot = by_id.remove(id);
            }
        }
    }
    let transactions: Vec<CheckedTransaction> = found
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or("a transaction of the block could not be obtained from the proposer")?;
    tracing::debug!(
        height = header.height,
        "block transactions ready; executing"
    );
    let executed = super::replay::execute_as(state, &block.header, transactions).await?;
    if executed.hash != proposal.proposal.block_hash {
        return Err("the proposal signs another hash than its block's header".into());
    }
    Ok(executed)
}

/// Fetches transactions from a peer and checks each (stateless checks at the block's time,
/// membership, signature).
async fn fetch(
    state: &std::sync::Arc<zl_api::NodeState>,
    network: &zl_network::NetworkHandle,
    from: PeerKey,
    ids: Vec<Hash>,
    block_time: u64,
) -> Result<Vec<CheckedTransaction>, String> {
    let asked = ids.len();
    let request = crate::wire::encode(&Request::Transactions { ids });
    let answer = tokio::time::timeout(super::REQUEST_TIMEOUT, network.request(from, request))
        .await
        .map_err(|_| "the proposer did not answer for the block's transactions".to_string())?
        .map_err(|e| e.to_string())?;
    let transactions = match serde_json::from_slice::<Response>(&answer) {
        Ok(Response::Transactions { transactions }) => transactions,
        Ok(_) | Err(_) => return Err("the proposer answered the fetch with something else".into()),
    };
    if transactions.len() > asked {
        // Checking costs CPU per transaction: take no more than was asked for.
        return Err(format!(
            "the fetch for {asked} transactions was answered with {}",
            transactions.len()
        ));
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        zl_api::peer::check_all_from_peer(&state, transactions, block_time)
    })
    .await
    .map_err(|e| e.to_string())?
}
