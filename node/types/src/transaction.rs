//! Signed transactions: an RFC 8785 body bound to chain id and genesis hash, a signature, an id.

use crate::canonical::{canonical_json, domain_bytes};
use crate::{Hash, HashAlgorithm, PublicKey, SecretKey, Signature, TypesError};
use serde::{Deserialize, Serialize};

/// Domain tag of transaction signing bytes.
pub const TRANSACTION_TAG: &str = "zhenglian/transaction/v1";
/// Calls one transaction may carry.
pub const CALLS_PER_TRANSACTION_MAX: usize = 16;
/// Encoded size of one transaction (a batch of 50,000 digests fits).
pub const TRANSACTION_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Length of the salt, in hex characters, at most.
pub const SALT_HEX_MAX: usize = 64;
/// How far in the future a transaction's expiry may lie: the replay-protection window.
pub const EXPIRY_WINDOW_MS_MAX: u64 = 10 * 60 * 1000;

/// One call of a system contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The contract's name, e.g. `evidence`.
    pub contract: String,
    /// The method, e.g. `notarize`.
    pub method: String,
    /// The method's arguments (contract-specific JSON object).
    pub args: serde_json::Value,
}

/// The signed part of a transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionBody {
    /// The chain this transaction is for.
    pub chain_id: String,
    /// The genesis hash of that chain (tells a staging chain from production of the same id).
    pub genesis_hash: Hash,
    /// The signer's public key, which is also its key id.
    pub signer: PublicKey,
    /// Unix time in milliseconds after which the transaction is refused.
    pub expires_at: u64,
    /// Random hex chosen by the signer so identical calls get distinct ids.
    pub salt: String,
    /// The contract calls, executed in order, all or nothing.
    pub calls: Vec<Call>,
}

/// A signed transaction envelope: `{"body": {...}, "signature": "<hex>"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    /// The signed body.
    pub body: TransactionBody,
    /// The signer's signature over [`TransactionBody::signing_bytes`].
    pub signature: Signature,
}

impl TransactionBody {
    /// `zhenglian/transaction/v1 \n chain_id \n genesis_hash_hex \n JCS(body)`.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, TypesError> {
        let body = canonical_json(self)?;
        Ok(domain_bytes(
            TRANSACTION_TAG,
            &self.chain_id,
            &self.genesis_hash,
            &body,
        ))
    }

    /// Signs the body with `key`, which must match `signer`.
    pub fn sign(self, key: &SecretKey) -> Result<Transaction, TypesError> {
        if key.public_key() != self.signer {
            return Err(TypesError::Invalid(
                "the signing key is not the body's signer".into(),
            ));
        }
        let signature = key.sign(&self.signing_bytes()?);
        Ok(Transaction {
            body: self,
            signature,
        })
    }
}

/// What the stateless checks need to know about the chain and the time.
#[derive(Clone, Debug)]
pub struct ChainBinding<'a> {
    /// The chain's id.
    pub chain_id: &'a str,
    /// The chain's genesis hash.
    pub genesis_hash: &'a Hash,
    /// The chain's hash algorithm (for the transaction id).
    pub hash_algorithm: HashAlgorithm,
}

/// A transaction whose stateless checks passed, with its signing bytes and id computed once.
#[derive(Clone, Debug)]
pub struct CheckedTransaction {
    /// The transaction.
    pub transaction: Transaction,
    /// Its id: the hash of the signing bytes.
    pub id: Hash,
    /// The signing bytes (kept so signatures can be verified in batches).
    pub signing_bytes: Vec<u8>,
}

impl Transaction {
    /// Stateless checks except the signature: chain, genesis, expiry window, calls, salt, size.
    /// `now_ms` is the caller's clock; the signature is checked apart so it can be batched.
    pub fn check(
        self,
        chain: &ChainBinding<'_>,
        now_ms: u64,
    ) -> Result<CheckedTransaction, TypesError> {
        let body = &self.body;
        if body.chain_id != chain.chain_id {
            return Err(TypesError::Invalid(format!(
                "transaction is for chain {:?} but this is chain {:?}; sign it with this chain's id",
                body.chain_id, chain.chain_id
            )));
        }
        if body.genesis_hash != *chain.genesis_hash {
            return Err(TypesError::Invalid(format!(
                "transaction names genesis {} but this chain's genesis is {}; fetch it from GET /v1/status",
                body.genesis_hash, chain.genesis_hash
            )));
        }
        if body.signer.suite().hash_algorithm() != chain.hash_algorithm {
            return Err(TypesError::Invalid(format!(
                "the signer's key {} is not of this chain's crypto suite; sign with a key made by `zl keys new --suite <the chain's suite>`",
                body.signer
            )));
        }
        check_expiry(body.expires_at, now_ms)?;
        check_calls(&body.calls)?;
        if body.salt.len() > SALT_HEX_MAX || hex::decode(&body.salt).is_err() {
            return Err(TypesError::Invalid(format!(
                "salt must be at most {SALT_HEX_MAX} hex characters"
            )));
        }
        let signing_bytes = body.signing_bytes()?;
        if signing_bytes.len() > TRANSACTION_BYTES_MAX {
            return Err(TypesError::Invalid(format!(
                "transaction is {} bytes, more than the limit of {TRANSACTION_BYTES_MAX}; split it",
                signing_bytes.len()
            )));
        }
        let id = chain.hash_algorithm.digest(&signing_bytes);
        Ok(CheckedTransaction {
            transaction: self,
            id,
            signing_bytes,
        })
    }
}

fn check_expiry(expires_at: u64, now_ms: u64) -> Result<(), TypesError> {
    if expires_at <= now_ms {
        return Err(TypesError::Invalid(format!(
            "transaction expired at {expires_at} (now {now_ms}); sign it again with a later expires_at"
        )));
    }
    if expires_at > now_ms.saturating_add(EXPIRY_WINDOW_MS_MAX) {
        return Err(TypesError::Invalid(format!(
            "expires_at {expires_at} is more than {} s ahead (now {now_ms}); choose a nearer expiry",
            EXPIRY_WINDOW_MS_MAX / 1000
        )));
    }
    Ok(())
}

fn check_calls(calls: &[Call]) -> Result<(), TypesError> {
    if calls.is_empty() || calls.len() > CALLS_PER_TRANSACTION_MAX {
        return Err(TypesError::Invalid(format!(
            "a transaction carries 1 to {CALLS_PER_TRANSACTION_MAX} calls, this one has {}",
            calls.len()
        )));
    }
    Ok(())
}

impl CheckedTransaction {
    /// Verifies the signature alone (use [`crate::crypto::verify_all`] for many).
    pub fn verify_signature(&self) -> Result<(), TypesError> {
        self.transaction
            .body
            .signer
            .verify(&self.signing_bytes, &self.transaction.signature)
    }
}

/// Leaf data of a transaction outcome in the transaction tree: `id (32 bytes) ‖ status (1 byte: 0 ok, 1 failed)`.
pub fn outcome_leaf(id: &Hash, ok: bool) -> [u8; 33] {
    let mut leaf = [0u8; 33];
    leaf[..32].copy_from_slice(&id.0);
    leaf[32] = if ok { 0 } else { 1 };
    leaf
}
