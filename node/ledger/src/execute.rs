//! Executing a block on top of the tip: dedup, contracts over a block overlay, and the header.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use zl_contracts::{execute_transaction, BlockContext, Effects, NewEvidence, StateView};
use zl_types::transaction::outcome_leaf;
use zl_types::{
    event, merkle, BlockHeader, CheckedTransaction, EvidenceRecord, Hash, HashAlgorithm, Member,
    PublicKey,
};

use crate::ledger::Ledger;
use crate::state_root::state_root;
use crate::tables::{member_key, State, Transactions, MEMBER_PREFIX};
use crate::{
    ExecutedBlock, ExecutedTransaction, LedgerError, Outcome, OutcomeError,
    TRANSACTIONS_PER_BLOCK_MAX,
};

/// The state as the next transaction of a block sees it: the database at the tip, with the
/// writes and records of the block's earlier successful transactions laid over it.
struct BlockView<'a> {
    ledger: &'a Ledger,
    /// The evidence log's size at the tip.
    base_log_size: u64,
    /// The final value of every key written so far in the block.
    writes: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Records appended so far in the block, in log order.
    evidence: Vec<NewEvidence>,
    /// Object-tree leaves of the snapshots recorded so far in the block, in order.
    object_leaves: Vec<Hash>,
    /// The first database error met; `StateView` cannot return one, so it is kept here and
    /// fails the whole execution after the transaction.
    error: RefCell<Option<LedgerError>>,
}

impl BlockView<'_> {
    fn fail(&self, error: LedgerError) {
        self.error.borrow_mut().get_or_insert(error);
    }

    fn check(&self) -> Result<(), LedgerError> {
        self.error.borrow_mut().take().map_or(Ok(()), Err)
    }

    /// Lays the effects of a successful transaction over the view.
    fn apply(&mut self, alg: HashAlgorithm, effects: Effects) {
        self.writes.extend(effects.writes);
        self.object_leaves
            .extend(effects.objects.iter().map(|record| record.leaf_hash(alg)));
        for new in effects.evidence {
            let expected = self.base_log_size + self.evidence.len() as u64;
            // A wrong seq would put the record at one log position and its proofs at another.
            assert_eq!(
                new.record.seq, expected,
                "contracts number records by the view's log size"
            );
            self.evidence.push(new);
        }
    }
}

impl StateView for BlockView<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(value) = self.writes.get(key) {
            // An empty write removed the key.
            return (!value.is_empty()).then(|| value.clone());
        }
        self.ledger.store.get::<State>(key).unwrap_or_else(|e| {
            self.fail(e);
            None
        })
    }

    fn evidence_log_size(&self) -> u64 {
        self.base_log_size + self.evidence.len() as u64
    }

    fn evidence_record(&self, seq: u64) -> Option<EvidenceRecord> {
        if seq >= self.base_log_size {
            let offset = usize::try_from(seq - self.base_log_size).ok()?;
            return self.evidence.get(offset).map(|new| new.record.clone());
        }
        self.ledger.evidence_record(seq).unwrap_or_else(|e| {
            self.fail(e);
            None
        })
    }

    fn member(&self, key: &PublicKey) -> Option<Member> {
        let state_key = member_key(key);
        let found = match self.writes.get(&state_key) {
            Some(value) => decode_written_member(value),
            None => self.ledger.member_by_state_key(&state_key),
        };
        found.unwrap_or_else(|e| {
            self.fail(e);
            None
        })
    }

    fn members(&self) -> Vec<Member> {
        let mut members = match self.ledger.members_at_tip() {
            Ok(members) => members,
            Err(e) => {
                self.fail(e);
                return Vec::new();
            }
        };
        let written = self.writes.range(MEMBER_PREFIX.to_vec()..);
        for (key, value) in written.take_while(|(key, _)| key.starts_with(MEMBER_PREFIX)) {
            match decode_written_member(value) {
                Ok(Some(member)) => {
                    members.insert(key.clone(), member);
                }
                Ok(None) => {
                    members.remove(key);
                }
                Err(e) => self.fail(e),
            }
        }
        members.into_values().collect()
    }
}

/// A member entry written earlier in the block: `None` if the write removed it.
fn decode_written_member(value: &[u8]) -> Result<Option<Member>, LedgerError> {
    if value.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(value).map(Some).map_err(|e| {
        LedgerError::Corrupt(format!(
            "a member entry written in this block does not decode: {e}"
        ))
    })
}

