//! Unit tests of the consensus state: built from a certificate, it verifies; every altered part
//! is refused with the reason.

use super::*;
use crate::block::{Validator, VoteKind};
use crate::{CryptoSuite, SecretKey, VoteContent};

const CHAIN: &str = "shanghai";

struct Height {
    keys: Vec<SecretKey>,
    set: ValidatorSet,
    genesis_hash: Hash,
    alg: HashAlgorithm,
    header: BlockHeader,
    hash: Hash,
}

fn height(suite: CryptoSuite) -> Height {
    let keys: Vec<SecretKey> = (0..4u8)
        .map(|i| SecretKey::from_seed(suite, &[0x40 + i; 32]).unwrap())
        .collect();
    let set = ValidatorSet {
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}"),
                public_key: k.public_key(),
                power: 10,
            })
            .collect(),
    };
    let alg = suite.hash_algorithm();
    let genesis_hash = alg.digest(b"a genesis");
    let set_hash = set.hash(alg, CHAIN, &genesis_hash);
    let header = BlockHeader {
        chain_id: CHAIN.into(),
        height: 7,
        time: 1_767_225_607_000,
        previous_hash: alg.digest(b"block 6"),
        transaction_root: alg.digest(b"transactions"),
        event_root: alg.digest(b"events"),
        object_root: alg.digest(b""),
        state_root: alg.digest(b"state"),
        evidence_log_root: alg.digest(b"log"),
        evidence_log_size: 3,
        validator_set_hash: set_hash,
        next_validator_set_hash: set_hash,
        proposer: keys[3].public_key(),
        transaction_count: 2,
    };
    let hash = header.hash(alg, &genesis_hash);
    Height {
        keys,
        set,
        genesis_hash,
        alg,
        header,
        hash,
    }
}

impl Height {
    fn chain(&self) -> ChainBinding<'_> {
        ChainBinding {
            chain_id: CHAIN,
            genesis_hash: &self.genesis_hash,
            hash_algorithm: self.alg,
        }
    }

    /// A round-2 certificate signed by the validators at `signers`.
    fn certificate(&self, signers: &[usize]) -> CommitCertificate {
        let mut cert = CommitCertificate {
            height: 7,
            round: 2,
            block_hash: self.hash,
            signatures: Vec::new(),
        };
        let bytes = cert.vote().signing_bytes(CHAIN, &self.genesis_hash);
        cert.signatures = signers
            .iter()
            .map(|i| CommitSignature {
                validator: self.keys[*i].public_key(),
                signature: self.keys[*i].sign(&bytes),
            })
            .collect();
        cert
    }

    fn state(&self, signers: &[usize]) -> ConsensusState {
        ConsensusState::build(
            &self.header,
            self.hash,
            &self.certificate(signers),
            &self.set,
            self.alg,
            &self.genesis_hash,
        )
        .unwrap()
    }

    fn refused(&self, state: &ConsensusState) -> String {
        state
            .verify(&self.set, &self.chain())
            .expect_err("an altered state must be refused")
            .to_string()
    }
}

#[test]
fn built_state_verifies_in_both_suites_and_survives_json() {
    for suite in [CryptoSuite::Ed25519, CryptoSuite::Sm] {
        let h = height(suite);
        let state = h.state(&[2, 0, 1]);
        state.verify(&h.set, &h.chain()).unwrap();
        assert_eq!(state.round, 2);
        assert_eq!(state.state_root, h.header.state_root);
        assert_eq!(state.transaction_root, h.header.transaction_root);
        assert_eq!(state.validator_set_hash, h.header.validator_set_hash);
        let voted: Vec<bool> = state.votes.iter().map(|v| v.voted).collect();
        assert_eq!(voted, [true, true, true, false]);
        assert_eq!(state.votes[3].signature, None);
        // The certificate comes back in set order, whatever order it was signed in.
        let signers: Vec<PublicKey> = state
            .certificate()
            .signatures
            .into_iter()
            .map(|s| s.validator)
            .collect();
        assert_eq!(signers, [0, 1, 2].map(|i| h.keys[i].public_key()));
        let precommit = VoteContent {
            kind: VoteKind::Precommit,
            height: 7,
            round: 2,
            block_hash: Some(h.hash),
        };
        assert_eq!(
            state.signed_data,
            precommit.signing_bytes(CHAIN, &h.genesis_hash)
        );
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["signed_data"], hex::encode(&state.signed_data));
        assert_eq!(json["votes"][3]["signature"], serde_json::Value::Null);
        let back: ConsensusState = serde_json::from_value(json).unwrap();
        assert_eq!(back, state);
        back.verify(&h.set, &h.chain()).unwrap();
    }
}

#[test]
fn two_of_four_is_not_enough() {
    let h = height(CryptoSuite::Ed25519);
    let state = h.state(&[0, 1]);
    assert!(h.refused(&state).contains("20 of 40 voting power"));
}

#[test]
fn every_altered_part_is_refused() {
    let h = height(CryptoSuite::Ed25519);
    let good = h.state(&[0, 1, 2]);
    let other = h.alg.digest(b"other");
    type Alter = fn(&mut ConsensusState, Hash);
    let cases: [(&str, Alter, &str); 10] = [
        ("format", |s, _| s.format = "x".into(), "format"),
        ("chain", |s, _| s.chain_id = "beijing".into(), "not chain"),
        ("header", |s, o| s.header.event_root = o, "header hashes to"),
        ("state root", |s, o| s.state_root = o, "state_root"),
        ("set hash", |s, o| s.validator_set_hash = o, "validator set"),
        (
            "set",
            |s, _| s.validators.validators[0].power = 11,
            "validator set",
        ),
        ("signed data", |s, _| s.signed_data.push(0), "signed_data"),
        ("order", |s, _| s.votes.swap(0, 1), "set order"),
        ("voted flag", |s, _| s.votes[3].voted = true, "voted = true"),
        (
            "signature",
            |s, _| s.votes[0].signature.as_mut().unwrap().0[5] ^= 1,
            "does not verify",
        ),
    ];
    for (what, alter, reason) in cases {
        let mut state = good.clone();
        alter(&mut state, other);
        let message = h.refused(&state);
        assert!(message.contains(reason), "{what}: {message}");
    }
    // A signature moved onto a validator that did not vote does not verify as its signature.
    let mut moved = good.clone();
    moved.votes[3] = ValidatorVote {
        validator: moved.votes[3].validator.clone(),
        voted: true,
        signature: moved.votes[0].signature,
    };
    assert!(h.refused(&moved).contains("does not verify"));
    // Another trusted set (as after a validator-set change) refuses the state.
    let mut changed = h.set.clone();
    changed.validators.pop();
    let message = good.verify(&changed, &h.chain()).unwrap_err().to_string();
    assert!(message.contains("validator set"), "{message}");
}

#[test]
fn build_refuses_parts_that_do_not_belong_together() {
    let h = height(CryptoSuite::Ed25519);
    let mut cert = h.certificate(&[0, 1, 2]);
    cert.block_hash = h.alg.digest(b"another block");
    let err = ConsensusState::build(&h.header, h.hash, &cert, &h.set, h.alg, &h.genesis_hash)
        .unwrap_err();
    assert!(err.to_string().contains("not block"), "{err}");
    let mut smaller = h.set.clone();
    smaller.validators.truncate(2);
    let err = ConsensusState::build(
        &h.header,
        h.hash,
        &h.certificate(&[0, 1, 2]),
        &smaller,
        h.alg,
        &h.genesis_hash,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("not in the validator set"),
        "{err}"
    );
}
