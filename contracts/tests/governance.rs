//! Table-driven tests of the governance contract over an in-memory state that keeps members,
//! proposals and validator sets the way the ledger does.

mod world;

use serde_json::json;
use world::*;
use zl_contracts::{check_call, execute_transaction, StateView as _};
use zl_types::governance::{GovernanceAction, ProposalStatus, GOVERNANCE_PROPOSAL_TTL_BLOCKS};
use zl_types::{Hash, Role};

#[test]
fn more_than_two_thirds_of_the_governors_pass_a_proposal_and_it_applies_at_once() {
    let mut world = World::committee();
    world.run(vec![
        step(
            "a submitter may not propose",
            SUBMITTER,
            add_member(NEWCOMER, vec![]),
            Some("unauthorized"),
        ),
        step(
            "g0 proposes a new member",
            G0,
            add_member(NEWCOMER, vec![Role::Submitter]),
            None,
        ),
        step("g0 votes again, unchanged", G0, Do::Vote(0, true), None),
        step("g1 approves: 2 of 4", G1, Do::Vote(0, true), None),
        step(
            "a submitter may not vote",
            SUBMITTER,
            Do::Vote(0, true),
            Some("unauthorized"),
        ),
        step("g2 approves: 3 of 4 passes", G2, Do::Vote(0, true), None),
        step(
            "votes are closed once decided",
            G3,
            Do::Vote(0, false),
            Some("conflict"),
        ),
        step(
            "adding a member twice",
            G0,
            add_member(NEWCOMER, vec![]),
            Some("conflict"),
        ),
    ]);
    let proposal = world.proposal(0);
    assert_eq!(proposal.status, ProposalStatus::Passed);
    assert_eq!(proposal.decided_at, Some(6));
    assert_eq!(proposal.votes.len(), 3);
    assert_eq!(
        world.member(&public(NEWCOMER)).unwrap().roles,
        [Role::Submitter]
    );
    assert_eq!(
        world.kinds(),
        ["proposed", "voted", "voted", "voted", "voted", "passed", "applied"]
    );
    let passed = &world.events[5].attributes;
    assert_eq!(
        (passed["approvals"].as_u64(), passed["governors"].as_u64()),
        (Some(3), Some(4))
    );
}

#[test]
fn more_than_a_third_rejects_and_votes_can_change_while_open() {
    let mut world = World::committee();
    let remove = |seed| {
        propose(GovernanceAction::RemoveMember {
            public_key: public(seed),
        })
    };
    world.run(vec![
        step(
            "g0 proposes removing the submitter",
            G0,
            remove(SUBMITTER),
            None,
        ),
        step("g1 approves", G1, Do::Vote(0, true), None),
        step(
            "g1 changes its mind: 1 rejection of 4",
            G1,
            Do::Vote(0, false),
            None,
        ),
        step("g2 rejects: 2 of 4 rejects", G2, Do::Vote(0, false), None),
        step(
            "a rejected proposal takes no votes",
            G3,
            Do::Vote(0, true),
            Some("conflict"),
        ),
        step(
            "an unknown proposal",
            G3,
            Do::VoteId(Hash([5; 32]), true),
            Some("not_found"),
        ),
    ]);
    assert_eq!(world.proposal(0).status, ProposalStatus::Rejected);
    assert!(
        world.member(&public(SUBMITTER)).is_some(),
        "nothing applied"
    );
}

#[test]
fn an_undecided_proposal_expires_after_the_ttl() {
    let mut world = World::committee();
    world.run(vec![
        step("g0 proposes", G0, add_member(NEWCOMER, vec![]), None),
        step(
            "wait out the ttl",
            G0,
            Do::Advance(GOVERNANCE_PROPOSAL_TTL_BLOCKS),
            None,
        ),
        step(
            "a vote after the ttl",
            G1,
            Do::Vote(0, true),
            Some("conflict"),
        ),
    ]);
    let proposal = world.proposal(0);
    assert_eq!(proposal.status, ProposalStatus::Open);
    assert_eq!(proposal.status_at(world.height), ProposalStatus::Expired);
}