impl Ledger {
    /// Executes signature-verified transactions on top of the tip without writing anything.
    ///
    /// A transaction whose id is already committed, or repeated in the list, is dropped (not
    /// included). One that fails in a contract is included with `ok = false` and its effects
    /// discarded. `time` must be after the tip's time (the genesis time before the first block).
    pub fn execute(
        &self,
        transactions: Vec<CheckedTransaction>,
        time: u64,
        proposer: PublicKey,
    ) -> Result<ExecutedBlock, LedgerError> {
        if transactions.len() > TRANSACTIONS_PER_BLOCK_MAX {
            return Err(LedgerError::TooManyTransactions {
                count: transactions.len(),
                max: TRANSACTIONS_PER_BLOCK_MAX,
            });
        }
        let tip = self.tip_snapshot();
        if time <= tip.time {
            return Err(LedgerError::TimeNotIncreasing {
                time,
                previous: tip.time,
            });
        }
        let transactions = self.drop_stale(transactions, time)?;
        let alg = self.alg;
        let height = tip.height + 1;
        // Both sets were decided at or before the tip (a change decided at H signs from H + 2).
        let validators = self.stored_validator_set(height)?;
        let next_validators = self.stored_validator_set(height + 1)?;
        let validator_set_hash = self.set_hash(&validators);
        let next_validator_set_hash = self.set_hash(&next_validators);
        let ctx = BlockContext {
            chain_id: self.genesis.chain_id.clone(),
            chain_role: self.genesis.role,
            height,
            time,
            hash_algorithm: alg,
            next_validators,
        };
        let mut view = BlockView {
            ledger: self,
            base_log_size: tip.frontier.size,
            writes: BTreeMap::new(),
            evidence: Vec::new(),
            object_leaves: Vec::new(),
            error: RefCell::new(None),
        };
        let mut executed = Vec::with_capacity(transactions.len());
        let mut events = Vec::new();
        for tx in transactions {
            let result = execute_transaction(&ctx, &view, &tx);
            view.check()?;
            let outcome = match result {
                Ok(effects) => {
                    events.extend(effects.events.iter().cloned());
                    let outcome = Outcome {
                        ok: true,
                        error: None,
                        events: effects.events.clone(),
                    };
                    view.apply(alg, effects);
                    outcome
                }
                Err(e) => Outcome {
                    ok: false,
                    error: Some(OutcomeError {
                        code: e.code().into(),
                        message: e.to_string(),
                    }),
                    events: Vec::new(),
                },
            };
            executed.push(ExecutedTransaction {
                id: tx.id,
                transaction: tx.transaction,
                outcome,
            });
        }

        let mut frontier = tip.frontier.clone();
        let mut tree_nodes = Vec::with_capacity(view.evidence.len() * 2);
        for new in &view.evidence {
            tree_nodes.extend(frontier.push(alg, new.record.leaf_hash(alg)));
        }
        let outcome_leaves: Vec<_> = executed
            .iter()
            .map(|tx| merkle::leaf_hash(alg, &outcome_leaf(&tx.id, tx.outcome.ok)))
            .collect();
        let header = BlockHeader {
            chain_id: self.genesis.chain_id.clone(),
            height: ctx.height,
            time,
            previous_hash: tip.hash,
            transaction_root: merkle::root(alg, &outcome_leaves),
            event_root: event::event_root(alg, &events),
            object_root: merkle::root(alg, &view.object_leaves),
            state_root: state_root(alg, &tip.state_root, &view.writes),
            evidence_log_root: frontier.root(alg),
            evidence_log_size: frontier.size,
            validator_set_hash,
            next_validator_set_hash,
            proposer,
            transaction_count: executed.len() as u64,
        };
        let hash = header.hash(alg, &self.genesis_hash);
        Ok(ExecutedBlock {
            header,
            hash,
            transactions: executed,
            events,
            writes: view.writes,
            evidence: view.evidence,
            frontier,
            tree_nodes,
            object_leaves: view.object_leaves,
        })
    }

    /// Drops transactions expired at the block time, already committed, or repeated in the list
    /// (keeping the first). Expiry is judged by the block time, so every node agrees on it.
    fn drop_stale(
        &self,
        transactions: Vec<CheckedTransaction>,
        time: u64,
    ) -> Result<Vec<CheckedTransaction>, LedgerError> {
        let transactions: Vec<CheckedTransaction> = transactions
            .into_iter()
            .filter(|tx| {
                let live = tx.transaction.body.expires_at > time;
                if !live {
                    tracing::debug!(target: "zl_ledger", id = %tx.id, "dropped a transaction expired at the block time");
                }
                live
            })
            .collect();
        let cf = self.store.cf::<Transactions>();
        let keys = transactions.iter().map(|tx| &tx.id.0[..]);
        let found = self.store.db().batched_multi_get_cf(cf, keys, false);
        let mut seen = HashSet::with_capacity(transactions.len());
        let mut kept = Vec::with_capacity(transactions.len());
        for (tx, committed) in transactions.into_iter().zip(found) {
            if committed?.is_some() {
                tracing::debug!(target: "zl_ledger", id = %tx.id, "dropped a transaction already committed");
            } else if !seen.insert(tx.id) {
                tracing::debug!(target: "zl_ledger", id = %tx.id, "dropped a transaction repeated in the block");
            } else {
                kept.push(tx);
            }
        }
        Ok(kept)
    }
}
