//! Table-driven steps of the single-validator path: propose, prevote, precommit, commit.

use zl_consensus::{Consensus, Input, Output, Step};
use zl_types::{CryptoSuite, Hash, SecretKey, Validator, ValidatorSet, VoteContent, VoteKind};

const CHAIN: &str = "dev";

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Ed25519, &[seed; 32]).unwrap()
}

fn set(keys: &[&SecretKey]) -> ValidatorSet {
    ValidatorSet {
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}"),
                public_key: k.public_key(),
                power: 1,
            })
            .collect(),
    }
}

fn vote_input(key: &SecretKey, vote: VoteContent) -> Input {
    let signature = key.sign(&vote.signing_bytes(CHAIN, &Hash::ZERO));
    Input::Vote {
        validator: key.public_key(),
        vote,
        signature,
    }
}

/// Feeds every `SignVote` output back as a vote of `key`, as the shell does, until quiet.
fn run(consensus: &mut Consensus, key: &SecretKey, input: Input) -> Vec<Output> {
    let mut pending = vec![input];
    let mut all = Vec::new();
    while let Some(next) = pending.pop() {
        for output in consensus.process(next).unwrap() {
            if let Output::SignVote(vote) = &output {
                pending.push(vote_input(key, vote.clone()));
            }
            all.push(output);
        }
    }
    all
}

#[test]
fn one_validator_commits_each_height_with_a_valid_certificate() {
    let me = key(1);
    let validators = set(&[&me]);
    let mut consensus = Consensus::new(validators.clone(), me.public_key());
    for height in 1..=3u64 {
        let started = consensus.process(Input::StartHeight { height }).unwrap();
        assert_eq!(started, vec![Output::BuildProposal { height, round: 0 }]);
        let block_hash = Hash([height as u8; 32]);
        let outputs = run(
            &mut consensus,
            &me,
            Input::ProposalBuilt {
                height,
                round: 0,
                block_hash,
            },
        );
        let kinds: Vec<&str> = outputs
            .iter()
            .map(|o| match o {
                Output::SignVote(v) if v.kind == VoteKind::Prevote => "prevote",
                Output::SignVote(_) => "precommit",
                Output::Commit { .. } => "commit",
                Output::BuildProposal { .. } => "propose",
            })
            .collect();
        assert_eq!(kinds, ["prevote", "precommit", "commit"]);
        let Some(Output::Commit { certificate }) = outputs.last() else {
            panic!("no commit")
        };
        assert_eq!(
            (certificate.height, certificate.block_hash),
            (height, block_hash)
        );
        certificate.verify(&validators, CHAIN, &Hash::ZERO).unwrap();
        assert_eq!(consensus.step(), Step::Committed);
    }
}

#[test]
fn refuses_foreign_votes_other_heights_and_foreign_proposals() {
    let me = key(1);
    let stranger = key(9);
    let mut consensus = Consensus::new(set(&[&me]), me.public_key());
    consensus.process(Input::StartHeight { height: 5 }).unwrap();
    let vote = VoteContent {
        kind: VoteKind::Prevote,
        height: 5,
        round: 0,
        block_hash: Some(Hash::ZERO),
    };
    assert!(consensus
        .process(vote_input(&stranger, vote.clone()))
        .is_err());
    let wrong_height = VoteContent { height: 4, ..vote };
    assert!(consensus.process(vote_input(&me, wrong_height)).is_err());
    let built = Input::ProposalBuilt {
        height: 6,
        round: 0,
        block_hash: Hash::ZERO,
    };
    assert!(consensus.process(built).is_err());
}

#[test]
fn four_validators_need_three_precommits() {
    let keys: Vec<SecretKey> = (1..=4).map(key).collect();
    let refs: Vec<&SecretKey> = keys.iter().collect();
    let validators = set(&refs);
    let mut consensus = Consensus::new(validators.clone(), keys[0].public_key());
    consensus.process(Input::StartHeight { height: 3 }).unwrap();
    // Height 3, round 0: validator index 3 proposes, so validator 0 only votes.
    let block_hash = Hash([7; 32]);
    let precommit = VoteContent {
        kind: VoteKind::Precommit,
        height: 3,
        round: 0,
        block_hash: Some(block_hash),
    };
    for (i, k) in keys.iter().enumerate().take(3) {
        let outputs = consensus.process(vote_input(k, precommit.clone())).unwrap();
        assert_eq!(
            outputs.is_empty(),
            i < 2,
            "commit only at the third precommit"
        );
    }
    // A repeated vote is not counted twice.
    let mut again = Consensus::new(validators, keys[0].public_key());
    again.process(Input::StartHeight { height: 3 }).unwrap();
    for _ in 0..3 {
        assert!(again
            .process(vote_input(&keys[1], precommit.clone()))
            .unwrap()
            .is_empty());
    }
}
