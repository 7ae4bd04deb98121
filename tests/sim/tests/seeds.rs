//! The simulator as CI runs it: a thousand seeds under every fault, plus targeted runs (one
//! validator, equivocation by f validators, restarts from the signing record) and a check that
//! the safety checks catch a validator that forgets its signing record.

use zl_consensus::{Consensus, Input, Output, Timeout, TimeoutStep, Timeouts};
use zl_sim::{run_seed, Options, Report};
use zl_types::{
    CryptoSuite, Hash, ProposalContent, SecretKey, SignedProposal, SignedVote, Validator,
    ValidatorSet, VoteContent, VoteKind,
};

/// Seeds CI runs.
const CI_SEEDS: u64 = 1_000;

fn run_all(seeds: std::ops::Range<u64>, options: &Options) -> Vec<Report> {
    seeds
        .map(|seed| run_seed(seed, options).unwrap_or_else(|failure| panic!("{failure}")))
        .collect()
}

fn sum(reports: &[Report], field: impl Fn(&Report) -> u64) -> u64 {
    reports.iter().map(field).sum()
}

#[test]
fn a_thousand_seeds_stay_safe_and_live_under_every_fault() {
    let reports = run_all(0..CI_SEEDS, &Options::default());
    // Every size of network ran, and every kind of fault was really injected.
    for n in 1..=7 {
        assert!(
            reports.iter().any(|r| r.validators == n),
            "no run with N={n}"
        );
    }
    assert!(
        reports.iter().any(|r| r.byzantine == 2),
        "no run with two equivocators"
    );
    assert!(sum(&reports, |r| r.messages_lost) > 10_000);
    assert!(sum(&reports, |r| r.messages_duplicated) > 10_000);
    assert!(sum(&reports, |r| r.messages_partitioned) > 10_000);
    assert!(sum(&reports, |r| r.partitions) > 500);
    assert!(sum(&reports, |r| r.crashes) > 1_000);
    assert!(sum(&reports, |r| r.crashes_mid_event) > 50);
    assert!(sum(&reports, |r| r.resumed) > 500);
    assert!(sum(&reports, |r| r.equivocations) > 1_000);
    assert!(sum(&reports, |r| r.evidence) > 1_000);
    assert!(sum(&reports, |r| r.synced) > 1_000);
    // Liveness: every honest validator got past the fault phase's heights.
    let defaults = Options::default();
    for r in &reports {
        assert!(
            r.height >= defaults.liveness_heights,
            "seed {}: {r:?}",
            r.seed
        );
    }
}

#[test]
fn a_run_is_a_pure_function_of_its_seed() {
    for seed in [3, 77, 1_234] {
        let a = run_seed(seed, &Options::default()).unwrap();
        let b = run_seed(seed, &Options::default()).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}

#[test]
fn a_single_validator_commits() {
    let options = Options {
        validators: Some(1),
        ..Options::default()
    };
    for r in run_all(0..50, &options) {
        assert_eq!(r.validators, 1);
        // It reaches the fault phase's height and the liveness heights after it.
        assert!(
            r.height >= options.fault_heights + options.liveness_heights,
            "{r:?}"
        );
        assert!(r.commits >= r.height);
    }
}

#[test]
fn equivocation_by_f_validators_is_reported_and_tolerated() {
    for (validators, byzantine) in [(4, 1), (7, 2)] {
        let options = Options {
            validators: Some(validators),
            byzantine: Some(byzantine),
            equal_power: true,
            equivocation: Some(1.0),
            network_faults: false,
            crashes: false,
            ..Options::default()
        };
        for r in run_all(0..20, &options) {
            assert_eq!(r.byzantine, byzantine, "{r:?}");
            assert!(r.equivocations > 0, "{r:?}");
            // Every evidence was verified and named a Byzantine validator (else the run fails).
            assert!(r.evidence > 0, "no double vote reported: {r:?}");
            assert!(r.height >= options.fault_heights, "{r:?}");
        }
    }
}

#[test]
fn validators_restarted_from_their_signing_record_never_sign_a_conflicting_message() {
    // Crash often, also between writing the signing record and sending what was signed; the
    // checker holds every signature honest validators ever made, across lives.
    let options = Options {
        crash_probability: Some(0.6),
        crash_mid_event_probability: Some(0.02),
        ..Options::default()
    };
    let reports = run_all(0..100, &options);
    let mid_event = sum(&reports, |r| r.crashes_mid_event);
    let resumed = sum(&reports, |r| r.resumed);
    eprintln!("{mid_event} crashes in the middle of an event, {resumed} resumed heights");
    assert!(
        mid_event > 100,
        "only {mid_event} crashes in the middle of an event"
    );
    assert!(resumed > 500, "only {resumed} restarts resumed a height");
}

#[test]
fn forgetting_the_signing_record_is_caught_as_double_signing() {
    let options = Options {
        forget_signer_state: true,
        crash_probability: Some(0.6),
        crash_mid_event_probability: Some(0.02),
        trace_tail: 0,
        ..Options::default()
    };
    let caught = (0..100)
        .filter_map(|seed| run_seed(seed, &options).err())
        .filter(|f| {
            f.message.contains("signed two different messages")
                || f.message.contains("against HONEST")
        })
        .count();
    eprintln!("{caught} of 100 runs caught the double signing");
    assert!(
        caught > 30,
        "only {caught} of 100 runs caught the double signing"
    );
}

fn validator_keys() -> (Vec<SecretKey>, ValidatorSet) {
    let keys: Vec<SecretKey> = (0..4)
        .map(|i| SecretKey::from_seed(CryptoSuite::Ed25519, &[i + 1; 32]).unwrap())
        .collect();
    let validators = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Validator {
            name: format!("v{i}"),
            public_key: k.public_key(),
            power: 1,
        })
        .collect();
    (keys, ValidatorSet { validators })
}

