//! Phase 1 of `zl bench did`: pre-signs `did.create` transactions of up to
//! [`CALLS_PER_TRANSACTION`] DIDs each and delivers them as `zl bench ingest` does (several per
//! request, two connections, as fast as the node takes them, then every commit notice).

use crate::bench::node::BenchNode;
use crate::bench::stats::Latency;
use crate::bench::{ingest, presign};
use crate::sign::{self, ChainBinding, SignedTransaction};
use anyhow::bail;
use rand_core::OsRng;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use zl_types::did::{check_character, to_jwk, DID_CONTEXT, REM_CONTEXT, SM2_METHOD_TYPE};
use zl_types::{Call, CryptoSuite, SecretKey};

/// `did.create` calls per transaction: as many as a transaction may carry.
pub(crate) const CALLS_PER_TRANSACTION: usize = zl_types::transaction::CALLS_PER_TRANSACTION_MAX;
/// Distinct SM2 public keys the documents hold, used in turn (the key does not change what a
/// resolution costs; generating one per DID would only slow the set-up).
const DOCUMENT_KEYS: usize = 1_000;
/// How long to wait for the last commits after the last transaction was accepted.
const COMMIT_WAIT: Duration = Duration::from_secs(300);
/// Enterprise codes have a 6-digit number, so at most this many distinct ones per jurisdiction.
pub(crate) const ENTERPRISE_NUMBERS: usize = 1_000_000;

/// What the creation phase measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CreateFigures {
    /// DIDs created.
    pub(crate) dids: usize,
    /// Transactions that carried them.
    pub(crate) transactions: usize,
    /// `did.create` calls per transaction, at most.
    pub(crate) dids_per_transaction: usize,
    /// Seconds spent building and signing the transactions (before the clock started).
    pub(crate) presign_s: f64,
    /// Busy refusals answered with a pause and a resend.
    pub(crate) refusals_busy: u64,
    /// Seconds from the first send to the last commit notice.
    pub(crate) elapsed_s: f64,
    /// `dids / elapsed_s`.
    pub(crate) dids_per_s: f64,
    /// Commit latency per transaction (from its accepted send).
    pub(crate) latency: Latency,
}

/// The subject code of the `i`-th benchmark DID: mostly enterprise codes of jurisdiction `SH`
/// (every fourth with a tier/class code), every eighth an 18-character unified social credit
/// code with its GB 32100 check character. Distinct for distinct `i` below
/// [`ENTERPRISE_NUMBERS`].
pub(crate) fn subject_code(i: usize) -> String {
    match i % 8 {
        7 => {
            let first17 = format!("91310000{:09}", i % 1_000_000_000);
            let bytes: &[u8; 17] = first17
                .as_bytes()
                .try_into()
                .expect("8 + 9 ASCII characters");
            let check = check_character(bytes).expect("digits are code characters");
            format!("{first17}{check}")
        }
        3 => format!("SH{:06}F.S2101", i % ENTERPRISE_NUMBERS),
        _ => format!("SH{:06}", i % ENTERPRISE_NUMBERS),
    }
}

/// A document for `did` with one SM2 method for authentication and assertion.
fn document(did: &str, jwk: &Value) -> Value {
    let method = format!("{did}#keys-1");
    json!({
        "@context": [DID_CONTEXT, REM_CONTEXT],
        "id": did,
        "controller": did,
        "verificationMethod": [{
            "id": method, "type": SM2_METHOD_TYPE, "controller": did, "publicKeyJwk": jwk,
        }],
        "authentication": [method],
        "assertionMethod": [method],
    })
}

