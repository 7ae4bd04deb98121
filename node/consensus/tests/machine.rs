//! Table-driven checks of the state machine's rules, one validator's view at a time.

use zl_consensus::{
    Consensus, Input, Output, ProposerSchedule, SignedStep, SignerState, Step, Timeout,
    TimeoutStep, Timeouts,
};
use zl_types::{
    CryptoSuite, Hash, ProposalContent, SecretKey, SignedProposal, SignedVote, Validator,
    ValidatorSet, VoteContent, VoteKind,
};

const CHAIN: &str = "test";

fn keys(n: usize) -> Vec<SecretKey> {
    (0..n)
        .map(|i| SecretKey::from_seed(CryptoSuite::Ed25519, &[i as u8 + 1; 32]).unwrap())
        .collect()
}

fn set(keys: &[SecretKey], powers: &[u64]) -> ValidatorSet {
    ValidatorSet {
        validators: keys
            .iter()
            .zip(powers)
            .enumerate()
            .map(|(i, (k, p))| Validator {
                name: format!("v{i}"),
                public_key: k.public_key(),
                power: *p,
            })
            .collect(),
    }
}

fn vote(key: &SecretKey, kind: VoteKind, round: u64, value: Option<Hash>) -> Input {
    let vote = VoteContent {
        kind,
        height: 1,
        round,
        block_hash: value,
    };
    let signature = key.sign(&vote.signing_bytes(CHAIN, &Hash::ZERO));
    Input::Vote(SignedVote {
        validator: key.public_key(),
        vote,
        signature,
    })
}

fn proposal(key: &SecretKey, round: u64, value: Hash, pol_round: Option<u64>) -> Input {
    let proposal = ProposalContent {
        height: 1,
        round,
        block_hash: value,
        pol_round,
    };
    let signature = key.sign(&proposal.signing_bytes(CHAIN, &Hash::ZERO));
    Input::Proposal(SignedProposal {
        proposer: key.public_key(),
        proposal,
        signature,
    })
}

fn votes_signed(outputs: &[Output]) -> Vec<(VoteKind, u64, Option<Hash>)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::SignVote { vote, .. } => Some((vote.kind, vote.round, vote.block_hash)),
            _ => None,
        })
        .collect()
}

/// A 4-validator height seen by validator `me`, started; returns the machine and the proposer
/// index of round 0 and 1.
fn started(me: usize) -> (Consensus, Vec<SecretKey>, ValidatorSet) {
    let keys = keys(4);
    let set = set(&keys, &[1, 1, 1, 1]);
    let mut c = Consensus::new(keys[me].public_key(), Timeouts::default(), None);
    c.process(Input::StartHeight {
        height: 1,
        validators: set.clone(),
    })
    .unwrap();
    (c, keys, set)
}

/// Like [`started`], for a validator that does not propose round 0.
fn started_not_proposer() -> (Consensus, Vec<SecretKey>, ValidatorSet) {
    let keys = keys(4);
    let set = set(&keys, &[1, 1, 1, 1]);
    started((proposer_index(&set, 0) + 1) % 4)
}

fn proposer_index(set: &ValidatorSet, round: u64) -> usize {
    let schedule = ProposerSchedule::new(set);
    let key = schedule.proposer(1, round);
    set.validators
        .iter()
        .position(|v| &v.public_key == key)
        .unwrap()
}

