//! Shared test fixtures: a genesis with fixed keys, signed transactions, and block production.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a different part of this module.

use std::cell::Cell;
use tempfile::TempDir;
use zl_ledger::{ExecutedTransaction, Ledger, StoredBlock};
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, ChainRole, CheckedTransaction, CommitCertificate, CryptoSuite, Genesis, Hash,
    HashAlgorithm, Member, NotarizeArgs, Role, SecretKey, TransactionBody, Validator, ValidatorSet,
};

/// The genesis time of every test chain (Unix ms).
pub const GENESIS_TIME: u64 = 1_700_000_000_000;
/// The clock the transactions are checked at.
pub const NOW: u64 = GENESIS_TIME + 1_000;

/// Fixed keys of a test chain.
pub struct Keys {
    pub validator: SecretKey,
    pub submitter: SecretKey,
    pub other_submitter: SecretKey,
    pub regulator: SecretKey,
    pub outsider: SecretKey,
}

impl Keys {
    pub fn new(suite: CryptoSuite) -> Keys {
        let key = |n: u8| SecretKey::from_seed(suite, &[n; 32]).expect("a valid seed");
        Keys {
            validator: key(1),
            submitter: key(2),
            other_submitter: key(3),
            regulator: key(4),
            outsider: key(5),
        }
    }
}

/// A genesis naming the keys: one validator, two submitters, one regulator.
pub fn genesis(suite: CryptoSuite, chain_id: &str, keys: &Keys) -> Genesis {
    let member = |name: &str, key: &SecretKey, roles: Vec<Role>| Member {
        name: name.into(),
        public_key: key.public_key(),
        roles,
        transport_key: None,
    };
    Genesis {
        chain_id: chain_id.into(),
        role: ChainRole::LocalBusiness,
        crypto_suite: suite,
        genesis_time: GENESIS_TIME,
        validators: ValidatorSet {
            validators: vec![Validator {
                name: "v1".into(),
                public_key: keys.validator.public_key(),
                power: 1,
            }],
        },
        members: vec![
            member("validator", &keys.validator, vec![Role::Validator]),
            member("submitter", &keys.submitter, vec![Role::Submitter]),
            member(
                "other submitter",
                &keys.other_submitter,
                vec![Role::Submitter],
            ),
            member(
                "regulator",
                &keys.regulator,
                vec![Role::Submitter, Role::Regulator],
            ),
        ],
    }
}

/// A test chain in a temporary directory.
pub struct Chain {
    pub dir: TempDir,
    pub keys: Keys,
    pub genesis: Genesis,
    pub ledger: Ledger,
    salt: Cell<u64>,
}

impl Chain {
    pub fn new(suite: CryptoSuite) -> Chain {
        let keys = Keys::new(suite);
        let genesis = genesis(suite, "testchain", &keys);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ledger = Ledger::open(dir.path(), genesis.clone()).expect("a new ledger opens");
        Chain {
            dir,
            keys,
            genesis,
            ledger,
            salt: Cell::new(0),
        }
    }

    /// A chain named `shanghai` (a JR/T 0325 local business chain id) whose regulator member
    /// is also the DID authority.
    pub fn shanghai(suite: CryptoSuite) -> Chain {
        let keys = Keys::new(suite);
        let mut genesis = genesis(suite, "shanghai", &keys);
        for member in &mut genesis.members {
            if member.public_key == keys.regulator.public_key() {
                member.roles.push(Role::DidAuthority);
            }
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ledger = Ledger::open(dir.path(), genesis.clone()).expect("a new ledger opens");
        Chain {
            dir,
            keys,
            genesis,
            ledger,
            salt: Cell::new(0),
        }
    }

    /// Closes and reopens the ledger.
    pub fn reopen(self) -> Chain {
        let Chain {
            dir,
            keys,
            genesis,
            ledger,
            salt,
        } = self;
        drop(ledger); // RocksDB locks the directory until the handle is dropped.
        let ledger = Ledger::open(dir.path(), genesis.clone()).expect("the ledger reopens");
        Chain {
            dir,
            keys,
            genesis,
            ledger,
            salt,
        }
    }

    pub fn alg(&self) -> HashAlgorithm {
        self.genesis.crypto_suite.hash_algorithm()
    }

    /// A signed, checked transaction with a fresh salt.
    pub fn tx(&self, key: &SecretKey, calls: Vec<Call>) -> CheckedTransaction {
        let salt = self.salt.get();
        self.salt.set(salt + 1);
        let body = TransactionBody {
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.ledger.genesis_hash(),
            signer: key.public_key(),
            expires_at: NOW + 60_000,
            salt: format!("{salt:016x}"),
            calls,
        };
        let binding = ChainBinding {
            chain_id: &self.genesis.chain_id,
            genesis_hash: &self.ledger.genesis_hash(),
            hash_algorithm: self.alg(),
        };
        body.sign(key)
            .expect("signer matches")
            .check(&binding, NOW)
            .expect("a valid transaction")
    }

    /// The time of the next block: one second after the tip.
    pub fn next_time(&self) -> u64 {
        GENESIS_TIME + 1_000 * (self.ledger.height() + 1)
    }

    /// Executes and commits a block, with a certificate from the validator.
    pub fn produce(&self, txs: Vec<CheckedTransaction>) -> (Vec<ExecutedTransaction>, StoredBlock) {
        let block = self
            .ledger
            .execute(txs, self.next_time(), self.keys.validator.public_key())
            .expect("the block executes");
        let executed = block.transactions.clone();
        let cert = self.certificate(block.header.height, block.hash);
        let stored = self.ledger.commit(block, cert).expect("the block commits");
        (executed, stored)
    }

    pub fn certificate(&self, height: u64, hash: Hash) -> CommitCertificate {
        CommitCertificate::sign(
            height,
            0,
            hash,
            &self.keys.validator,
            &self.genesis.chain_id,
            &self.ledger.genesis_hash(),
        )
    }
}

/// A document digest made from a number.
pub fn digest(alg: HashAlgorithm, n: u64) -> Hash {
    alg.digest(format!("document {n}").as_bytes())
}

/// An `evidence.notarize` call.
pub fn notarize(alg: HashAlgorithm, documents: Vec<Hash>) -> Call {
    let args = NotarizeArgs {
        refers_to: None,
        category: "contract".into(),
        title: "a test".into(),
        reference: "ref-1".into(),
        location: None,
        security_level: 2,
        digest_algorithm: alg,
        documents,
    };
    Call {
        contract: "evidence".into(),
        method: "notarize".into(),
        args: serde_json::to_value(args).unwrap(),
    }
}

/// An `evidence.correct` call.
pub fn correct(alg: HashAlgorithm, refers_to: u64, documents: Vec<Hash>) -> Call {
    let mut call = notarize(alg, documents);
    call.method = "correct".into();
    call.args["refers_to"] = serde_json::json!(refers_to);
    call
}

/// An `evidence.revoke` call.
pub fn revoke(refers_to: u64, reason: &str) -> Call {
    Call {
        contract: "evidence".into(),
        method: "revoke".into(),
        args: serde_json::json!({"refers_to": refers_to, "reason": reason}),
    }
}
