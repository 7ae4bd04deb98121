//! §9.4 and §9.5: issuing and verifying credentials, and every refusal the issue lists.

mod common;

use common::*;
use serde_json::json;
use zl_credentials::verify::{verify_credential, Status};
use zl_credentials::CredentialError;

#[test]
fn an_issued_credential_verifies() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let proof = &vc["proof"][0];
    assert_eq!(proof["type"], "SM2Signature2022");
    assert_eq!(proof["proofPurpose"], "assertionMethod");
    assert_eq!(proof["proofValue"].as_str().unwrap().len(), 86);
    let verified = verify_credential(&world, &vc, NOW).expect("verifies");
    assert_eq!(verified.issuer, ISSUER);
    assert_eq!(verified.subjects, vec![INVESTOR.to_string()]);
    assert!(verified.status_checked && verified.issuer_checked);
}

#[test]
fn single_objects_and_arrays_sign_the_same() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let mut single = vc.clone();
    single["type"] = json!(["VerifiableCredential", "QualifiedInvestorCredential"]);
    single["credentialSubject"] = vc["credentialSubject"][0].clone();
    single["proof"] = vc["proof"][0].clone();
    assert!(vc["credentialSubject"].is_array(), "output uses arrays");
    verify_credential(&world, &single, NOW).expect("the single-object form verifies too");
}

#[test]
fn offline_verification_says_what_it_did_not_check() {
    let mut world = World::new();
    let vc = issued(&mut world);
    world.offline = true;
    let verified = verify_credential(&world, &vc, NOW).expect("verifies offline");
    assert!(!verified.status_checked && !verified.issuer_checked);
}

#[test]
fn refusals() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let expired = verify_credential(&world, &vc, 1_700_000_000_000).unwrap_err();
    assert!(
        matches!(expired, CredentialError::Period { .. }),
        "{expired}"
    );
    let early = verify_credential(&world, &vc, 1_600_000_000_000).unwrap_err();
    assert!(matches!(early, CredentialError::Period { .. }), "{early}");

    let mut altered = vc.clone();
    altered["credentialSubject"][0]["riskTolerance"]["investorType"] = json!("person");
    let err = verify_credential(&world, &altered, NOW).unwrap_err();
    assert_eq!(
        err,
        CredentialError::Proof("the SM2 signature does not verify".into())
    );

    let mut altered_proof = vc.clone();
    altered_proof["proof"][0]["created"] = json!("2022-10-01T19:33:22Z");
    assert!(matches!(
        verify_credential(&world, &altered_proof, NOW),
        Err(CredentialError::Proof(_))
    ));

    let mut flipped = vc.clone();
    let value = vc["proof"][0]["proofValue"].as_str().unwrap();
    let replaced = if value.starts_with('A') { "B" } else { "A" };
    flipped["proof"][0]["proofValue"] = json!(format!("{replaced}{}", &value[1..]));
    assert!(matches!(
        verify_credential(&world, &flipped, NOW),
        Err(CredentialError::Proof(_))
    ));

    world
        .status
        .insert(vc["id"].as_str().unwrap().into(), Status::Revoked);
    let revoked = verify_credential(&world, &vc, NOW).unwrap_err();
    assert_eq!(
        revoked,
        CredentialError::Status {
            id: vc["id"].as_str().unwrap().into(),
            status: "revoked".into()
        }
    );
    world.status.clear();
    let unknown = verify_credential(&world, &vc, NOW).unwrap_err();
    assert!(matches!(unknown, CredentialError::Status { ref status, .. } if status == "notExist"));
    world
        .status
        .insert(vc["id"].as_str().unwrap().into(), Status::Valid);

    world.issuers.clear();
    let unregistered = verify_credential(&world, &vc, NOW).unwrap_err();
    assert_eq!(
        unregistered,
        CredentialError::IssuerNotRegistered {
            issuer: ISSUER.into(),
            credential_type: "QualifiedInvestorCredential".into()
        }
    );
    world
        .issuers
        .insert(ISSUER.into(), vec!["QualifiedInvestorCredential".into()]);

    world.deactivated.insert(ISSUER.into());
    let deactivated = verify_credential(&world, &vc, NOW).unwrap_err();
    assert!(
        matches!(deactivated, CredentialError::Did(ref why) if why.contains("deactivated")),
        "{deactivated}"
    );
}

#[test]
fn malformed_credentials_are_refused_before_any_signature_work() {
    let world = World::new();
    let base = qualified_investor();
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("no id", {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove("id");
            v
        }),
        ("no VerifiableCredential type", {
            let mut v = base.clone();
            v["type"] = json!("QualifiedInvestorCredential");
            v
        }),
        ("no expirationDate", {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove("expirationDate");
            v
        }),
        ("no status", {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove("credentialStatus");
            v
        }),
        ("status of another type", {
            let mut v = base.clone();
            v["credentialStatus"]["type"] = json!("StatusList2021");
            v
        }),
        ("date without zone", {
            let mut v = base.clone();
            v["issuanceDate"] = json!("2022-01-01T19:23:24");
            v
        }),
    ];
    for (name, vc) in cases {
        let err =
            zl_credentials::issue::issue_credential(&vc, &format!("{ISSUER}#keys-1"), &key(1), NOW)
                .unwrap_err();
        assert!(
            matches!(err, CredentialError::Malformed { .. }),
            "{name}: {err}"
        );
    }
    let mut bad_did = base.clone();
    bad_did["issuer"] = json!("did:rem:shanghai:91310000564759688M");
    let vc = zl_credentials::issue::issue_credential(
        &bad_did,
        "did:rem:shanghai:91310000564759688M#keys-1",
        &key(1),
        NOW,
    )
    .expect("signing does not check DIDs");
    let err = verify_credential(&world, &vc, NOW).unwrap_err();
    assert!(
        matches!(err, CredentialError::Did(ref why) if why.contains("check")),
        "{err}"
    );
}

#[test]
fn expansion_never_drops_a_term() {
    let cases = [
        (
            "an undefined claim",
            json!({"id": INVESTOR, "shoeSize": 42}),
        ),
        (
            "a relative type",
            json!({"id": INVESTOR, "riskTolerance": {"type": "Unknown"}}),
        ),
        ("a relative id", json!({"id": "investor-7"})),
    ];
    for (name, subject) in cases {
        let mut vc = qualified_investor();
        vc["credentialSubject"] = subject;
        let err =
            zl_credentials::issue::issue_credential(&vc, &format!("{ISSUER}#keys-1"), &key(1), NOW)
                .unwrap_err();
        assert!(
            matches!(err, CredentialError::Expansion(_)),
            "{name}: {err}"
        );
    }
    let mut vc = qualified_investor();
    vc["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://example.com/evil/v1"
    ]);
    let err =
        zl_credentials::issue::issue_credential(&vc, &format!("{ISSUER}#keys-1"), &key(1), NOW)
            .unwrap_err();
    assert!(matches!(err, CredentialError::UnknownContext(..)), "{err}");
    let mut vc = qualified_investor();
    vc["@context"] =
        json!(["https://www.w3.org/2018/credentials/v1", {"shoeSize": "https://example.com/shoe"}]);
    let err =
        zl_credentials::issue::issue_credential(&vc, &format!("{ISSUER}#keys-1"), &key(1), NOW)
            .unwrap_err();
    assert!(matches!(err, CredentialError::UnknownContext(..)), "{err}");
}
