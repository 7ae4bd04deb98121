//! Signing transactions in the test itself, with zl_types, to send raw ones to the API.

use crate::Node;
use rand_core::{OsRng, RngCore as _};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use zl_types::{
    Call, CryptoSuite, Hash, HashAlgorithm, KeyFile, NotarizeArgs, SecretKey, Transaction,
    TransactionBody,
};

/// How far ahead a test transaction expires.
pub const EXPIRY_MS: u64 = 60_000;
/// Random bytes in a salt.
pub const SALT_BYTES: usize = 16;

/// Unix time in milliseconds, from the system clock.
pub fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    u64::try_from(since.as_millis()).expect("milliseconds fit in u64")
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random salt, hex.
pub fn random_salt() -> String {
    let mut salt = [0u8; SALT_BYTES];
    OsRng.fill_bytes(&mut salt);
    to_hex(&salt)
}

/// Reads a plain (unencrypted) key file.
pub fn load_key(path: &Path) -> SecretKey {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: KeyFile = serde_json::from_str(&text).expect("a key file");
    file.secret_key(None).expect("a plain key file")
}

/// A signed transaction with its id and JSON.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The transaction.
    pub transaction: Transaction,
    /// Its id: the chain's hash of its signing bytes.
    pub id: Hash,
}

impl Signed {
    /// The transaction as JSON bytes, as the API takes it.
    pub fn json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.transaction).expect("a transaction encodes")
    }
}

/// Signs transactions for one node's chain with one key.
pub struct Signer {
    /// The signing key.
    pub key: SecretKey,
    /// The chain id, from the node's status.
    pub chain_id: String,
    /// The genesis hash, from the node's status.
    pub genesis_hash: Hash,
    /// The chain's hash algorithm.
    pub algorithm: HashAlgorithm,
}

impl Signer {
    /// A signer with `key` for the chain `node` runs (read from `GET /v1/status`).
    pub fn new(node: &Node, key: SecretKey) -> Signer {
        let status = node.status();
        let chain_id = status["chain_id"]
            .as_str()
            .expect("status has a chain id")
            .to_string();
        let genesis_hash: Hash =
            serde_json::from_value(status["genesis_hash"].clone()).expect("a genesis hash");
        let suite =
            CryptoSuite::parse(status["crypto_suite"].as_str().expect("status has a suite"))
                .expect("a known suite");
        Signer {
            key,
            chain_id,
            genesis_hash,
            algorithm: suite.hash_algorithm(),
        }
    }

    /// A body with one `evidence.notarize` call of `documents` (the chain's digest algorithm),
    /// expiring [`EXPIRY_MS`] from now, with a random salt.
    pub fn notarize_body(&self, title: &str, documents: Vec<Hash>) -> TransactionBody {
        let args = NotarizeArgs {
            refers_to: None,
            category: "test".into(),
            title: title.into(),
            reference: String::new(),
            location: None,
            security_level: 1,
            digest_algorithm: self.algorithm,
            documents,
        };
        let call = Call {
            contract: "evidence".into(),
            method: "notarize".into(),
            args: serde_json::to_value(args).expect("args encode"),
        };
        TransactionBody {
            chain_id: self.chain_id.clone(),
            genesis_hash: self.genesis_hash,
            signer: self.key.public_key(),
            expires_at: now_ms() + EXPIRY_MS,
            salt: random_salt(),
            calls: vec![call],
        }
    }

    /// Signs `body` (whatever it holds) with the key.
    pub fn sign(&self, body: TransactionBody) -> Signed {
        let bytes = body.signing_bytes().expect("the body encodes");
        let id = self.algorithm.digest(&bytes);
        let signature = self.key.sign(&bytes);
        Signed {
            transaction: Transaction { body, signature },
            id,
        }
    }

    /// A signed notarisation of `documents`.
    pub fn notarize(&self, title: &str, documents: Vec<Hash>) -> Signed {
        self.sign(self.notarize_body(title, documents))
    }
}

impl Signer {
    /// Submits one call signed by this signer and waits (up to a minute) until it is committed;
    /// returns the transaction's status answer (`ok` says whether it succeeded).
    pub fn commit(
        &self,
        node: &Node,
        contract: &str,
        method: &str,
        args: serde_json::Value,
    ) -> serde_json::Value {
        let body = TransactionBody {
            calls: vec![zl_types::Call {
                contract: contract.into(),
                method: method.into(),
                args,
            }],
            ..self.notarize_body("unused", Vec::new())
        };
        let signed = self.sign(body);
        let answer = crate::http::post(&node.url, "/v1/transactions", &signed.json());
        assert!(
            answer.status < 300,
            "submit {contract}.{method}: {}",
            answer.body
        );
        crate::wait::wait_until(
            "the transaction's commit",
            std::time::Duration::from_secs(60),
            || {
                let answer =
                    crate::http::get(&node.url, &format!("/v1/transactions/{}", signed.id));
                let json = answer.json();
                (json["status"] == "committed").then_some(json)
            },
        )
    }
}
