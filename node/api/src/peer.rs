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

/// Checks transactions as the submit route does, at time `at_ms`: all of them, or the first
/// refusal. The signatures are verified with one batch equation; a failed batch names its first
/// bad signature and stops (a block with one bad transaction is refused whole).
pub fn check_all_from_peer(
    state: &NodeState,
    transactions: Vec<Transaction>,
    at_ms: u64,
) -> Result<Vec<CheckedTransaction>, String> {
    let checked = transactions
        .into_iter()
        .map(|tx| {
            let checked = admit::check(state, tx, at_ms).map_err(|e| e.to_string())?;
            admit::check_member(state, &checked.transaction.body.signer)
                .map_err(|e| e.to_string())?;
            Ok(checked)
        })
        .collect::<Result<Vec<_>, String>>()?;
    verify_all_or_refuse(checked)
}

/// The stateless and signature checks, without membership: for transactions of a block that a
/// commit certificate already made final (the member may have left the registry since).
pub fn check_all_certified(
    state: &NodeState,
    transactions: Vec<Transaction>,
    at_ms: u64,
) -> Result<Vec<CheckedTransaction>, String> {
    let checked = transactions
        .into_iter()
        .map(|tx| admit::check(state, tx, at_ms).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, String>>()?;
    verify_all_or_refuse(checked)
}

/// All signatures valid, or the refusal of the first bad one: one batch, at most one pass of
/// single checks.
fn verify_all_or_refuse(
    checked: Vec<CheckedTransaction>,
) -> Result<Vec<CheckedTransaction>, String> {
    let verdict = {
        let triples: Vec<_> = checked.iter().map(triple).collect();
        zl_types::crypto::verify_all(&triples, rand_core::OsRng)
    };
    match verdict {
        Ok(()) => Ok(checked),
        Err(bad) => Err(admit::bad_signature(&checked[bad]).to_string()),
    }
}

fn triple(tx: &CheckedTransaction) -> (&zl_types::PublicKey, &[u8], &zl_types::Signature) {
    (
        &tx.transaction.body.signer,
        tx.signing_bytes.as_slice(),
        &tx.transaction.signature,
    )
}

/// Verifies the signatures of already checked transactions with batch equations
/// ([`zl_types::crypto::verify_all`]); each comes back valid, or refused with the reason.
/// Blocking work: call it off the async workers.
pub fn verify_signatures(
    checked: Vec<CheckedTransaction>,
) -> Vec<Result<CheckedTransaction, String>> {
    let triples: Vec<_> = checked.iter().map(triple).collect();
    // One batch; if it fails, the items before the first bad one are valid and each later one
    // is checked alone: linear work however many are bad.
    let first_bad = zl_types::crypto::verify_all(&triples, rand_core::OsRng).err();
    let valid: Vec<bool> = triples
        .iter()
        .enumerate()
        .map(|(i, (key, message, signature))| match first_bad {
            None => true,
            Some(bad) if i < bad => true,
            Some(bad) if i == bad => false,
            Some(_) => key.verify(message, signature).is_ok(),
        })
        .collect();
    checked
        .into_iter()
        .zip(valid)
        .map(|(tx, valid)| match valid {
            true => Ok(tx),
            false => Err(admit::bad_signature(&tx).to_string()),
        })
        .collect()
}

/// Admits gossiped transactions into the mempool (not to be forwarded again). Blocking work
/// (signature checks): call it off the async workers.
pub fn admit_from_peer(state: &NodeState, transactions: Vec<Transaction>) -> PeerAdmission {
    let now_ms = (state.now_ms)();
    let mut admission = PeerAdmission::default();
    let mut unverified = Vec::with_capacity(transactions.len().min(PEER_TRANSACTIONS_MAX));
    for tx in transactions.into_iter().take(PEER_TRANSACTIONS_MAX) {
        // The id comes before the signature check, so a known transaction costs no verification.
        match admit::check(state, tx, now_ms) {
            Ok(checked) if state.mempool().contains(&checked.id) => admission.known += 1,
            Ok(checked) => match admit::check_member(state, &checked.transaction.body.signer) {
                Ok(()) => unverified.push(checked),
                Err(_) => admission.refused += 1,
            },
            Err(_) => admission.refused += 1,
        }
    }
    for verdict in verify_signatures(unverified) {
        let Ok(checked) = verdict else {
            admission.refused += 1;
            continue;
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
