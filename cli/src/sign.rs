//! Building and signing transactions: the chain binding, expiry, salt, and the notarize call.

use rand_core::{OsRng, RngCore as _};
use zl_types::{Call, CryptoSuite, Hash, NotarizeArgs, SecretKey, Transaction, TransactionBody};

/// How long a signed transaction stays valid: long enough to ride out a full mempool.
pub(crate) const EXPIRY_MS: u64 = 5 * 60 * 1000;
/// Random bytes of a transaction's salt.
pub(crate) const SALT_BYTES: usize = 16;

// The expiry must lie inside the window nodes accept.
const _: () = assert!(EXPIRY_MS <= zl_types::transaction::EXPIRY_WINDOW_MS_MAX);

/// What a signature binds to: the chain's id and genesis hash, and its suite.
#[derive(Clone, Debug)]
pub(crate) struct ChainBinding {
    /// The chain's id.
    pub(crate) chain_id: String,
    /// The chain's genesis hash.
    pub(crate) genesis_hash: Hash,
    /// The chain's crypto suite (its hash algorithm names transaction ids).
    pub(crate) suite: CryptoSuite,
}

/// A signed transaction, encoded once, with its id.
#[derive(Clone, Debug)]
pub(crate) struct SignedTransaction {
    /// The transaction id: the hash of the signing bytes.
    pub(crate) id: Hash,
    /// Unix milliseconds after which the chain refuses it.
    pub(crate) expires_at: u64,
    /// Its JSON, as sent to the node.
    pub(crate) json: Vec<u8>,
}

/// A fresh random salt, as hex.
pub(crate) fn random_salt() -> String {
    let mut salt = [0u8; SALT_BYTES];
    OsRng.fill_bytes(&mut salt);
    hex::encode(salt)
}

/// The `evidence.notarize` call with these arguments.
pub(crate) fn notarize_call(args: &NotarizeArgs) -> anyhow::Result<Call> {
    Ok(Call {
        contract: "evidence".into(),
        method: "notarize".into(),
        args: serde_json::to_value(args)?,
    })
}

/// Signs `calls` for `chain` with `key`, expiring [`EXPIRY_MS`] after `now_ms`.
pub(crate) fn sign_calls(
    key: &SecretKey,
    chain: &ChainBinding,
    calls: Vec<Call>,
    now_ms: u64,
    salt: String,
) -> anyhow::Result<SignedTransaction> {
    let body = TransactionBody {
        chain_id: chain.chain_id.clone(),
        genesis_hash: chain.genesis_hash,
        signer: key.public_key(),
        expires_at: now_ms + EXPIRY_MS,
        salt,
        calls,
    };
    // The signing bytes are computed once: they give both the signature and the id.
    let signing_bytes = body.signing_bytes()?;
    let id = chain.suite.hash_algorithm().digest(&signing_bytes);
    let signature = key.sign(&signing_bytes);
    let expires_at = body.expires_at;
    let json = serde_json::to_vec(&Transaction { body, signature })?;
    Ok(SignedTransaction {
        id,
        expires_at,
        json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::transaction::ChainBinding as Binding;

    #[test]
    fn signed_notarize_passes_the_nodes_checks_with_the_same_id() {
        for suite in [CryptoSuite::Ed25519, CryptoSuite::Sm] {
            let key = SecretKey::from_seed(suite, &[7; 32]).unwrap();
            let chain = ChainBinding {
                chain_id: "shanghai".into(),
                genesis_hash: Hash([9; 32]),
                suite,
            };
            let args = NotarizeArgs {
                refers_to: None,
                category: "file".into(),
                title: "a.pdf".into(),
                reference: String::new(),
                location: None,
                security_level: 1,
                digest_algorithm: suite.hash_algorithm(),
                documents: vec![Hash([1; 32])],
            };
            let salt = random_salt();
            assert_eq!(salt.len(), 2 * SALT_BYTES);
            let signed = sign_calls(
                &key,
                &chain,
                vec![notarize_call(&args).unwrap()],
                1_000,
                salt,
            )
            .unwrap();
            let transaction: Transaction = serde_json::from_slice(&signed.json).unwrap();
            let binding = Binding {
                chain_id: "shanghai",
                genesis_hash: &chain.genesis_hash,
                hash_algorithm: suite.hash_algorithm(),
            };
            let checked = transaction.check(&binding, 2_000).unwrap();
            checked.verify_signature().unwrap();
            assert_eq!(checked.id, signed.id);
            assert_eq!(signed.expires_at, 1_000 + EXPIRY_MS);
            let call = &checked.transaction.body.calls[0];
            assert_eq!(
                (call.contract.as_str(), call.method.as_str()),
                ("evidence", "notarize")
            );
            let back: NotarizeArgs = serde_json::from_value(call.args.clone()).unwrap();
            assert_eq!(back, args);
        }
    }
}