fn signed_votes(outputs: &[Output]) -> Vec<VoteContent> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::SignVote { vote, .. } => Some(vote.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_restarted_validator_resumes_its_lock_and_refuses_to_sign_against_it() {
    let (keys, set) = validator_keys();
    let me = keys[1].public_key();
    let start = Input::StartHeight {
        height: 1,
        validators: set.clone(),
    };
    let mut c = Consensus::new(me.clone(), Timeouts::default(), None);
    c.process(start.clone()).unwrap();
    let proposer = |round: u64| {
        let key = c_proposer(&set, round);
        keys.iter().find(|k| k.public_key() == key).unwrap().clone()
    };
    let v = Hash([7; 32]);
    let mut outputs = Vec::new();
    outputs.extend(c.process(proposal(&proposer(0), 0, v)).unwrap());
    outputs.extend(c.process(validated(v)).unwrap());
    for key in &keys {
        outputs.extend(c.process(vote(key, VoteKind::Prevote, 0, Some(v))).unwrap());
    }
    // It prevoted and precommitted v in round 0, locked on it.
    let votes = signed_votes(&outputs);
    assert_eq!(votes.len(), 2);
    assert_eq!(votes[1].kind, VoteKind::Precommit);
    assert_eq!(votes[1].block_hash, Some(v));
    let record = c.signer_state().unwrap().clone();
    assert_eq!(record.locked.map(|l| l.block_hash), Some(v));

    // Crash; restart from the record only.
    let mut c = Consensus::new(me, Timeouts::default(), Some(record));
    let resumed = signed_votes(&c.process(start).unwrap());
    assert_eq!(
        resumed,
        vec![votes[1].clone()],
        "it re-signs exactly its last vote"
    );
    // A precommit-nil timeout path and a new round with another block: it must stay locked.
    let timeout = Timeout {
        height: 1,
        round: 0,
        step: TimeoutStep::Precommit,
    };
    let mut later = c.process(Input::TimeoutElapsed(timeout)).unwrap();
    let w = Hash([8; 32]);
    later.extend(c.process(proposal(&proposer(1), 1, w)).unwrap());
    later.extend(c.process(validated(w)).unwrap());
    for vote in signed_votes(&later) {
        assert_ne!(
            vote.block_hash,
            Some(w),
            "voted for another block while locked: {vote:?}"
        );
        assert!(vote.round >= 1, "signed again in round 0: {vote:?}");
    }
}

fn c_proposer(set: &ValidatorSet, round: u64) -> zl_types::PublicKey {
    zl_consensus::ProposerSchedule::new(set)
        .proposer(1, round)
        .clone()
}

fn proposal(key: &SecretKey, round: u64, value: Hash) -> Input {
    let proposal = ProposalContent {
        height: 1,
        round,
        block_hash: value,
        pol_round: None,
    };
    let signature = key.sign(&proposal.signing_bytes("t", &Hash::ZERO));
    Input::Proposal(SignedProposal {
        proposer: key.public_key(),
        proposal,
        signature,
    })
}

fn validated(value: Hash) -> Input {
    Input::ProposalValidated {
        height: 1,
        block_hash: value,
        valid: true,
    }
}

fn vote(key: &SecretKey, kind: VoteKind, round: u64, value: Option<Hash>) -> Input {
    let vote = VoteContent {
        kind,
        height: 1,
        round,
        block_hash: value,
    };
    let signature = key.sign(&vote.signing_bytes("t", &Hash::ZERO));
    Input::Vote(SignedVote {
        validator: key.public_key(),
        vote,
        signature,
    })
}
