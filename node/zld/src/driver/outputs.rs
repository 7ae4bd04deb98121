//! Carrying out what consensus asks: build a proposal, persist and sign, schedule timeouts,
//! commit, and start the next height.

use super::Driver;
use crate::wire::{encode, CompactBlock, ConsensusMessage};
use anyhow::{Context, Result};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use zl_api::{CommitNotice, CommittedTx};
use zl_consensus::{Input, Output, SignerState};
use zl_ledger::{ExecutedBlock, StoredBlock};
use zl_network::Channel;
use zl_types::{CommitCertificate, SignedProposal, SignedVote, ValidatorSet, VoteKind};

impl Driver {
    pub(super) async fn carry_out(
        &mut self,
        output: Output,
        inputs: &mut VecDeque<Input>,
    ) -> Result<()> {
        match output {
            Output::BuildProposal {
                height,
                round,
                valid,
            } => {
                let reuse = valid.filter(|(_, hash)| self.candidates.contains_key(hash));
                let (block_hash, pol_round) = match reuse {
                    Some((valid_round, hash)) => (hash, Some(valid_round)),
                    None => (self.build_block().await?, None),
                };
                inputs.push_back(Input::ProposalBuilt {
                    height,
                    round,
                    block_hash,
                    pol_round,
                });
                inputs.push_back(Input::ProposalValidated {
                    height,
                    block_hash,
                    valid: true,
                });
            }
            Output::SignProposal { proposal, signer } => {
                let chain = self.state.ledger.genesis().chain_id.clone();
                let bytes = proposal.signing_bytes(&chain, &self.state.ledger.genesis_hash());
                let signed = SignedProposal {
                    proposer: self.key.public_key(),
                    signature: self.key.sign(&bytes),
                    proposal,
                };
                let block = self
                    .candidates
                    .get(&signed.proposal.block_hash)
                    .context("a proposal names a block this node executed")?;
                let message = ConsensusMessage::Proposal {
                    proposal: signed.clone(),
                    block: CompactBlock {
                        header: block.header.clone(),
                        transaction_ids: block.transactions.iter().map(|t| t.id).collect(),
                    },
                };
                let bytes = encode(&message);
                self.persist(&signer, &bytes, None).await?;
                // Peers fetch what they lack from the proposer; send them the bodies first.
                self.gossip_fresh();
                self.send_own(signed.proposal.round, bytes, message);
                inputs.push_back(Input::Proposal(signed));
            }
            Output::SignVote { vote, signer } => {
                let locked = match (vote.kind, vote.block_hash) {
                    (VoteKind::Precommit, Some(hash)) => {
                        Some(self.locked_block_bytes(hash, vote.round)?)
                    }
                    _ => None,
                };
                let chain = self.state.ledger.genesis().chain_id.clone();
                let bytes = vote.signing_bytes(&chain, &self.state.ledger.genesis_hash());
                let signed = SignedVote {
                    validator: self.key.public_key(),
                    signature: self.key.sign(&bytes),
                    vote,
                };
                let message = ConsensusMessage::Vote(signed.clone());
                let bytes = encode(&message);
                self.persist(&signer, &bytes, locked.as_deref()).await?;
                self.send_own(signed.vote.round, bytes, message);
                inputs.push_back(Input::Vote(signed));
            }
            Output::ScheduleTimeout {
                timeout,
                duration_ms,
            } => {
                let at = Instant::now() + Duration::from_millis(duration_ms);
                self.timer_seq += 1;
                self.timers.insert((at, self.timer_seq), timeout);
            }
            Output::Commit { certificate } => self.commit_decided(certificate).await?,
            Output::Misbehaviour(evidence) => {
                tracing::warn!(validator = %evidence.first.validator, height = evidence.first.vote.height, round = evidence.first.vote.round, "double vote detected; evidence kept");
                let ledger = self.state.ledger.clone();
                let new =
                    tokio::task::spawn_blocking(move || ledger.record_misbehaviour(&evidence))
                        .await??;
                if new {
                    self.state.metrics.on_misbehaviour();
                }
            }
        }
        Ok(())
    }

    /// Writes the signing record with the signed message (and, for a precommit of a block,
    /// that block) in one fsynced batch. The signature exists in memory already, but nothing
    /// leaves the node before this returns, so a crash at any point leaves a record of every
    /// signature that any peer could have received.
    async fn persist(
        &self,
        signer: &SignerState,
        message: &[u8],
        locked_block: Option<&[u8]>,
    ) -> Result<()> {
        let ledger = self.state.ledger.clone();
        let record = serde_json::to_vec(signer)?;
        let (height, sequence) = (signer.height, self.own.len() as u64);
        let message = message.to_vec();
        let locked_block = locked_block.map(<[u8]>::to_vec);
        tokio::task::spawn_blocking(move || {
            ledger.save_signing(zl_ledger::SigningWrite {
                record: &record,
                height,
                sequence,
                message: &message,
                locked_block: locked_block.as_deref(),
            })
        })
        .await?
        .context("cannot persist the signing record; nothing was sent")
    }

    fn send_own(&mut self, round: u64, bytes: Vec<u8>, message: ConsensusMessage) {
        if let Err(e) = self.network.broadcast(Channel::Consensus, bytes.clone()) {
            tracing::debug!(error = %e, "consensus message left for the next retransmission");
        }
        self.own.push((round, bytes));
        self.hold(message);
    }

