//! The in-memory world of the governance tests: a state kept the way the ledger keeps it
//! (members, proposals, validator sets by height), keys by role, and the step table runner.
#![allow(dead_code, unreachable_pub)]

use serde_json::json;
use std::collections::BTreeMap;
use zl_contracts::governance::{proposal_key, validator_set_key, VALIDATOR_SET_PREFIX};
use zl_contracts::{
    check_call, execute_transaction, member_key, BlockContext, Effects, StateView, MEMBER_PREFIX,
};
use zl_types::governance::{proposal_id, GovernanceAction, Proposal};
use zl_types::transaction::ChainBinding;
use zl_types::{
    Call, CheckedTransaction, CryptoSuite, Event, EvidenceRecord, Hash, HashAlgorithm, Member,
    PublicKey, Role, SecretKey, TransactionBody, Validator, ValidatorSet,
};

pub const NOW: u64 = 1_700_000_000_000;

/// Keys by role in the tests: four governors, a validator, a candidate validator, a submitter.
pub const G0: u8 = 1;
pub const G1: u8 = 2;
pub const G2: u8 = 3;
pub const G3: u8 = 4;
pub const VALIDATOR: u8 = 5;
pub const CANDIDATE: u8 = 6;
pub const SUBMITTER: u8 = 7;
pub const NEWCOMER: u8 = 8;

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

pub fn public(seed: u8) -> PublicKey {
    key(seed).public_key()
}

pub fn member(seed: u8, roles: Vec<Role>) -> Member {
    Member {
        name: format!("member {seed}"),
        public_key: public(seed),
        roles,
        transport_key: None,
    }
}

pub fn validator(seed: u8, power: u64) -> Validator {
    Validator {
        name: format!("node {seed}"),
        public_key: public(seed),
        power,
    }
}

/// The state as the ledger keeps it, at a height.
pub struct World {
    pub state: BTreeMap<Vec<u8>, Vec<u8>>,
    pub height: u64,
    pub genesis_validators: ValidatorSet,
    pub proposals: Vec<Hash>,
    pub events: Vec<Event>,
    pub salt: u64,
    /// The chain's id (`dev` unless a test names a JR/T 0325 chain).
    pub chain_id: String,
}

impl StateView for World {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state.get(key).cloned()
    }
    fn evidence_log_size(&self) -> u64 {
        0
    }
    fn evidence_record(&self, _seq: u64) -> Option<EvidenceRecord> {
        None
    }
    fn member(&self, key: &PublicKey) -> Option<Member> {
        let value = self.state.get(&member_key(key))?;
        Some(serde_json::from_slice(value).unwrap())
    }
    fn members(&self) -> Vec<Member> {
        self.state
            .range(MEMBER_PREFIX.to_vec()..)
            .take_while(|(k, _)| k.starts_with(MEMBER_PREFIX))
            .map(|(_, v)| serde_json::from_slice(v).unwrap())
            .collect()
    }
}

/// What a step does.
pub enum Do {
    Propose(Box<GovernanceAction>),
    /// Vote on the n-th proposal made so far.
    Vote(usize, bool),
    /// Vote on a proposal by id.
    VoteId(Hash, bool),
    /// Commit this many empty blocks.
    Advance(u64),
}

/// One step: who, what, and the error code expected (`None`: success).
pub struct Step {
    pub desc: &'static str,
    pub signer: u8,
    pub act: Do,
    pub expect: Option<&'static str>,
}

pub fn step(desc: &'static str, signer: u8, act: Do, expect: Option<&'static str>) -> Step {
    Step {
        desc,
        signer,
        act,
        expect,
    }
}

impl World {
    pub fn new(members: Vec<Member>, validators: Vec<Validator>) -> World {
        let state = members
            .iter()
            .map(|m| (member_key(&m.public_key), serde_json::to_vec(m).unwrap()))
            .collect();
        World {
            state,
            height: 1,
            genesis_validators: ValidatorSet { validators },
            proposals: Vec::new(),
            events: Vec::new(),
            salt: 0,
            chain_id: "dev".into(),
        }
    }

    /// Four governors, a validator, a candidate (a member with the validator role) and a submitter.
    pub fn committee() -> World {
        World::new(
            vec![
                member(G0, vec![Role::Governor]),
                member(G1, vec![Role::Governor]),
                member(G2, vec![Role::Governor]),
                member(G3, vec![Role::Governor]),
                member(VALIDATOR, vec![Role::Validator]),
                member(CANDIDATE, vec![Role::Validator]),
                member(SUBMITTER, vec![Role::Submitter]),
            ],
            vec![validator(VALIDATOR, 1)],
        )
    }

