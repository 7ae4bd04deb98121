//! The `did` contract: the DID authority creates DIDs of this chain and deactivates them
//! (final); every refusal is clear and changes nothing.

mod world;

use serde_json::{json, Value};
use world::{member, World, SUBMITTER};
use zl_contracts::did::{head_key, version_key, DidHead, DidVersion};
use zl_contracts::{check_call, execute_transaction};
use zl_types::did::{to_jwk, ControllerProof, DidDocument, DidOperation, OperationKind};
use zl_types::{Call, CryptoSuite, Hash, HashAlgorithm, Role, SecretKey};

const AUTHORITY: u8 = 20;
const ENTERPRISE: &str = "did:rem:shanghai:SH000001F.S2101";
const ISSUER: &str = "did:rem:shanghai:91310000564759688N";

fn world() -> World {
    let mut world = World::new(
        vec![
            member(AUTHORITY, vec![Role::DidAuthority]),
            member(SUBMITTER, vec![Role::Submitter]),
        ],
        vec![world::validator(AUTHORITY, 1)],
    );
    world.chain_id = "shanghai".into();
    world
}

/// The SM2 key of seed `seed`.
fn sm2(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Sm, &[seed; 32]).unwrap()
}

fn document(did: &str, controller: &str) -> Value {
    document_with_key(did, controller, 3)
}

/// A document whose one method `#keys-1` (also for authentication) holds the SM2 key of `seed`.
fn document_with_key(did: &str, controller: &str, seed: u8) -> Value {
    let key = sm2(seed).public_key();
    json!({
        "@context": "https://www.w3.org/ns/did/v1",
        "id": did,
        "controller": controller,
        "verificationMethod": {"id": format!("{did}#keys-1"), "type": "SM2VerificationKey2022",
            "controller": did, "publicKeyJwk": to_jwk(&key)},
        "authentication": format!("{did}#keys-1"),
    })
}

/// Runs one call; on success applies it, on failure checks that the state did not change.
fn call(world: &mut World, signer: u8, method: &str, args: Value) -> Result<(), String> {
    let call = Call {
        contract: "did".into(),
        method: method.into(),
        args,
    };
    check_call(&call).map_err(|e| format!("{}: {e}", e.code()))?;
    let tx = world.tx(signer, call);
    let before = world.state.clone();
    let result = execute_transaction(&world.ctx(), world, &tx);
    world.height += 1;
    match result {
        Ok(effects) => {
            world.apply(effects);
            Ok(())
        }
        Err(e) => {
            assert_eq!(world.state, before, "a refusal changes nothing");
            Err(format!("{}: {e}", e.code()))
        }
    }
}

fn head(world: &World, did: &str) -> DidHead {
    serde_json::from_slice(&world.state[&head_key(did)]).unwrap()
}

fn version(world: &World, did: &str, n: u64) -> DidVersion {
    serde_json::from_slice(&world.state[&version_key(did, n)]).unwrap()
}

#[test]
fn the_did_authority_creates_and_deactivates_and_every_version_stays() {
    let mut w = world();
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ENTERPRISE, ENTERPRISE)}),
    )
    .unwrap();
    assert_eq!(head(&w, ENTERPRISE).version, 1);
    let v1 = version(&w, ENTERPRISE, 1);
    let canonical = DidDocument::from_json(&document(ENTERPRISE, ENTERPRISE), None)
        .unwrap()
        .to_json();
    assert_eq!(v1.document, canonical, "kept in canonical form");
    assert_eq!(v1.kind, "create");
    // An organisation DID controlled by the enterprise's DID.
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ISSUER, ENTERPRISE)}),
    )
    .unwrap();

    let args =
        json!({"did": ENTERPRISE, "previous_version": 1, "reason": "the company was dissolved"});
    call(&mut w, AUTHORITY, "deactivate", args.clone()).unwrap();
    let h = head(&w, ENTERPRISE);
    assert!(h.deactivated);
    assert_eq!(h.version, 2);
    assert_eq!(version(&w, ENTERPRISE, 1), v1, "the first version is kept");
    assert_eq!(version(&w, ENTERPRISE, 2).document, canonical);
    let kinds: Vec<_> = w
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.attributes["version"].as_u64()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("created", Some(1)),
            ("created", Some(1)),
            ("deactivated", Some(2))
        ]
    );
    assert_eq!(
        w.events[2].attributes["reason"],
        "the company was dissolved"
    );

    // Deactivation is final, and a DID is never created again.
    let again = json!({"did": ENTERPRISE, "previous_version": 2, "reason": "again"});
    assert!(call(&mut w, AUTHORITY, "deactivate", again)
        .unwrap_err()
        .starts_with("conflict"));
    let recreate = json!({"document": document(ENTERPRISE, ENTERPRISE)});
    assert!(call(&mut w, AUTHORITY, "create", recreate)
        .unwrap_err()
        .contains("never reused"));
    // A deactivated DID cannot control a new one.
    let other = "did:rem:shanghai:SH000002";
    let controlled = json!({"document": document(other, ENTERPRISE)});
    assert!(call(&mut w, AUTHORITY, "create", controlled)
        .unwrap_err()
        .contains("not an active DID"));
}

