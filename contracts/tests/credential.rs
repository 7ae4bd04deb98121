//! The `credential` contract and the DID governance actions: issuer registration, status
//! registration and revocation, key recovery by the DID authority, and investor allocation.
//! Every refusal is clear and changes nothing.

mod world;

use serde_json::{json, Value};
use world::{member, public, World, G0, SUBMITTER};
use zl_contracts::credential::{status_key, StatusRecord};
use zl_contracts::did::{head_key, version_key, DidHead, DidVersion};
use zl_types::did::{investor_allocation_bytes, to_jwk};
use zl_types::governance::GovernanceAction;
use zl_types::{Call, CryptoSuite, Hash, Role, SecretKey};

const AUTHORITY: u8 = 20;
const ISSUER_KEY: u8 = 21;
const ALLOCATOR: u8 = 22;
const ISSUER: &str = "did:rem:shanghai:91310000564759688N";
const ENTERPRISE: &str = "did:rem:shanghai:SH000001F.S2101";
const INVESTOR: &str = "did:rem:shanghai:Q123456789";
const VC: &str = "https://www.china-see.com/credentials/3562";

fn world() -> World {
    let mut world = World::new(
        vec![
            member(G0, vec![Role::Governor]),
            member(AUTHORITY, vec![Role::DidAuthority]),
            member(ISSUER_KEY, vec![Role::Submitter]),
            member(SUBMITTER, vec![Role::Submitter]),
        ],
        vec![world::validator(G0, 1)],
    );
    world.chain_id = "shanghai".into();
    world
}

fn call(contract: &str, method: &str, args: Value) -> Call {
    Call {
        contract: contract.into(),
        method: method.into(),
        args,
    }
}

fn propose(action: GovernanceAction) -> Call {
    call(
        "governance",
        "propose",
        json!({"action": action, "reason": "test"}),
    )
}

fn register_issuer(types: &[&str]) -> Call {
    propose(GovernanceAction::RegisterIssuer {
        did: ISSUER.into(),
        credential_types: types.iter().map(|t| t.to_string()).collect(),
        submitters: vec![public(ISSUER_KEY)],
    })
}

fn status(world: &World, id: &str) -> StatusRecord {
    serde_json::from_slice(&world.state[&status_key(ISSUER, id)]).unwrap()
}

fn document(did: &str, seed: u8) -> Value {
    let key = SecretKey::from_seed(CryptoSuite::Sm, &[seed; 32])
        .unwrap()
        .public_key();
    json!({
        "@context": "https://www.w3.org/ns/did/v1",
        "id": did, "controller": did,
        "verificationMethod": [{"id": format!("{did}#keys-1"), "type": "SM2VerificationKey2022",
            "controller": did, "publicKeyJwk": to_jwk(&key)}],
        "authentication": [format!("{did}#keys-1")],
    })
}

#[test]
fn status_is_registered_and_revoked_by_the_issuers_submitters_only() {
    let mut w = world();
    let register = |types: Value| {
        call(
            "credential",
            "register",
            json!({"id": VC, "issuer": ISSUER, "types": types}),
        )
    };
    let err = w
        .call(ISSUER_KEY, register(json!(["QualifiedInvestorCredential"])))
        .unwrap_err();
    assert!(
        err.starts_with("unauthorized") && err.contains("not a registered credential issuer"),
        "{err}"
    );
    w.call(G0, register_issuer(&["QualifiedInvestorCredential"]))
        .expect("one governor decides at once");

    let err = w
        .call(SUBMITTER, register(json!(["QualifiedInvestorCredential"])))
        .unwrap_err();
    assert!(err.contains("not a submitter of issuer"), "{err}");
    let err = w
        .call(
            ISSUER_KEY,
            register(json!([
                "VerifiableCredential",
                "UniversityDegreeCredential"
            ])),
        )
        .unwrap_err();
    assert!(
        err.contains("not registered to issue UniversityDegreeCredential"),
        "{err}"
    );
    let err = w
        .call(
            ISSUER_KEY,
            call(
                "credential",
                "register",
                json!({"id": "no uri", "issuer": ISSUER, "types": ["QualifiedInvestorCredential"]}),
            ),
        )
        .unwrap_err();
    assert!(err.starts_with("bad_arguments"), "{err}");

    w.call(
        ISSUER_KEY,
        register(json!([
            "VerifiableCredential",
            "QualifiedInvestorCredential"
        ])),
    )
    .expect("registers");
    assert_eq!(status(&w, VC).status, "valid");
    assert_eq!(
        status(&w, VC).types,
        vec!["QualifiedInvestorCredential".to_string()]
    );
    let err = w
        .call(ISSUER_KEY, register(json!(["QualifiedInvestorCredential"])))
        .unwrap_err();
    assert!(err.starts_with("conflict"), "{err}");

    let revoke = || {
        call(
            "credential",
            "revoke",
            json!({"issuer": ISSUER, "id": VC, "reason": "risk assessment expired"}),
        )
    };
    let err = w.call(SUBMITTER, revoke()).unwrap_err();
    assert!(err.starts_with("unauthorized"), "{err}");
    w.call(ISSUER_KEY, revoke()).expect("revokes");
    let record = status(&w, VC);
    assert_eq!(
        (record.status.as_str(), record.reason.as_deref()),
        ("revoked", Some("risk assessment expired"))
    );
    let err = w.call(ISSUER_KEY, revoke()).unwrap_err();
    assert!(
        err.starts_with("conflict") && err.contains("final"),
        "{err}"
    );
    assert!(w.kinds().ends_with(&["registered", "revoked"]));

    w.call(
        G0,
        propose(GovernanceAction::RemoveIssuer { did: ISSUER.into() }),
    )
    .expect("removed");
    let err = w.call(ISSUER_KEY, call("credential", "register", json!({"id": "urn:vc:2", "issuer": ISSUER, "types": ["QualifiedInvestorCredential"]}))).unwrap_err();
    assert!(err.contains("not a registered credential issuer"), "{err}");
}