#[test]
fn happy_path_prevotes_precommits_and_commits() {
    let (mut c, keys, set) = started_not_proposer();
    let p = proposer_index(&set, 0);
    let v = Hash([7; 32]);
    assert!(c
        .process(proposal(&keys[p], 0, v, None))
        .unwrap()
        .is_empty());
    let out = c
        .process(Input::ProposalValidated {
            height: 1,
            block_hash: v,
            valid: true,
        })
        .unwrap();
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Prevote, 0, Some(v))],
        "line 22"
    );
    let mut out = Vec::new();
    for k in keys.iter().take(3) {
        out.extend(c.process(vote(k, VoteKind::Prevote, 0, Some(v))).unwrap());
    }
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Precommit, 0, Some(v))],
        "line 36"
    );
    assert_eq!(c.locked().map(|l| l.block_hash), Some(v));
    let mut out = Vec::new();
    for k in keys.iter().take(3) {
        out.extend(c.process(vote(k, VoteKind::Precommit, 0, Some(v))).unwrap());
    }
    let cert = out.iter().find_map(|o| match o {
        Output::Commit { certificate } => Some(certificate.clone()),
        _ => None,
    });
    let cert = cert.expect("line 49 commits");
    assert_eq!(cert.block_hash, v);
    cert.verify(&set, CHAIN, &Hash::ZERO).unwrap();
    assert_eq!(c.step(), Step::Committed);
}

#[test]
fn invalid_or_locked_elsewhere_prevotes_nil() {
    let cases = [("invalid block", false), ("valid block", true)];
    for (name, valid) in cases {
        let (mut c, keys, set) = started(0);
        let p = proposer_index(&set, 0);
        let v = Hash([9; 32]);
        c.process(proposal(&keys[p], 0, v, None)).unwrap();
        let out = c
            .process(Input::ProposalValidated {
                height: 1,
                block_hash: v,
                valid,
            })
            .unwrap();
        let expected = if valid { Some(v) } else { None };
        assert_eq!(
            votes_signed(&out),
            vec![(VoteKind::Prevote, 0, expected)],
            "{name}"
        );
    }
}

#[test]
fn propose_timeout_prevotes_nil_and_nil_quorum_precommits_nil() {
    let (mut c, keys, _) = started_not_proposer();
    let out = c
        .process(Input::TimeoutElapsed(Timeout {
            height: 1,
            round: 0,
            step: TimeoutStep::Propose,
        }))
        .unwrap();
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Prevote, 0, None)],
        "line 57"
    );
    let mut out = Vec::new();
    for k in keys.iter().take(3) {
        out.extend(c.process(vote(k, VoteKind::Prevote, 0, None)).unwrap());
    }
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Precommit, 0, None)],
        "line 44"
    );
    let mut out = Vec::new();
    for k in keys.iter().take(3) {
        out.extend(c.process(vote(k, VoteKind::Precommit, 0, None)).unwrap());
    }
    assert!(out.iter().any(|o| matches!(o, Output::ScheduleTimeout { timeout, .. } if timeout.step == TimeoutStep::Precommit)), "line 47");
    c.process(Input::TimeoutElapsed(Timeout {
        height: 1,
        round: 0,
        step: TimeoutStep::Precommit,
    }))
    .unwrap();
    assert_eq!(c.round(), 1, "line 65 starts the next round");
}

#[test]
fn a_propose_timeout_during_the_check_of_an_arrived_proposal_waits_for_the_verdict() {
    // (proposal's pol round, verdict) -> the prevote signed when the verdict arrives.
    let table: [(Option<u64>, bool, Option<Hash>); 3] = [
        (None, true, Some(Hash([7; 32]))),
        (None, false, None),
        // A proof-of-lock round whose prevotes this validator never saw: line 28 cannot fire.
        (Some(0), true, None),
    ];
    for (pol_round, valid, expected) in table {
        let (mut c, keys, set) = started_not_proposer();
        let round = if pol_round.is_some() { 1 } else { 0 };
        if round == 1 {
            c.process(Input::TimeoutElapsed(Timeout {
                height: 1,
                round: 0,
                step: TimeoutStep::Propose,
            }))
            .unwrap();
            for k in keys.iter().take(3) {
                c.process(vote(k, VoteKind::Precommit, 0, None)).unwrap();
            }
            c.process(Input::TimeoutElapsed(Timeout {
                height: 1,
                round: 0,
                step: TimeoutStep::Precommit,
            }))
            .unwrap();
            assert_eq!(c.round(), 1);
        }
        let v = Hash([7; 32]);
        let p = proposer_index(&set, round);
        c.process(proposal(&keys[p], round, v, pol_round)).unwrap();
        let out = c
            .process(Input::TimeoutElapsed(Timeout {
                height: 1,
                round,
                step: TimeoutStep::Propose,
            }))
            .unwrap();
        assert!(votes_signed(&out).is_empty(), "no prevote while checking");
        assert!(
            out.iter().any(|o| matches!(o, Output::ScheduleTimeout { timeout, .. } if timeout.step == TimeoutStep::Propose)),
            "the wait is bounded by one more propose timeout"
        );
        assert_eq!(c.step(), Step::Propose);
        let out = c
            .process(Input::ProposalValidated {
                height: 1,
                block_hash: v,
                valid,
            })
            .unwrap();
        assert_eq!(
            votes_signed(&out),
            vec![(VoteKind::Prevote, round, expected)],
            "pol {pol_round:?}, valid {valid}"
        );
    }
}

