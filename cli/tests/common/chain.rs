//! A tiny in-memory chain for tests: a genesis, evidence records in blocks, headers signed by
//! one validator, and the proofs a node would serve.

use serde_json::{json, Value};
use std::collections::HashMap;
use zl_types::merkle::{self, Frontier};
use zl_types::receipt::{DocumentProof, LogProof, RECEIPT_FORMAT};
use zl_types::{
    BlockHeader, ChainRole, CommitCertificate, CryptoSuite, EvidenceKind, EvidenceReceipt,
    EvidenceRecord, Genesis, Hash, HashAlgorithm, Member, NotarizeArgs, PublicKey, Role, SecretKey,
    Validator, ValidatorSet,
};

/// Genesis time of test chains (2023-11-14T22:13:20Z).
pub const GENESIS_TIME: u64 = 1_700_000_000_000;

/// A genesis with one validator and one submitter.
pub fn genesis(
    suite: CryptoSuite,
    chain_id: &str,
    validator: &PublicKey,
    submitter: &PublicKey,
) -> Genesis {
    Genesis {
        chain_id: chain_id.into(),
        role: ChainRole::LocalBusiness,
        crypto_suite: suite,
        genesis_time: GENESIS_TIME,
        validators: ValidatorSet {
            validators: vec![Validator {
                name: "node-1".into(),
                public_key: validator.clone(),
                power: 1,
            }],
        },
        members: vec![
            Member {
                name: "Validator Org".into(),
                public_key: validator.clone(),
                roles: vec![Role::Validator],
                transport_key: None,
            },
            Member {
                name: "Shanghai Equity Exchange".into(),
                public_key: submitter.clone(),
                roles: vec![Role::Submitter],
                transport_key: None,
            },
        ],
    }
}

/// An in-memory chain.
pub struct TestChain {
    pub genesis: Genesis,
    pub validator: SecretKey,
    pub submitter: SecretKey,
    pub records: Vec<EvidenceRecord>,
    documents: Vec<Vec<Hash>>,
    record_height: Vec<u64>,
    log: Frontier,
    log_nodes: HashMap<(u32, u64), Hash>,
    pub headers: Vec<BlockHeader>,
    pub certificates: Vec<CommitCertificate>,
}

/// One notarisation to put in a block: tx id, signer, arguments.
pub struct Notarisation {
    pub tx_id: Hash,
    pub submitter: PublicKey,
    pub args: NotarizeArgs,
}

impl TestChain {
    pub fn new(suite: CryptoSuite, chain_id: &str) -> TestChain {
        let validator = SecretKey::from_seed(suite, &[11; 32]).unwrap();
        let submitter = SecretKey::from_seed(suite, &[22; 32]).unwrap();
        let genesis = genesis(
            suite,
            chain_id,
            &validator.public_key(),
            &submitter.public_key(),
        );
        genesis.check().unwrap();
        TestChain {
            genesis,
            validator,
            submitter,
            records: Vec::new(),
            documents: Vec::new(),
            record_height: Vec::new(),
            log: Frontier::new(),
            log_nodes: HashMap::new(),
            headers: Vec::new(),
            certificates: Vec::new(),
        }
    }

    pub fn alg(&self) -> HashAlgorithm {
        self.genesis.crypto_suite.hash_algorithm()
    }