#[test]
fn every_refusal_says_why_and_changes_nothing() {
    let mut w = world();
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ENTERPRISE, ENTERPRISE)}),
    )
    .unwrap();
    let table: Vec<(&str, u8, &str, Value, &str)> = vec![
        (
            "not the DID authority",
            SUBMITTER,
            "create",
            json!({"document": document("did:rem:shanghai:SH000009", "did:rem:shanghai:SH000009")}),
            "DidAuthority",
        ),
        (
            "another chain's DID",
            AUTHORITY,
            "create",
            json!({"document": document("did:rem:jiangsu:SH000001", "did:rem:jiangsu:SH000001")}),
            "belongs to chain \"jiangsu\"",
        ),
        (
            "an investor DID",
            AUTHORITY,
            "create",
            json!({"document": document("did:rem:shanghai:Q123456789", "did:rem:shanghai:Q123456789")}),
            "investor codes",
        ),
        (
            "a wrong check character",
            AUTHORITY,
            "create",
            json!({"document": document("did:rem:shanghai:91310000564759688M", ENTERPRISE)}),
            "GB 32100",
        ),
        (
            "an unknown controller",
            AUTHORITY,
            "create",
            json!({"document": document("did:rem:shanghai:SH000009", "did:rem:shanghai:SH000008")}),
            "not an active DID",
        ),
        (
            "a bad document",
            AUTHORITY,
            "create",
            json!({"document": {"id": "did:rem:shanghai:SH000009"}}),
            "bad DID document",
        ),
        (
            "an existing DID",
            AUTHORITY,
            "create",
            json!({"document": document(ENTERPRISE, ENTERPRISE)}),
            "exists already",
        ),
        (
            "unknown argument",
            AUTHORITY,
            "create",
            json!({"document": {}, "extra": 1}),
            "unknown field",
        ),
        (
            "a stale version",
            AUTHORITY,
            "deactivate",
            json!({"did": ENTERPRISE, "previous_version": 0, "reason": "r"}),
            "at version 1",
        ),
        (
            "no reason",
            AUTHORITY,
            "deactivate",
            json!({"did": ENTERPRISE, "previous_version": 1, "reason": " "}),
            "reason",
        ),
        (
            "an unknown DID",
            AUTHORITY,
            "deactivate",
            json!({"did": "did:rem:shanghai:SH000009", "previous_version": 1, "reason": "r"}),
            "does not exist",
        ),
        (
            "not the DID authority",
            SUBMITTER,
            "deactivate",
            json!({"did": ENTERPRISE, "previous_version": 1, "reason": "r"}),
            "DidAuthority",
        ),
        (
            "an unknown method",
            AUTHORITY,
            "rename",
            json!({}),
            "use create, update or deactivate",
        ),
    ];
    for (desc, signer, method, args, why) in table {
        let error = call(&mut w, signer, method, args).expect_err(desc);
        assert!(error.contains(why), "{desc}: {error}");
    }
    assert_eq!(head(&w, ENTERPRISE).version, 1);
}

#[test]
fn a_chain_whose_id_is_not_a_jrt_0325_chain_creates_no_did() {
    let mut w = world();
    w.chain_id = "dev".into();
    let error = call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ENTERPRISE, ENTERPRISE)}),
    )
    .unwrap_err();
    assert!(error.contains("not one of the 35"), "{error}");
}

/// A controller's proof: `signer_seed` signs `operation` as method `method`.
fn proof(operation: &DidOperation, method: &str, signer_seed: u8) -> Value {
    let bytes = operation.signing_bytes("shanghai", &Hash::ZERO);
    let proof = ControllerProof {
        verification_method: method.into(),
        signature: sm2(signer_seed).sign(&bytes),
    };
    serde_json::to_value(proof).unwrap()
}

fn update_args(did: &str, previous: u64, new: &Value, method: &str, signer_seed: u8) -> Value {
    let parsed = DidDocument::from_json(new, None).unwrap();
    let operation = DidOperation::update(did, previous, &parsed, HashAlgorithm::Sha256);
    json!({"did": did, "previous_version": previous, "document": new,
        "proof": proof(&operation, method, signer_seed)})
}