#[test]
fn a_check_that_outlasts_a_second_propose_timeout_prevotes_nil() {
    let (mut c, keys, set) = started_not_proposer();
    let p = proposer_index(&set, 0);
    c.process(proposal(&keys[p], 0, Hash([7; 32]), None))
        .unwrap();
    let elapsed = Input::TimeoutElapsed(Timeout {
        height: 1,
        round: 0,
        step: TimeoutStep::Propose,
    });
    assert!(votes_signed(&c.process(elapsed.clone()).unwrap()).is_empty());
    assert_eq!(
        votes_signed(&c.process(elapsed).unwrap()),
        vec![(VoteKind::Prevote, 0, None)],
        "line 57 after the bounded wait"
    );
    // A verdict that arrives later changes nothing: the prevote is cast.
    let late = c
        .process(Input::ProposalValidated {
            height: 1,
            block_hash: Hash([7; 32]),
            valid: true,
        })
        .unwrap();
    assert!(votes_signed(&late).is_empty());
}

#[test]
fn a_locked_validator_refuses_another_value_without_a_newer_lock() {
    let (mut c, keys, set) = started(0);
    let (p0, p1) = (proposer_index(&set, 0), proposer_index(&set, 1));
    let (v, w) = (Hash([1; 32]), Hash([2; 32]));
    c.process(proposal(&keys[p0], 0, v, None)).unwrap();
    c.process(Input::ProposalValidated {
        height: 1,
        block_hash: v,
        valid: true,
    })
    .unwrap();
    for k in keys.iter().take(3) {
        c.process(vote(k, VoteKind::Prevote, 0, Some(v))).unwrap();
    }
    assert_eq!(c.locked().map(|l| (l.round, l.block_hash)), Some((0, v)));
    // Round 0 ends without a decision.
    for k in keys.iter().skip(1) {
        c.process(vote(k, VoteKind::Precommit, 0, None)).unwrap();
    }
    c.process(Input::TimeoutElapsed(Timeout {
        height: 1,
        round: 0,
        step: TimeoutStep::Precommit,
    }))
    .unwrap();
    assert_eq!(c.round(), 1);
    c.process(Input::ProposalValidated {
        height: 1,
        block_hash: w,
        valid: true,
    })
    .unwrap();
    let out = c.process(proposal(&keys[p1], 1, w, None)).unwrap();
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Prevote, 1, None)],
        "line 22: locked on v"
    );
}

#[test]
fn the_signing_record_forbids_a_conflicting_vote_after_restart() {
    let keys = keys(4);
    let set = set(&keys, &[1, 1, 1, 1]);
    let v = Hash([5; 32]);
    let record = SignerState {
        height: 1,
        round: 0,
        step: SignedStep::Prevote,
        block_hash: Some(v),
        locked: None,
        valid: None,
    };
    assert!(
        record.permits(1, 0, SignedStep::Prevote, Some(v)),
        "the same vote again"
    );
    assert!(
        !record.permits(1, 0, SignedStep::Prevote, None),
        "a different prevote"
    );
    assert!(
        !record.permits(1, 0, SignedStep::Propose, Some(v)),
        "an earlier step"
    );
    assert!(
        record.permits(1, 0, SignedStep::Precommit, None),
        "a later step"
    );
    let mut c = Consensus::new(keys[0].public_key(), Timeouts::default(), Some(record));
    let out = c
        .process(Input::StartHeight {
            height: 1,
            validators: set,
        })
        .unwrap();
    assert_eq!(
        votes_signed(&out),
        vec![(VoteKind::Prevote, 0, Some(v))],
        "resends its prevote"
    );
    let out = c
        .process(Input::TimeoutElapsed(Timeout {
            height: 1,
            round: 0,
            step: TimeoutStep::Propose,
        }))
        .unwrap();
    assert!(
        votes_signed(&out).is_empty(),
        "no nil prevote after the restored one"
    );
}

