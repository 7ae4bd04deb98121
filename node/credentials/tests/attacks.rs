//! The forgeries a review found possible, each now refused: role types smuggled into a
//! self-issued authorisation, an `@id` that hides a subject, members JSON-LD would drop, a
//! status recorded for other types, and a verifier that cannot read its ledger.

mod common;

use common::*;
use serde_json::{json, Value};
use zl_credentials::issue::{create_presentation, issue_credential};
use zl_credentials::verify::{verify_credential, verify_presentation};
use zl_credentials::CredentialError;

fn authorisation(
    issuer: &str,
    subject: Option<&str>,
    extra_type: Option<&str>,
    end: &str,
) -> Value {
    let mut types = vec!["VerifiableCredential", "CreditDataAuthorization"];
    types.extend(extra_type);
    let mut vc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": "did:rem:shanghai:VC000003",
        "type": types,
        "issuer": issuer,
        "issuanceDate": "2022-10-01T00:00:00Z",
        "expirationDate": "2023-10-01T00:00:00Z",
    });
    if let Some(subject) = subject {
        vc["credentialSubject"] = json!({"id": subject, "authorization": {"lisensee": [ISSUER],
            "startDate": "2022-10-01T00:00:00Z", "endDate": end}});
    }
    vc
}

fn sign_as_enterprise(vc: &Value, at: u64) -> Value {
    issue_credential(vc, &format!("{ENTERPRISE}#keys-1"), &key(2), at).expect("signed")
}

#[test]
fn a_self_issued_authorisation_grants_no_other_type() {
    let world = World::new();
    let vc = sign_as_enterprise(
        &authorisation(
            ENTERPRISE,
            Some(ENTERPRISE),
            Some("RegulatorCredential"),
            "2022-11-01T00:00:00Z",
        ),
        NOW - 1000,
    );
    let err = verify_credential(&world, &vc, NOW).unwrap_err();
    assert_eq!(
        err,
        CredentialError::IssuerNotRegistered {
            issuer: ENTERPRISE.into(),
            credential_type: "RegulatorCredential".into()
        }
    );
    for (name, unsigned) in [
        (
            "no subject",
            authorisation(ENTERPRISE, None, None, "2022-11-01T00:00:00Z"),
        ),
        (
            "another's consent",
            authorisation(ENTERPRISE, Some(INVESTOR), None, "2022-11-01T00:00:00Z"),
        ),
    ] {
        let vc = sign_as_enterprise(&unsigned, NOW - 1000);
        let err = verify_credential(&world, &vc, NOW).unwrap_err();
        assert!(
            matches!(err, CredentialError::Malformed { .. }),
            "{name}: {err}"
        );
    }
}

#[test]
fn an_expired_authorisation_authorises_nobody() {
    let mut world = World::new();
    let mut unsigned = qualified_investor();
    unsigned["credentialSubject"]["id"] = json!(ENTERPRISE);
    let vc = issue_credential(&unsigned, &format!("{ISSUER}#keys-1"), &key(1), NOW - 1000).unwrap();
    world.status.insert(
        vc["id"].as_str().unwrap().into(),
        zl_credentials::verify::Status::Valid,
    );
    let consent = sign_as_enterprise(
        &authorisation(ENTERPRISE, Some(ENTERPRISE), None, "2022-10-02T00:00:00Z"),
        NOW - 1000,
    );
    let later = NOW + 7 * 86_400_000;
    let vp = create_presentation(
        ISSUER,
        &[vc, consent],
        &format!("{ISSUER}#keys-1"),
        &key(1),
        "CCCCCCCCCCCC",
        later,
    )
    .unwrap();
    let err = verify_presentation(&world, &mut Nonces::default(), &vp, later).unwrap_err();
    assert!(
        matches!(err, CredentialError::NotAuthorised { .. }),
        "{err}"
    );
}

#[test]
fn an_at_id_cannot_hide_the_subject() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let mut hidden = vc.clone();
    let subject = hidden["credentialSubject"][0].as_object_mut().unwrap();
    let id = subject.remove("id").unwrap();
    subject.insert("@id".into(), id);
    let err = verify_credential(&world, &hidden, NOW).unwrap_err();
    assert!(matches!(err, CredentialError::Malformed { .. }), "{err}");
    let vp = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"], "holder": ENTERPRISE, "verifiableCredential": [hidden],
    });
    let err = verify_presentation(&world, &mut Nonces::default(), &vp, NOW).unwrap_err();
    assert!(matches!(err, CredentialError::Malformed { .. }), "{err}");
}

#[test]
fn members_json_ld_would_drop_are_refused_even_under_a_valid_signature() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let additions: [(&str, Value); 5] = [
        ("@evil", json!("x")),
        ("_:b9", json!({"anything": "at all"})),
        ("name", Value::Null),
        ("name", json!([])),
        (
            "description",
            json!({"@value": "x", "@language": "not a tag!"}),
        ),
    ];
    for (key, value) in additions {
        let mut altered = vc.clone();
        altered["credentialSubject"][0][key] = value.clone();
        let err = verify_credential(&world, &altered, NOW).unwrap_err();
        assert!(
            matches!(err, CredentialError::Malformed { .. }),
            "{key}: {value}: {err}"
        );
    }
}

#[test]
fn a_status_recorded_for_other_types_does_not_count() {
    let mut world = World::new();
    let vc = issued(&mut world);
    world.status_types.insert(
        vc["id"].as_str().unwrap().into(),
        vec!["UniversityDegreeCredential".into()],
    );
    let err = verify_credential(&world, &vc, NOW).unwrap_err();
    assert!(
        matches!(err, CredentialError::Status { ref status, .. } if status.contains("valid only for")),
        "{err}"
    );
}

#[test]
fn a_verifier_that_cannot_read_its_ledger_refuses() {
    let mut world = World::new();
    let vc = issued(&mut world);
    world.broken = true;
    let err = verify_credential(&world, &vc, NOW).unwrap_err();
    assert!(matches!(err, CredentialError::Unavailable(_)), "{err}");
}