#[test]
fn only_governors_at_decision_time_count() {
    let mut world = World::committee();
    let demote = propose(GovernanceAction::SetRoles {
        public_key: public(G3),
        roles: vec![Role::Submitter],
    });
    world.run(vec![
        step(
            "p0: g0 proposes a member",
            G0,
            add_member(NEWCOMER, vec![]),
            None,
        ),
        step("g3 approves p0: 2 of 4", G3, Do::Vote(0, true), None),
        step("p1: g0 proposes demoting g3", G0, demote, None),
        step("g1 approves p1", G1, Do::Vote(1, true), None),
        step(
            "g2 approves p1: passes, 3 governors left",
            G2,
            Do::Vote(1, true),
            None,
        ),
        step(
            "g1 approves p0: g3's vote no longer counts, 2 of 3",
            G1,
            Do::Vote(0, true),
            None,
        ),
    ]);
    assert_eq!(world.proposal(0).status, ProposalStatus::Open);
    world.run(vec![step(
        "g2 approves p0: 3 of 3",
        G2,
        Do::Vote(0, true),
        None,
    )]);
    assert_eq!(world.proposal(0).status, ProposalStatus::Passed);
}

#[test]
fn a_validator_change_decided_at_h_takes_effect_at_h_plus_2_and_keeps_the_set_valid() {
    let mut world = World::committee();
    let set_validator = |seed, power| {
        propose(GovernanceAction::SetValidator {
            validator: validator(seed, power),
        })
    };
    let remove_validator = |seed| {
        propose(GovernanceAction::RemoveValidator {
            public_key: public(seed),
        })
    };
    world.run(vec![
        step(
            "a non-validator member cannot become a validator",
            G0,
            set_validator(SUBMITTER, 1),
            Some("conflict"),
        ),
        step(
            "removing a key not in the set",
            G0,
            remove_validator(CANDIDATE),
            Some("not_found"),
        ),
        step(
            "p0: add the candidate",
            G0,
            set_validator(CANDIDATE, 2),
            None,
        ),
        step("g1 approves p0", G1, Do::Vote(0, true), None),
        step(
            "g2 approves p0: passes at height 5",
            G2,
            Do::Vote(0, true),
            None,
        ),
    ]);
    let proposal = world.proposal(0);
    assert_eq!(
        (proposal.decided_at, proposal.effective_height),
        (Some(5), Some(7))
    );
    assert_eq!(world.validators_at(6), world.genesis_validators);
    assert_eq!(
        world.validators_at(7).validators,
        [validator(VALIDATOR, 1), validator(CANDIDATE, 2)]
    );
    let applied = world.events.last().unwrap();
    assert_eq!(
        (
            applied.kind.as_str(),
            applied.attributes["effective_height"].as_u64()
        ),
        ("applied", Some(7))
    );

    world.run(vec![
        step(
            "a total power over 10,000 is refused at once",
            G0,
            set_validator(CANDIDATE, 10_000),
            Some("conflict"),
        ),
        step(
            "p1: the candidate's power to 5,000",
            G0,
            set_validator(CANDIDATE, 5_000),
            None,
        ),
        step(
            "p2: the validator's power to 6,000",
            G0,
            set_validator(VALIDATOR, 6_000),
            None,
        ),
        step("g1 approves p1", G1, Do::Vote(1, true), None),
        step("g2 approves p1: passes", G2, Do::Vote(1, true), None),
        step("g1 approves p2", G1, Do::Vote(2, true), None),
        step(
            "g2's approval would pass p2 at 11,000 power: refused",
            G2,
            Do::Vote(2, true),
            Some("conflict"),
        ),
        step("g2 rejects p2 instead", G2, Do::Vote(2, false), None),
        step("g3 rejects p2: rejected", G3, Do::Vote(2, false), None),
        step(
            "a validator keeps its role",
            G0,
            propose(GovernanceAction::SetRoles {
                public_key: public(CANDIDATE),
                roles: vec![],
            }),
            Some("conflict"),
        ),
        step(
            "a validator cannot be removed as a member",
            G0,
            propose(GovernanceAction::RemoveMember {
                public_key: public(CANDIDATE),
            }),
            Some("conflict"),
        ),
    ]);
    assert_eq!(world.proposal(1).status, ProposalStatus::Passed);
    assert_eq!(world.proposal(2).status, ProposalStatus::Rejected);
    assert_eq!(world.validators_at(world.height + 1).total_power(), 5_001);
}