/// Creates `count` DIDs of the node's chain with its `client.key` (the DID authority) and
/// returns the figures and the DIDs.
pub(crate) fn run(node: &BenchNode, count: usize) -> anyhow::Result<(CreateFigures, Vec<String>)> {
    let key = crate::keys::load(&node.client_key())?;
    let chain = presign::binding(&node.status()?);
    let dids: Vec<String> = (0..count)
        .map(|i| format!("did:rem:{}:{}", chain.chain_id, subject_code(i)))
        .collect();
    let signing = Instant::now();
    let transactions = sign_all(&key, &chain, &dids)?;
    let presign_s = signing.elapsed().as_secs_f64();
    eprintln!(
        "zl bench did: signed {} did.create transactions of up to {CALLS_PER_TRANSACTION} DIDs in {presign_s:.1} s",
        transactions.len()
    );
    let delivery = ingest::deliver(node, &transactions, COMMIT_WAIT)?;
    if delivery.committed < transactions.len() {
        bail!(
            "only {} of the {} did.create transactions committed within {} s of the last send; see the node's log",
            delivery.committed,
            transactions.len(),
            COMMIT_WAIT.as_secs()
        );
    }
    if delivery.failed > 0 {
        bail!(
            "{} of the {} did.create transactions failed in execution (is client.key the DID authority in the genesis?); see the node's log",
            delivery.failed,
            transactions.len()
        );
    }
    let figures = CreateFigures {
        dids: count,
        transactions: transactions.len(),
        dids_per_transaction: CALLS_PER_TRANSACTION,
        presign_s,
        refusals_busy: delivery.refusals_busy,
        elapsed_s: delivery.elapsed_s,
        dids_per_s: if delivery.elapsed_s > 0.0 {
            count as f64 / delivery.elapsed_s
        } else {
            0.0
        },
        latency: delivery.latency,
    };
    Ok((figures, dids))
}

/// Signs the `did.create` transactions for `dids`, [`CALLS_PER_TRANSACTION`] a transaction, in
/// the order of `dids`.
fn sign_all(
    key: &SecretKey,
    chain: &ChainBinding,
    dids: &[String],
) -> anyhow::Result<Vec<SignedTransaction>> {
    let jwks: Vec<Value> = (0..DOCUMENT_KEYS.min(dids.len()))
        .map(|_| to_jwk(&SecretKey::generate(CryptoSuite::Sm, &mut OsRng).public_key()))
        .collect();
    // `sign_calls` sets the expiry `sign::EXPIRY_MS` after the time it is given: this makes it
    // `presign::EXPIRY_MS` from now, as the other benchmarks' transactions.
    let signed_at = crate::time::now_ms() + presign::EXPIRY_MS - sign::EXPIRY_MS;
    let groups: Vec<&[String]> = dids.chunks(CALLS_PER_TRANSACTION).collect();
    presign::in_parallel(groups.len(), |t| {
        let first = t * CALLS_PER_TRANSACTION;
        let calls = groups[t]
            .iter()
            .enumerate()
            .map(|(j, did)| Call {
                contract: "did".into(),
                method: "create".into(),
                args: json!({"document": document(did, &jwks[(first + j) % jwks.len()])}),
            })
            .collect();
        sign::sign_calls(key, chain, calls, signed_at, sign::random_salt())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::did::{Did, DidDocument, SubjectCode};
    use zl_types::{Hash, Transaction};

    #[test]
    fn subject_codes_are_distinct_valid_dids_of_each_shape() {
        let dids: Vec<String> = (0..64)
            .map(|i| format!("did:rem:shanghai:{}", subject_code(i)))
            .collect();
        let mut unique = dids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), dids.len());
        let shapes: Vec<SubjectCode> = dids
            .iter()
            .map(|d| Did::parse(d, None).unwrap().code)
            .collect();
        assert!(matches!(
            &shapes[0],
            SubjectCode::Enterprise { tier: None, .. }
        ));
        assert!(
            matches!(&shapes[3], SubjectCode::Enterprise { tier: Some(t), .. } if t == "F.S2101")
        );
        assert!(matches!(&shapes[7], SubjectCode::Organisation(_)));
        assert_eq!(subject_code(0), "SH000000");
    }

    #[test]
    fn signs_documents_the_contract_accepts_in_order() {
        let key = SecretKey::from_seed(CryptoSuite::Sm, &[5; 32]).unwrap();
        let chain = ChainBinding {
            chain_id: "shanghai".into(),
            genesis_hash: Hash([2; 32]),
            suite: CryptoSuite::Sm,
        };
        let dids: Vec<String> = (0..40)
            .map(|i| format!("did:rem:shanghai:{}", subject_code(i)))
            .collect();
        let signed = sign_all(&key, &chain, &dids).unwrap();
        assert_eq!(signed.len(), 3);
        let mut seen = Vec::new();
        for s in &signed {
            let tx: Transaction = serde_json::from_slice(&s.json).unwrap();
            for call in &tx.body.calls {
                assert_eq!(
                    (call.contract.as_str(), call.method.as_str()),
                    ("did", "create")
                );
                let document = DidDocument::from_json(&call.args["document"], None).unwrap();
                seen.push(document.id);
            }
        }
        assert_eq!(seen, dids);
    }
}