#[test]
fn a_double_vote_is_reported_once() {
    let (mut c, keys, _) = started(0);
    let (v, w) = (Hash([1; 32]), Hash([2; 32]));
    assert!(c
        .process(vote(&keys[3], VoteKind::Prevote, 0, Some(v)))
        .unwrap()
        .is_empty());
    let out = c
        .process(vote(&keys[3], VoteKind::Prevote, 0, Some(w)))
        .unwrap();
    let evidence = out.iter().find_map(|o| match o {
        Output::Misbehaviour(e) => Some((**e).clone()),
        _ => None,
    });
    evidence
        .expect("reported")
        .verify(CHAIN, &Hash::ZERO)
        .unwrap();
    let again = c
        .process(vote(&keys[3], VoteKind::Prevote, 0, Some(w)))
        .unwrap();
    assert!(
        again.iter().all(|o| !matches!(o, Output::Misbehaviour(_))),
        "reported once"
    );
}

#[test]
fn a_full_node_follows_but_never_signs() {
    let keys = keys(5);
    let set = set(&keys[..4], &[1, 1, 1, 1]);
    let mut c = Consensus::new(keys[4].public_key(), Timeouts::default(), None);
    let mut out = c
        .process(Input::StartHeight {
            height: 1,
            validators: set,
        })
        .unwrap();
    out.extend(
        c.process(Input::TimeoutElapsed(Timeout {
            height: 1,
            round: 0,
            step: TimeoutStep::Propose,
        }))
        .unwrap(),
    );
    assert!(votes_signed(&out).is_empty());
    assert!(!out
        .iter()
        .any(|o| matches!(o, Output::BuildProposal { .. })));
}

#[test]
fn f_plus_one_messages_of_a_later_round_skip_to_it() {
    let (mut c, keys, _) = started(0);
    c.process(vote(&keys[1], VoteKind::Prevote, 5, None))
        .unwrap();
    assert_eq!(c.round(), 0, "one validator is not enough");
    c.process(vote(&keys[2], VoteKind::Prevote, 5, None))
        .unwrap();
    assert_eq!(c.round(), 5, "line 55");
}

#[test]
fn the_weighted_schedule_gives_each_validator_its_power_share_spread_out() {
    let keys = keys(3);
    let set = set(&keys, &[3, 2, 1]);
    let schedule = ProposerSchedule::new(&set);
    let order: Vec<usize> = (0..6)
        .map(|h| {
            let key = schedule.proposer(h, 0);
            set.validators
                .iter()
                .position(|v| &v.public_key == key)
                .unwrap()
        })
        .collect();
    assert_eq!(
        order,
        vec![0, 1, 0, 2, 1, 0],
        "smooth weighted round robin over 6 slots"
    );
    assert_eq!(
        schedule.proposer(7, 0),
        schedule.proposer(1, 0),
        "period = total power"
    );
    assert_eq!(
        schedule.proposer(2, 1),
        schedule.proposer(3, 0),
        "rounds move to the next slot"
    );
}

#[test]
fn timeouts_grow_per_round_and_stop_growing() {
    let t = Timeouts::default();
    assert_eq!(t.duration_ms(TimeoutStep::Propose, 0), 1_000);
    assert_eq!(t.duration_ms(TimeoutStep::Propose, 2), 2_000);
    assert_eq!(
        t.duration_ms(TimeoutStep::Prevote, 1_000_000),
        500 + 250 * 64
    );
}