#[test]
fn issuer_registrations_are_checked() {
    let mut w = world();
    let bad = |did: &str, types: &[&str], submitters| {
        propose(GovernanceAction::RegisterIssuer {
            did: did.into(),
            credential_types: types.iter().map(|t| t.to_string()).collect(),
            submitters,
        })
    };
    let cases = [
        (
            "wrong check character",
            bad(
                "did:rem:shanghai:91310000564759688M",
                &["A"],
                vec![public(ISSUER_KEY)],
            ),
            "bad_arguments",
        ),
        (
            "no types",
            bad(ISSUER, &[], vec![public(ISSUER_KEY)]),
            "bad_arguments",
        ),
        (
            "a type with a space",
            bad(ISSUER, &["Qualified Investor"], vec![public(ISSUER_KEY)]),
            "bad_arguments",
        ),
        (
            "the base type",
            bad(ISSUER, &["VerifiableCredential"], vec![public(ISSUER_KEY)]),
            "bad_arguments",
        ),
        (
            "no submitters",
            bad(ISSUER, &["A"], vec![]),
            "bad_arguments",
        ),
        (
            "a submitter that is not a member",
            bad(ISSUER, &["A"], vec![public(99)]),
            "not_found",
        ),
    ];
    for (name, call, code) in cases {
        let err = w.call(G0, call).unwrap_err();
        assert!(err.starts_with(code), "{name}: {err}");
    }
    let err = w.call(ISSUER_KEY, register_issuer(&["A"])).unwrap_err();
    assert!(
        err.starts_with("unauthorized"),
        "only governors propose: {err}"
    );
}

#[test]
fn the_did_authority_recovers_a_key_by_governance() {
    let mut w = World::new(
        vec![
            member(G0, vec![Role::Governor]),
            member(2, vec![Role::Governor]),
            member(AUTHORITY, vec![Role::DidAuthority]),
            member(SUBMITTER, vec![Role::Submitter]),
        ],
        vec![world::validator(G0, 1)],
    );
    w.chain_id = "shanghai".into();
    w.call(
        AUTHORITY,
        call(
            "did",
            "create",
            json!({"document": document(ENTERPRISE, 3)}),
        ),
    )
    .expect("created");
    let recovery = || {
        propose(GovernanceAction::RecoverDid {
            did: ENTERPRISE.into(),
            document: document(ENTERPRISE, 4),
        })
    };
    let err = w.call(SUBMITTER, recovery()).unwrap_err();
    assert!(
        err.starts_with("unauthorized") && err.contains("DidAuthority"),
        "{err}"
    );
    let err = w.call(G0, recovery()).unwrap_err();
    assert!(
        err.starts_with("unauthorized"),
        "a governor without the DID authority role: {err}"
    );
    w.call(AUTHORITY, recovery()).expect("proposed");
    let head: DidHead = serde_json::from_slice(&w.state[&head_key(ENTERPRISE)]).unwrap();
    assert_eq!(head.version, 1, "not applied before the governors decide");
    w.call(
        G0,
        call(
            "governance",
            "vote",
            json!({"proposal": w.proposals[0], "approve": true}),
        ),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<DidHead>(&w.state[&head_key(ENTERPRISE)])
            .unwrap()
            .version,
        1,
        "one of two governors"
    );
    w.call(
        2,
        call(
            "governance",
            "vote",
            json!({"proposal": w.proposals[0], "approve": true}),
        ),
    )
    .unwrap();
    let head: DidHead = serde_json::from_slice(&w.state[&head_key(ENTERPRISE)]).unwrap();
    assert_eq!(head.version, 2);
    let v2: DidVersion = serde_json::from_slice(&w.state[&version_key(ENTERPRISE, 2)]).unwrap();
    assert_eq!(v2.kind, "recover");
    assert_eq!(
        v2.document["verificationMethod"][0]["publicKeyJwk"],
        document(ENTERPRISE, 4)["verificationMethod"][0]["publicKeyJwk"]
    );
    assert!(w.kinds().contains(&"recovered"));
    let err = w
        .call(
            AUTHORITY,
            propose(GovernanceAction::RecoverDid {
                did: ISSUER.into(),
                document: document(ISSUER, 4),
            }),
        )
        .unwrap_err();
    assert!(err.starts_with("not_found"), "{err}");
}

