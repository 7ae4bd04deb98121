//! Consensus vectors: a proposal, a nil prevote, a double vote, and the consensus state
//! (JR/T 0314 §7.4) of a height signed by three of four validators.

use super::{
    expected, hex_at, jcs, sm2_e, sm2_point, sm2_verify_by_the_standard, sm2_z_a, state_step,
    Fixture, BLOCK_TIME, CHAIN_ID, GENESIS_TIME,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use zl_types::block::{Validator, VoteKind};
use zl_types::canonical::canonical_json;
use zl_types::*;

/// The validators of the four-validator height that precommitted (V2's precommit came late).
const SIGNERS: [usize; 3] = [0, 1, 3];

/// The consensus vectors of one suite; `block_hash` is block 1 of the one-validator chain.
pub(super) fn vectors(fx: &Fixture, block_hash: Hash) -> Value {
    let genesis_hash = &fx.genesis_hash;
    let proposal = ProposalContent {
        height: 1,
        round: 0,
        block_hash,
        pol_round: None,
    };
    let proposal_bytes = proposal.signing_bytes(CHAIN_ID, genesis_hash);
    let signed = SignedProposal {
        proposer: fx.key.public_key(),
        signature: fx.key.sign(&proposal_bytes),
        proposal: proposal.clone(),
    };
    signed.verify(CHAIN_ID, genesis_hash).unwrap();
    let reproposal = ProposalContent {
        height: 1,
        round: 1,
        block_hash,
        pol_round: Some(0),
    };
    let nil = VoteContent {
        kind: VoteKind::Prevote,
        height: 1,
        round: 1,
        block_hash: None,
    };
    let nil_bytes = nil.signing_bytes(CHAIN_ID, genesis_hash);
    let prevote = |block_hash: Option<Hash>| {
        let vote = VoteContent {
            kind: VoteKind::Prevote,
            height: 1,
            round: 0,
            block_hash,
        };
        SignedVote {
            validator: fx.key.public_key(),
            signature: fx.key.sign(&vote.signing_bytes(CHAIN_ID, genesis_hash)),
            vote,
        }
    };
    let double = DoubleVote {
        first: prevote(Some(block_hash)),
        second: prevote(None),
    };
    double.verify(CHAIN_ID, genesis_hash).unwrap();
    json!({
        "proposal": {
            "json": jcs(&proposal),
            "signing_bytes": hex::encode(&proposal_bytes),
            "signature": signed.signature.to_hex(),
            "signed_json": jcs(&signed),
            "reproposal_json": jcs(&reproposal),
        },
        "nil_prevote": {
            "signing_bytes": hex::encode(&nil_bytes),
            "signature": fx.key.sign(&nil_bytes).to_hex(),
        },
        "double_vote_json": jcs(&double),
        "four_validators": four_validators(fx.genesis.crypto_suite),
    })
}

/// The four-validator chain's keys: `11`..`14` × 32 (ed25519), `21`..`24` × 32 (sm).
fn four_keys(suite: CryptoSuite) -> Vec<SecretKey> {
    let first = match suite {
        CryptoSuite::Ed25519 => 0x11u8,
        CryptoSuite::Sm => 0x21u8,
    };
    (0..4u8)
        .map(|i| SecretKey::from_seed(suite, &[first + i; 32]).unwrap())
        .collect()
}

/// Block 1 (empty) of a chain of four validators of power 10, proposed by V1 (slot 1 of the
/// schedule) and committed in round 0 by V0, V1 and V3.
fn four_validators(suite: CryptoSuite) -> Value {
    let alg = suite.hash_algorithm();
    let keys = four_keys(suite);
    let name = |i: usize| format!("sh-validator-{}", i + 1);
    let genesis = Genesis {
        chain_id: CHAIN_ID.into(),
        role: ChainRole::LocalBusiness,
        crypto_suite: suite,
        genesis_time: GENESIS_TIME,
        validators: ValidatorSet {
            validators: (0..4)
                .map(|i| Validator {
                    name: name(i),
                    public_key: keys[i].public_key(),
                    power: 10,
                })
                .collect(),
        },
        members: (0..4)
            .map(|i| Member {
                name: name(i),
                public_key: keys[i].public_key(),
                roles: vec![Role::Validator],
                transport_key: None,
            })
            .collect(),
    };
    genesis.check().unwrap();
    let genesis_hash = genesis.hash();
    let writes: BTreeMap<Vec<u8>, Vec<u8>> = genesis
        .members
        .iter()
        .map(|m| {
            (
                [b"member/".as_slice(), &m.public_key.to_bytes()].concat(),
                canonical_json(m).unwrap(),
            )
        })
        .collect();
    let (_, _, state_root_0) = state_step(alg, &genesis_hash, &writes);
    let (_, _, state_root_1) = state_step(alg, &state_root_0, &BTreeMap::new());
    let set_hash = genesis.validator_set_hash();
    let header = BlockHeader {
        chain_id: CHAIN_ID.into(),
        height: 1,
        time: BLOCK_TIME,
        previous_hash: genesis_hash,
        transaction_root: merkle::empty_root(alg),
        event_root: merkle::empty_root(alg),
        object_root: merkle::empty_root(alg),
        state_root: state_root_1,
        evidence_log_root: merkle::empty_root(alg),
        evidence_log_size: 0,
        validator_set_hash: set_hash,
        next_validator_set_hash: set_hash,
        proposer: keys[1].public_key(),
        transaction_count: 0,
    };
    let block_hash = header.hash(alg, &genesis_hash);
    let mut certificate = CommitCertificate {
        height: 1,
        round: 0,
        block_hash,
        signatures: Vec::new(),
    };
    let signed_data = certificate.vote().signing_bytes(CHAIN_ID, &genesis_hash);
    certificate.signatures = SIGNERS
        .iter()
        .map(|i| CommitSignature {
            validator: keys[*i].public_key(),
            signature: keys[*i].sign(&signed_data),
        })
        .collect();
    let state = ConsensusState::build(
        &header,
        block_hash,
        &certificate,
        &genesis.validators,
        alg,
        &genesis_hash,
    )
    .unwrap();
    state.verify_with_genesis(&genesis).unwrap();
    assert_eq!(state.signed_data, signed_data);
    json!({
        "seeds": keys.iter().map(|k| hex::encode(k.seed())).collect::<Vec<_>>(),
        "genesis_json": jcs(&genesis),
        "genesis_hash": genesis_hash,
        "validator_set_hash": set_hash,
        "header_json": jcs(&header),
        "block_hash": block_hash,
        "signed_data": hex::encode(&signed_data),
        "consensus_state_json": jcs(&state),
    })
}

#[test]
fn consensus_vectors_verify_from_their_json() {
    let file = expected();
    for suite in ["ed25519", "sm"] {
        let v = &file[suite]["consensus"];
        let key = PublicKey::from_text(file[suite]["public_key"].as_str().unwrap()).unwrap();
        let genesis_hash = Hash(hex_at(&[suite, "genesis", "hash"]).try_into().unwrap());
        for part in ["proposal", "nil_prevote"] {
            let message = hex_at(&[suite, "consensus", part, "signing_bytes"]);
            let signature = Signature(
                hex_at(&[suite, "consensus", part, "signature"])
                    .try_into()
                    .unwrap(),
            );
            key.verify(&message, &signature)
                .unwrap_or_else(|e| panic!("{suite} {part}: {e}"));
            if suite == "sm" {
                let e = sm2_e(&sm2_z_a(&sm2_point(&key)), &message);
                assert!(sm2_verify_by_the_standard(&key, &e, &signature), "{part}");
            }
        }
        let signed: SignedProposal =
            serde_json::from_str(v["proposal"]["signed_json"].as_str().unwrap()).unwrap();
        signed.verify(CHAIN_ID, &genesis_hash).unwrap();
        assert!(signed.verify("beijing", &genesis_hash).is_err());
        let double: DoubleVote =
            serde_json::from_str(v["double_vote_json"].as_str().unwrap()).unwrap();
        double.verify(CHAIN_ID, &genesis_hash).unwrap();
        let mut same = double.clone();
        same.second = same.first.clone();
        assert!(same.verify(CHAIN_ID, &genesis_hash).is_err());

        // The consensus state verifies with nothing but the genesis, and not once altered.
        let four = &v["four_validators"];
        let genesis = Genesis::from_json(four["genesis_json"].as_str().unwrap()).unwrap();
        let state: ConsensusState =
            serde_json::from_str(four["consensus_state_json"].as_str().unwrap()).unwrap();
        state.verify_with_genesis(&genesis).unwrap();
        let voted: Vec<bool> = state.votes.iter().map(|v| v.voted).collect();
        assert_eq!(voted, [true, true, false, true], "{suite}");
        let mut altered = state.clone();
        altered.header.time += 1;
        assert!(altered.verify_with_genesis(&genesis).is_err());
        let mut short = state.clone();
        short.votes[0].signature = None;
        short.votes[0].voted = false;
        assert!(short.verify_with_genesis(&genesis).is_err(), "20 of 40");
        assert!(state
            .verify_with_genesis(&Fixture::new(key.suite()).genesis)
            .is_err());
    }
}