    /// Commits a block holding `outcomes` (tx id, ok) and the records of `notarisations`;
    /// returns its height and the seq of each record.
    pub fn commit(
        &mut self,
        outcomes: &[(Hash, bool)],
        notarisations: Vec<Notarisation>,
    ) -> (u64, Vec<u64>) {
        let alg = self.alg();
        let height = self.headers.len() as u64 + 1;
        let time = GENESIS_TIME + 1000 * height;
        let mut seqs = Vec::new();
        for n in notarisations {
            let leaves = zl_types::evidence::document_leaves(alg, &n.args.documents);
            let record = EvidenceRecord {
                seq: self.records.len() as u64,
                kind: EvidenceKind::Notarize,
                refers_to: None,
                tx_id: n.tx_id,
                submitter: n.submitter,
                height,
                time,
                category: n.args.category,
                title: n.args.title,
                reference: n.args.reference,
                location: n.args.location,
                security_level: n.args.security_level,
                digest_algorithm: n.args.digest_algorithm,
                document_count: leaves.len() as u64,
                documents_root: merkle::root(alg, &leaves),
                reason: None,
            };
            for (level, index, hash) in self.log.push(alg, record.leaf_hash(alg)) {
                self.log_nodes.insert((level, index), hash);
            }
            seqs.push(record.seq);
            self.records.push(record);
            self.documents.push(n.args.documents);
            self.record_height.push(height);
        }
        let genesis_hash = self.genesis.hash();
        let previous_hash = self
            .headers
            .last()
            .map_or(genesis_hash, |h| h.hash(alg, &genesis_hash));
        let outcome_leaves: Vec<Hash> = outcomes
            .iter()
            .map(|(id, ok)| merkle::leaf_hash(alg, &zl_types::transaction::outcome_leaf(id, *ok)))
            .collect();
        let header = BlockHeader {
            chain_id: self.genesis.chain_id.clone(),
            height,
            time,
            previous_hash,
            transaction_root: merkle::root(alg, &outcome_leaves),
            event_root: merkle::empty_root(alg),
            object_root: merkle::empty_root(alg),
            state_root: Hash::ZERO,
            evidence_log_root: self.log.root(alg),
            evidence_log_size: self.log.size,
            validator_set_hash: self.genesis.validator_set_hash(),
            next_validator_set_hash: self.genesis.validator_set_hash(),
            proposer: self.validator.public_key(),
            transaction_count: outcomes.len() as u64,
        };
        let block_hash = header.hash(alg, &genesis_hash);
        let certificate = CommitCertificate::sign(
            height,
            0,
            block_hash,
            &self.validator,
            &self.genesis.chain_id,
            &genesis_hash,
        );
        self.headers.push(header);
        self.certificates.push(certificate);
        (height, seqs)
    }

    fn log_proof(&self, seq: u64) -> LogProof {
        let header = &self.headers[self.record_height[seq as usize] as usize - 1];
        let size = header.evidence_log_size;
        let path = merkle::inclusion_proof_from(self.alg(), size, seq, |level, index| {
            Ok::<_, ()>(self.log_nodes[&(level, index)])
        })
        .unwrap()
        .unwrap();
        LogProof {
            index: seq,
            size,
            path,
        }
    }

    fn document_proofs(&self, seq: u64) -> Vec<DocumentProof> {
        let alg = self.alg();
        let documents = &self.documents[seq as usize];
        let mut frontier = Frontier::new();
        let mut nodes = HashMap::new();
        for leaf in zl_types::evidence::document_leaves(alg, documents) {
            for (level, index, hash) in frontier.push(alg, leaf) {
                nodes.insert((level, index), hash);
            }
        }
        let size = documents.len() as u64;
        (0..size)
            .map(|index| {
                let path = merkle::inclusion_proof_from(alg, size, index, |l, i| {
                    Ok::<_, ()>(nodes[&(l, i)])
                })
                .unwrap()
                .unwrap();
                DocumentProof {
                    index,
                    digest: documents[index as usize],
                    path,
                }
            })
            .collect()
    }

    /// The seqs of the records holding `digest`.
    pub fn records_with(&self, digest: &Hash) -> Vec<u64> {
        (0..self.records.len() as u64)
            .filter(|&seq| self.documents[seq as usize].contains(digest))
            .collect()
    }

    /// The answer of `GET /v1/evidence/records/{seq}/proofs`.
    pub fn proofs(&self, seq: u64) -> Value {
        let height = self.record_height[seq as usize] as usize;
        json!({
            "chain_id": self.genesis.chain_id,
            "genesis_hash": self.genesis.hash(),
            "record": self.records[seq as usize],
            "log": self.log_proof(seq),
            "header": self.headers[height - 1],
            "certificate": self.certificates[height - 1],
            "documents": self.document_proofs(seq),
        })
    }

    /// The receipt of document `index` of record `seq`.
    pub fn receipt(&self, seq: u64, index: usize) -> EvidenceReceipt {
        let height = self.record_height[seq as usize] as usize;
        EvidenceReceipt {
            format: RECEIPT_FORMAT.into(),
            chain_id: self.genesis.chain_id.clone(),
            genesis_hash: self.genesis.hash(),
            record: self.records[seq as usize].clone(),
            document: self.document_proofs(seq).swap_remove(index),
            log: self.log_proof(seq),
            header: self.headers[height - 1].clone(),
            certificate: self.certificates[height - 1].clone(),
            validator_set_changes: Vec::new(),
        }
    }
}

/// Notarize arguments for `documents`.
pub fn args(alg: HashAlgorithm, title: &str, documents: Vec<Hash>) -> NotarizeArgs {
    NotarizeArgs {
        refers_to: None,
        category: "contract".into(),
        title: title.into(),
        reference: "REF-7".into(),
        location: None,
        security_level: 2,
        digest_algorithm: alg,
        documents,
    }
}
