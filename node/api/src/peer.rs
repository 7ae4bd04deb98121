//! Transactions that arrive from peers rather than from clients: the same checks the submit
//! route makes (chain, expiry, calls, membership, signature, not yet committed), so a peer can
//! never put into a block what a client could not.

use crate::routes::admit;
use crate::state::NodeState;
use zl_types::{CheckedTransaction, Transaction};

/// Transactions one gossip message or fetch answer may carry, at most.
pub const PEER_TRANSACTIONS_MAX: usize = 20_000;

/// What admitting a batch of gossiped transactions did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerAdmission {
    /// Entered the mempool.
    pub accepted: usize,
    /// Already pending or committed here (normal: the sender raced a commit or another peer).
    pub known: usize,
    /// Refused: bad signature, wrong chain, expired, not a member, or the mempool was full.
    pub refused: usize,
}

/// Checks one transaction as the submit route does, at time `at_ms`.
pub fn check_from_peer(
    state: &NodeState,
    tx: Transaction,
    at_ms: u64,
) -> Result<CheckedTransaction, String> {
    let checked = admit::check(state, tx, at_ms).map_err(|e| e.to_string())?;
    verify_from_peer(state, checked)
}

/// The stateless and signature checks, without membership: for transactions of a block that a
/// commit certificate already made final (the member may have left the registry since).
pub fn check_certified(
    state: &NodeState,
    tx: Transaction,
    at_ms: u64,
) -> Result<CheckedTransaction, String> {
    let checked = admit::check(state, tx, at_ms).map_err(|e| e.to_string())?;
    checked
        .verify_signature()
        .map_err(|_| admit::bad_signature(&checked).to_string())?;
    Ok(checked)
}

/// The member and signature checks of [`check_from_peer`], for a transaction already checked.
fn verify_from_peer(
    state: &NodeState,
    checked: CheckedTransaction,
) -> Result<CheckedTransaction, String> {
    admit::check_member(state, &checked.transaction.body.signer).map_err(|e| e.to_string())?;
    checked
        .verify_signature()
        .map_err(|_| admit::bad_signature(&checked).to_string())?;
    Ok(checked)
}

/// Admits gossiped transactions into the mempool (not to be forwarded again). Blocking work
/// (signature checks): call it off the async workers.
pub fn admit_from_peer(state: &NodeState, transactions: Vec<Transaction>) -> PeerAdmission {
    let now_ms = (state.now_ms)();
    let mut admission = PeerAdmission::default();
    for tx in transactions.into_iter().take(PEER_TRANSACTIONS_MAX) {
        // The id comes before the signature check, so a known transaction costs no verification.
        let checked = match admit::check(state, tx, now_ms) {
            Ok(checked) if state.mempool().contains(&checked.id) => {
                admission.known += 1;
                continue;
            }
            Ok(checked) => verify_from_peer(state, checked),
            Err(e) => Err(e.to_string()),
        };
        let checked = match checked {
            Ok(checked) => checked,
            Err(_) => {
                admission.refused += 1;
                continue;
            }
        };
        if state
            .ledger
            .contains_transaction(&checked.id)
            .unwrap_or(true)
        {
            admission.known += 1;
            continue;
        }
        match state.mempool().insert_from_peer(checked, now_ms) {
            Ok(()) => admission.accepted += 1,
            Err(zl_mempool::MempoolError::Duplicate(_)) => admission.known += 1,
            Err(_) => admission.refused += 1,
        }
    }
    if admission.accepted > 0 {
        state.mempool_ready.notify_one();
    }
    admission
}