#[test]
fn two_changes_in_one_block_build_on_each_other_and_the_last_validator_stays() {
    let mut world = World::new(
        vec![
            member(G0, vec![Role::Governor]),
            member(VALIDATOR, vec![Role::Validator]),
            member(CANDIDATE, vec![Role::Validator]),
        ],
        vec![validator(VALIDATOR, 1)],
    );
    // One governor: proposing passes at once. Both calls run in one block (height 3).
    world.height = 3;
    let calls = [
        GovernanceAction::SetValidator {
            validator: validator(CANDIDATE, 1),
        },
        GovernanceAction::RemoveValidator {
            public_key: public(VALIDATOR),
        },
    ]
    .map(|action| governance("propose", json!({"action": action})));
    let tx = world.tx(G0, calls[0].clone());
    let effects = execute_transaction(&world.ctx(), &world, &tx).unwrap();
    world.apply(effects);
    let tx = world.tx(G0, calls[1].clone());
    let effects = execute_transaction(&world.ctx(), &world, &tx).unwrap();
    world.apply(effects);
    assert_eq!(world.validators_at(4), world.genesis_validators);
    assert_eq!(world.validators_at(5).validators, [validator(CANDIDATE, 1)]);

    world.height = 4;
    let last = governance(
        "propose",
        json!({"action": {"type": "remove_validator", "public_key": public(CANDIDATE)}}),
    );
    let tx = world.tx(G0, last);
    let error = execute_transaction(&world.ctx(), &world, &tx).unwrap_err();
    assert_eq!(error.code(), "conflict");
    assert!(error.to_string().contains("1 to 128 validators"), "{error}");
}

#[test]
fn the_last_governor_and_a_shared_transport_key_are_refused() {
    let transport = public(40);
    let mut holder = member(SUBMITTER, vec![Role::Submitter]);
    holder.transport_key = Some(transport.clone());
    let mut world = World::new(
        vec![member(G0, vec![Role::Governor]), holder],
        vec![validator(VALIDATOR, 1)],
    );
    let mut newcomer = member(NEWCOMER, vec![]);
    newcomer.transport_key = Some(transport.clone());
    world.run(vec![
        step(
            "the last governor cannot go",
            G0,
            propose(GovernanceAction::RemoveMember {
                public_key: public(G0),
            }),
            Some("conflict"),
        ),
        step(
            "nor lose its role",
            G0,
            propose(GovernanceAction::SetRoles {
                public_key: public(G0),
                roles: vec![],
            }),
            Some("conflict"),
        ),
        step(
            "a node key held by another member",
            G0,
            propose(GovernanceAction::AddMember { member: newcomer }),
            Some("conflict"),
        ),
        step(
            "setting it on another member",
            G0,
            propose(GovernanceAction::SetTransportKey {
                public_key: public(G0),
                transport_key: Some(transport),
            }),
            Some("conflict"),
        ),
        step(
            "clearing the holder's key",
            G0,
            propose(GovernanceAction::SetTransportKey {
                public_key: public(SUBMITTER),
                transport_key: None,
            }),
            None,
        ),
    ]);
    assert_eq!(
        world.member(&public(SUBMITTER)).unwrap().transport_key,
        None
    );
}

#[test]
fn calls_are_checked_before_the_mempool() {
    let table = [
        (
            "propose",
            json!({"action": {"type": "make_king"}}),
            "bad_arguments",
        ),
        (
            "propose",
            json!({"action": {"type": "set_roles", "public_key": public(1), "roles": ["governor", "governor"]}}),
            "bad_arguments",
        ),
        (
            "propose",
            json!({"action": {"type": "remove_member", "public_key": public(1)}, "reason": "x".repeat(1025)}),
            "bad_arguments",
        ),
        ("vote", json!({"proposal": Hash::ZERO}), "bad_arguments"),
        ("veto", json!({}), "unknown_call"),
    ];
    for (method, args, code) in table {
        let error = check_call(&governance(method, args.clone())).unwrap_err();
        assert_eq!(error.code(), code, "{method} {args}: {error}");
    }
    assert!(check_call(&governance(
        "vote",
        json!({"proposal": Hash::ZERO, "approve": false})
    ))
    .is_ok());
}