    /// The set that signs `height`: the newest entry at or below it, else the genesis set.
    pub fn validators_at(&self, height: u64) -> ValidatorSet {
        let end = validator_set_key(height);
        self.state
            .range(VALIDATOR_SET_PREFIX.to_vec()..=end)
            .next_back()
            .map(|(_, v)| serde_json::from_slice(v).unwrap())
            .unwrap_or_else(|| self.genesis_validators.clone())
    }

    pub fn ctx(&self) -> BlockContext {
        BlockContext {
            chain_id: self.chain_id.clone(),
            chain_role: zl_types::ChainRole::LocalBusiness,
            height: self.height,
            time: NOW,
            hash_algorithm: HashAlgorithm::Sha256,
            next_validators: self.validators_at(self.height + 1),
        }
    }

    pub fn tx(&mut self, signer: u8, call: Call) -> CheckedTransaction {
        self.tx_of(signer, vec![call])
    }

    /// A signed, checked transaction of several calls.
    pub fn tx_of(&mut self, signer: u8, calls: Vec<Call>) -> CheckedTransaction {
        self.salt += 1;
        let key = key(signer);
        let body = TransactionBody {
            chain_id: self.chain_id.clone(),
            genesis_hash: Hash::ZERO,
            signer: key.public_key(),
            expires_at: NOW + 1000,
            salt: format!("{:04x}", self.salt),
            calls,
        };
        let chain = ChainBinding {
            chain_id: &self.chain_id,
            genesis_hash: &Hash::ZERO,
            hash_algorithm: HashAlgorithm::Sha256,
        };
        body.sign(&key).unwrap().check(&chain, NOW).unwrap()
    }

    pub fn apply(&mut self, effects: Effects) {
        for (key, value) in effects.writes {
            if value.is_empty() {
                self.state.remove(&key);
            } else {
                self.state.insert(key, value);
            }
        }
        self.events.extend(effects.events);
    }

    pub fn run(&mut self, steps: Vec<Step>) {
        for Step {
            desc,
            signer,
            act,
            expect,
        } in steps
        {
            let call = match act {
                Do::Advance(blocks) => {
                    self.height += blocks;
                    continue;
                }
                Do::Propose(action) => {
                    governance("propose", json!({"action": action, "reason": desc}))
                }
                Do::Vote(n, approve) => governance(
                    "vote",
                    json!({"proposal": self.proposals[n], "approve": approve}),
                ),
                Do::VoteId(id, approve) => {
                    governance("vote", json!({"proposal": id, "approve": approve}))
                }
            };
            let proposing = call.method == "propose";
            assert!(check_call(&call).is_ok(), "{desc}: the call is well formed");
            let tx = self.tx(signer, call);
            match (execute_transaction(&self.ctx(), self, &tx), expect) {
                (Ok(effects), None) => {
                    if proposing {
                        self.proposals
                            .push(proposal_id(HashAlgorithm::Sha256, &tx.id, 0));
                    }
                    self.apply(effects);
                }
                (Err(e), Some(code)) => assert_eq!(e.code(), code, "{desc}: {e}"),
                (Ok(_), Some(code)) => panic!("{desc}: expected {code}, it succeeded"),
                (Err(e), None) => panic!("{desc}: unexpected {e}"),
            }
            // Each step is a block of its own.
            self.height += 1;
        }
    }

    /// Runs one call as its own block; on success applies it (remembering a proposal's id), on
    /// failure checks that the state did not change and answers `code: message`.
    pub fn call(&mut self, signer: u8, call: Call) -> Result<(), String> {
        check_call(&call).map_err(|e| format!("{}: {e}", e.code()))?;
        let proposing = call.contract == "governance" && call.method == "propose";
        let tx = self.tx(signer, call);
        let before = self.state.clone();
        let result = execute_transaction(&self.ctx(), self, &tx);
        self.height += 1;
        match result {
            Ok(effects) => {
                if proposing {
                    self.proposals
                        .push(proposal_id(HashAlgorithm::Sha256, &tx.id, 0));
                }
                self.apply(effects);
                Ok(())
            }
            Err(e) => {
                assert_eq!(self.state, before, "a refusal changes nothing");
                Err(format!("{}: {e}", e.code()))
            }
        }
    }

    pub fn proposal(&self, n: usize) -> Proposal {
        let bytes = self.get(&proposal_key(&self.proposals[n])).expect("stored");
        serde_json::from_slice(&bytes).unwrap()
    }

    pub fn kinds(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.kind.as_str()).collect()
    }
}

pub fn governance(method: &str, args: serde_json::Value) -> Call {
    Call {
        contract: "governance".into(),
        method: method.into(),
        args,
    }
}

pub fn propose(action: GovernanceAction) -> Do {
    Do::Propose(Box::new(action))
}

pub fn add_member(seed: u8, roles: Vec<Role>) -> Do {
    propose(GovernanceAction::AddMember {
        member: member(seed, roles),
    })
}