#[test]
fn investor_dids_need_the_allocators_signature() {
    let mut w = world();
    let allocator = SecretKey::from_seed(CryptoSuite::Ed25519, &[ALLOCATOR; 32]).unwrap();
    let allocation = |key: &SecretKey, code: &str, chain: &str| {
        key.sign(&investor_allocation_bytes(chain, &Hash::ZERO, code))
    };
    let create = |allocation: Option<zl_types::Signature>| {
        call(
            "did",
            "create",
            json!({"document": document(INVESTOR, 5), "allocation": allocation}),
        )
    };
    let err = w
        .call(
            AUTHORITY,
            create(Some(allocation(&allocator, "Q123456789", "shanghai"))),
        )
        .unwrap_err();
    assert!(err.contains("no investor allocator"), "{err}");
    w.call(
        G0,
        propose(GovernanceAction::SetInvestorAllocator {
            public_key: Some(allocator.public_key()),
        }),
    )
    .unwrap();
    let err = w.call(AUTHORITY, create(None)).unwrap_err();
    assert!(
        err.starts_with("bad_arguments") && err.contains("allocation"),
        "{err}"
    );
    let other = SecretKey::from_seed(CryptoSuite::Ed25519, &[23; 32]).unwrap();
    for (name, signature) in [
        ("another key", allocation(&other, "Q123456789", "shanghai")),
        (
            "another code",
            allocation(&allocator, "Q123456780", "shanghai"),
        ),
        (
            "another chain",
            allocation(&allocator, "Q123456789", "jiangsu"),
        ),
    ] {
        let err = w.call(AUTHORITY, create(Some(signature))).unwrap_err();
        assert!(err.starts_with("unauthorized"), "{name}: {err}");
    }
    w.call(
        AUTHORITY,
        create(Some(allocation(&allocator, "Q123456789", "shanghai"))),
    )
    .expect("created");
    assert!(w.state.contains_key(&head_key(INVESTOR)));
}

/// One issuer cannot take another's credential id: statuses are kept per issuer.
#[test]
fn an_issuer_cannot_squat_another_issuers_credential_id() {
    const OTHER: &str = "did:rem:shanghai:91310104MA1FRNWW80";
    let mut w = world();
    w.call(G0, register_issuer(&["QualifiedInvestorCredential"]))
        .unwrap();
    w.call(
        G0,
        propose(GovernanceAction::RegisterIssuer {
            did: OTHER.into(),
            credential_types: vec!["QualifiedInvestorCredential".into()],
            submitters: vec![public(SUBMITTER)],
        }),
    )
    .unwrap();
    let register = |issuer: &str| {
        call(
            "credential",
            "register",
            json!({"id": VC, "issuer": issuer, "types": ["QualifiedInvestorCredential"]}),
        )
    };
    w.call(SUBMITTER, register(OTHER))
        .expect("the other issuer registers the id first");
    w.call(ISSUER_KEY, register(ISSUER))
        .expect("the real issuer's status is its own");
    let revoke = |issuer: &str, signer| {
        (
            signer,
            call(
                "credential",
                "revoke",
                json!({"issuer": issuer, "id": VC, "reason": "r"}),
            ),
        )
    };
    let (signer, other_revokes_mine) = revoke(ISSUER, SUBMITTER);
    let err = w.call(signer, other_revokes_mine).unwrap_err();
    assert!(err.starts_with("unauthorized"), "{err}");
    let (signer, mine) = revoke(ISSUER, ISSUER_KEY);
    w.call(signer, mine)
        .expect("the real issuer revokes its credential");
    assert_eq!(status(&w, VC).status, "revoked");
    let theirs: StatusRecord = serde_json::from_slice(&w.state[&status_key(OTHER, VC)]).unwrap();
    assert_eq!(theirs.status, "valid");
}