#[test]
fn a_controller_rotates_its_key_and_deactivates_by_signed_proofs() {
    let mut w = world();
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ENTERPRISE, ENTERPRISE)}),
    )
    .unwrap();
    let old = format!("{ENTERPRISE}#keys-1");
    // Rotation: the new document holds key 4; the old key 3 signs the update; a submitter relays.
    let rotated = document_with_key(ENTERPRISE, ENTERPRISE, 4);
    call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 1, &rotated, &old, 3),
    )
    .unwrap();
    assert_eq!(head(&w, ENTERPRISE).version, 2);
    let stored = DidDocument::from_json(&version(&w, ENTERPRISE, 2).document, None).unwrap();
    assert_eq!(stored.method(&old).unwrap().key, sm2(4).public_key());

    // The old key no longer controls it; replaying the first proof is refused as stale.
    let again = document_with_key(ENTERPRISE, ENTERPRISE, 5);
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 2, &again, &old, 3),
    )
    .unwrap_err();
    assert!(error.contains("does not verify"), "{error}");
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 1, &rotated, &old, 3),
    )
    .unwrap_err();
    assert!(error.contains("at version 2"), "{error}");

    // An organisation controlled by the enterprise: the enterprise's key updates it.
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document_with_key(ISSUER, ENTERPRISE, 6)}),
    )
    .unwrap();
    let services = {
        let mut d = document_with_key(ISSUER, ENTERPRISE, 6);
        d["service"] = json!({"id": format!("{ISSUER}#site"), "type": "LinkedDomains", "serviceEndpoint": "https://issuer.example"});
        d
    };
    let own_key = format!("{ISSUER}#keys-1");
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ISSUER, 1, &services, &own_key, 6),
    )
    .unwrap_err();
    assert!(error.contains("is not a controller"), "{error}");
    call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ISSUER, 1, &services, &old, 4),
    )
    .unwrap();

    // Deactivation by the controller's proof; then the DID cannot be used, not even by the authority.
    let operation = DidOperation {
        operation: OperationKind::Deactivate,
        did: ENTERPRISE.into(),
        previous_version: 2,
        document_digest: None,
    };
    let args = json!({"did": ENTERPRISE, "previous_version": 2, "reason": "merged",
        "proof": proof(&operation, &old, 4)});
    call(&mut w, SUBMITTER, "deactivate", args).unwrap();
    assert!(head(&w, ENTERPRISE).deactivated);
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 3, &again, &old, 4),
    )
    .unwrap_err();
    assert!(error.contains("deactivated"), "{error}");
    // Its controlled DID can no longer be changed through it.
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ISSUER, 2, &services, &old, 4),
    )
    .unwrap_err();
    assert!(error.contains("not an active DID"), "{error}");
    let kinds: Vec<&str> = w.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["created", "updated", "created", "updated", "deactivated"]
    );
}

#[test]
fn an_update_that_breaks_a_rule_is_refused() {
    let mut w = world();
    call(
        &mut w,
        AUTHORITY,
        "create",
        json!({"document": document(ENTERPRISE, ENTERPRISE)}),
    )
    .unwrap();
    let method = format!("{ENTERPRISE}#keys-1");
    let other = document("did:rem:shanghai:SH000002", "did:rem:shanghai:SH000002");
    let tampered = {
        let mut args = update_args(
            ENTERPRISE,
            1,
            &document_with_key(ENTERPRISE, ENTERPRISE, 4),
            &method,
            3,
        );
        args["document"] = document_with_key(ENTERPRISE, ENTERPRISE, 5);
        args
    };
    let not_auth = {
        let mut d = document(ENTERPRISE, ENTERPRISE);
        d.as_object_mut().unwrap().remove("authentication");
        d
    };
    let table: Vec<(&str, u8, Value, &str)> = vec![
        (
            "another DID's document",
            SUBMITTER,
            update_args(ENTERPRISE, 1, &other, &method, 3),
            "keeps its id",
        ),
        (
            "the document changed after signing",
            SUBMITTER,
            tampered,
            "does not verify",
        ),
        (
            "a relay without a role",
            AUTHORITY + 1,
            update_args(ENTERPRISE, 1, &document(ENTERPRISE, ENTERPRISE), &method, 3),
            "not a registered member",
        ),
        (
            "a wrong signer",
            SUBMITTER,
            update_args(ENTERPRISE, 1, &document(ENTERPRISE, ENTERPRISE), &method, 9),
            "does not verify",
        ),
        (
            "an unknown method",
            SUBMITTER,
            update_args(
                ENTERPRISE,
                1,
                &document(ENTERPRISE, ENTERPRISE),
                &format!("{ENTERPRISE}#keys-7"),
                3,
            ),
            "not an authentication method",
        ),
        (
            "an unknown DID",
            SUBMITTER,
            update_args(
                "did:rem:shanghai:SH000009",
                1,
                &document("did:rem:shanghai:SH000009", "did:rem:shanghai:SH000009"),
                &method,
                3,
            ),
            "does not exist",
        ),
    ];
    for (desc, signer, args, why) in table {
        let error = call(&mut w, signer, "update", args).expect_err(desc);
        assert!(error.contains(why), "{desc}: {error}");
    }
    // A key outside `authentication` cannot sign changes: after this update, key 3 is only listed.
    call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 1, &not_auth, &method, 3),
    )
    .unwrap();
    let error = call(
        &mut w,
        SUBMITTER,
        "update",
        update_args(ENTERPRISE, 2, &document(ENTERPRISE, ENTERPRISE), &method, 3),
    )
    .unwrap_err();
    assert!(error.contains("not an authentication method"), "{error}");
    assert_eq!(head(&w, ENTERPRISE).version, 2);
}