    /// Builds and executes a block of pending transactions on the tip; returns its hash.
    async fn build_block(&mut self) -> Result<zl_types::Hash> {
        let ledger = self.state.ledger.clone();
        let previous_time = ledger
            .tip()
            .map_or(ledger.genesis().genesis_time, |tip| tip.header.time);
        let time = self.now_ms().max(previous_time + 1);
        let batch = self.state.mempool().peek_batch(
            time,
            self.settings.transactions_max,
            self.settings.bytes_max,
        );
        let proposer = self.key.public_key();
        let block =
            tokio::task::spawn_blocking(move || ledger.execute(batch, time, proposer)).await??;
        let hash = block.hash;
        self.candidates.insert(hash, block);
        Ok(hash)
    }

    /// Commits the decided block of the current height and moves to the next.
    async fn commit_decided(&mut self, certificate: CommitCertificate) -> Result<()> {
        let block = self
            .candidates
            .remove(&certificate.block_hash)
            .context("consensus decided a block this node did not execute")?;
        self.count_missed(&certificate);
        self.commit_block(block, certificate).await?;
        self.leave_height();
        Ok(())
    }

    /// Commits an executed block with its certificate, tells subscribers, clears the mempool.
    pub(super) async fn commit_block(
        &mut self,
        block: ExecutedBlock,
        certificate: CommitCertificate,
    ) -> Result<StoredBlock> {
        let outcomes: Vec<CommittedTx> = block
            .transactions
            .iter()
            .map(|tx| CommittedTx {
                id: tx.id,
                ok: tx.outcome.ok,
            })
            .collect();
        let ids: Vec<_> = outcomes.iter().map(|t| t.id).collect();
        let ledger = self.state.ledger.clone();
        let stored =
            tokio::task::spawn_blocking(move || ledger.commit(block, certificate)).await??;
        self.state.mempool().remove(&ids);
        let notice = Arc::new(CommitNotice {
            height: stored.height,
            hash: stored.hash,
            time: stored.header.time,
            transactions: outcomes,
        });
        self.state.metrics.on_commit(&notice);
        tracing::debug!(
            height = stored.height,
            round = stored.certificate.round,
            transactions = notice.transactions.len(),
            "committed"
        );
        // No subscriber is not an error: the commit is durable either way.
        let _ = self.state.commits.send(notice);
        self.progressed = true;
        self.refresh_allowed_peers()?;
        Ok(stored)
    }

    /// Counts, per validator, a precommit missing from a certificate.
    fn count_missed(&self, certificate: &CommitCertificate) {
        let signed: std::collections::HashSet<Vec<u8>> = certificate
            .signatures
            .iter()
            .map(|s| s.validator.to_bytes())
            .collect();
        for validator in &self.consensus.validators().validators {
            let key = validator.public_key.to_bytes();
            if !signed.contains(&key) {
                let name = self.names.get(&key).unwrap_or(&validator.name);
                self.state.metrics.on_missed_precommit(name);
            }
        }
    }

    /// Leaves the committed height behind. The next height starts from the driver's loop, not
    /// from here: starting it inside the commit would nest one call per height (a single
    /// validator decides a height within one input), and the stack would overflow.
    pub(super) fn leave_height(&mut self) {
        self.started = false;
        self.candidates.clear();
        self.validating.clear();
        self.timers.clear();
        self.own.clear();
        self.held.clear();
    }

    /// Starts the height after the tip in consensus once there is a reason: transactions are
    /// pending, a peer is already at it, or this validator had signed in it before a restart.
    /// Repeats while heights are decided at once (a single validator with a full mempool).
    pub(super) async fn maybe_start_height(&mut self) -> Result<()> {
        loop {
            if *self.state.shutdown.borrow() {
                return Ok(());
            }
            let before = self.state.ledger.height();
            self.start_height_if_due().await?;
            if self.started || self.state.ledger.height() == before {
                return Ok(());
            }
        }
    }

    async fn start_height_if_due(&mut self) -> Result<()> {
        if self.started {
            return Ok(());
        }
        let height = self.state.ledger.height() + 1;
        let resumed = self
            .consensus
            .signer_state()
            .is_some_and(|s| s.height == height && self.consensus.height() < height);
        let peers_at_it = self
            .future
            .iter()
            .any(|(_, m)| super::inbound::height_of(m) == height);
        if self.state.mempool().is_empty() && !resumed && !peers_at_it {
            return Ok(());
        }
        self.started = true;
        let validators = self.validators_at(height)?;
        self.state.metrics.on_height_started(height);
        let mut restored_votes = Vec::new();
        if resumed {
            self.restore_locked_block(height).await?;
            restored_votes = self.restore_own_messages(height)?;
        }
        // Held before `StartHeight`, whose resumed precommit saves the locked block again with
        // the prevotes held: the saved proof-of-lock must survive a second restart.
        for prevote in std::mem::take(&mut self.restored_prevotes) {
            self.hold(crate::wire::ConsensusMessage::Vote(prevote.clone()));
            restored_votes.push(prevote);
        }
        self.feed(Input::StartHeight { height, validators }).await?;
        if let Some(validity) = self.restored_validity.take() {
            self.feed(validity).await?;
        }
        for vote in restored_votes {
            self.feed(Input::Vote(vote)).await?;
        }
        self.replay_future(height).await
    }

    /// The validator set that signs `height` (governance may change it).
    pub(super) fn validators_at(&self, height: u64) -> Result<ValidatorSet> {
        Ok(self.state.ledger.validator_set_at(height)?)
    }

    /// After a commit: governance may have changed who may connect.
    fn refresh_allowed_peers(&self) -> Result<()> {
        let allowed = crate::node::allowed_peers(&self.state.ledger)?;
        if let Err(e) = self.network.set_allowed(allowed) {
            tracing::warn!(error = %e, "could not update the allowed peers; retried after the next block");
        }
        Ok(())
    }
}
