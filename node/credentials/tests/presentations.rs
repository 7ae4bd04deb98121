//! §9.6: presentations: the holder's proof, the nonce accepted once, the window, and the rule
//! that a holder presents only its own credentials unless the subject authorised it (E.3).

mod common;

use common::*;
use serde_json::{json, Value};
use zl_credentials::issue::{create_presentation, issue_credential};
use zl_credentials::verify::verify_presentation;
use zl_credentials::CredentialError;

fn present(holder: &str, key_seed: u8, credentials: &[Value], nonce: &str) -> Value {
    create_presentation(
        holder,
        credentials,
        &format!("{holder}#keys-1"),
        &key(key_seed),
        nonce,
        NOW,
    )
    .expect("a presentation")
}

/// The enterprise authorises `agent` (appendix E.3), signed by the enterprise.
fn authorisation(agent: &str) -> Value {
    let unsigned = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": "did:rem:shanghai:VC000003",
        "type": ["VerifiableCredential", "CreditDataAuthorization", "LegalEntity"],
        "issuer": ENTERPRISE,
        "issuanceDate": "2022-10-01T19:00:00Z",
        "expirationDate": "2023-10-01T19:33:24Z",
        "credentialSubject": {
            "version": "v1.0",
            "id": ENTERPRISE,
            "authorization": {
                "lisensee": [agent],
                "startDate": "2022-10-01T19:00:00Z",
                "endDate": "2022-11-01T19:33:24Z",
                "dataItems": ["工商信息", "社保缴纳"],
                "entityInfo": {"enterpriseName": "企业名称", "enterpriseUSCI": "91310000564759688N"}
            }
        }
    });
    issue_credential(
        &unsigned,
        &format!("{ENTERPRISE}#keys-1"),
        &key(2),
        NOW - 60_000,
    )
    .expect("signed")
}

/// A credential about the enterprise, by the registered issuer.
fn about_enterprise(world: &mut World) -> Value {
    let mut unsigned = qualified_investor();
    unsigned["id"] = json!("https://www.china-see.com/credentials/4000");
    unsigned["credentialSubject"]["id"] = json!(ENTERPRISE);
    let vc = issue_credential(&unsigned, &format!("{ISSUER}#keys-1"), &key(1), NOW - 1000)
        .expect("signed");
    world.status.insert(
        "https://www.china-see.com/credentials/4000".into(),
        zl_credentials::verify::Status::Valid,
    );
    vc
}

#[test]
fn a_holder_presents_its_own_credential_once() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let vp = present(INVESTOR, 3, &[vc], "_HqG_B-H4ps=");
    assert_eq!(vp["proof"][0]["nonce"], "_HqG_B-H4ps=");
    let mut nonces = Nonces::default();
    let verified = verify_presentation(&world, &mut nonces, &vp, NOW).expect("verifies");
    assert_eq!(verified.len(), 1);
    let replay = verify_presentation(&world, &mut nonces, &vp, NOW).unwrap_err();
    assert_eq!(replay, CredentialError::Replay("_HqG_B-H4ps=".into()));
}

#[test]
fn a_refused_presentation_does_not_use_up_its_nonce() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let vp = present(INVESTOR, 3, &[vc], "AAAAAAAAAAAA");
    let mut nonces = Nonces::default();
    assert!(verify_presentation(&world, &mut nonces, &vp, NOW + 11 * 60_000).is_err());
    verify_presentation(&world, &mut nonces, &vp, NOW).expect("still accepted once");
}

#[test]
fn refusals() {
    let mut world = World::new();
    let vc = issued(&mut world);
    let mut nonces = Nonces::default();
    // Outside the 10-minute window.
    let vp = present(INVESTOR, 3, std::slice::from_ref(&vc), "AAAAAAAAAAAB");
    assert!(matches!(
        verify_presentation(&world, &mut nonces, &vp, NOW + 11 * 60_000),
        Err(CredentialError::Proof(_))
    ));
    // Signed with a key that is not the holder's.
    let forged = present(INVESTOR, 9, std::slice::from_ref(&vc), "AAAAAAAAAAAC");
    assert!(matches!(
        verify_presentation(&world, &mut nonces, &forged, NOW),
        Err(CredentialError::Proof(_))
    ));
    // A nonce that is too short, or not base64url.
    for nonce in ["AAAA", "not base64!"] {
        let vp = present(INVESTOR, 3, std::slice::from_ref(&vc), nonce);
        assert!(
            matches!(
                verify_presentation(&world, &mut nonces, &vp, NOW),
                Err(CredentialError::Malformed { .. })
            ),
            "{nonce}"
        );
    }
    // The enterprise presents the investor's credential.
    let vp = present(ENTERPRISE, 2, std::slice::from_ref(&vc), "AAAAAAAAAAAD");
    let err = verify_presentation(&world, &mut nonces, &vp, NOW).unwrap_err();
    assert_eq!(
        err,
        CredentialError::NotAuthorised {
            holder: ENTERPRISE.into(),
            subject: INVESTOR.into(),
            id: "https://www.china-see.com/credentials/3562".into()
        }
    );
    // An embedded credential that was altered.
    let mut altered = vc.clone();
    altered["issuanceDate"] = json!("2022-01-02T19:23:24Z");
    let vp = present(INVESTOR, 3, &[altered], "AAAAAAAAAAAE");
    assert!(matches!(
        verify_presentation(&world, &mut nonces, &vp, NOW),
        Err(CredentialError::Proof(_))
    ));
}

#[test]
fn an_agent_presents_with_the_subjects_authorisation() {
    let mut world = World::new();
    let vc = about_enterprise(&mut world);
    let mut nonces = Nonces::default();
    let vp = present(
        ISSUER,
        1,
        &[vc.clone(), authorisation(ISSUER)],
        "BBBBBBBBBBBB",
    );
    verify_presentation(&world, &mut nonces, &vp, NOW).expect("the authorised agent presents");
    let vp = present(
        INVESTOR,
        3,
        &[vc.clone(), authorisation(ISSUER)],
        "BBBBBBBBBBBC",
    );
    let err = verify_presentation(&world, &mut nonces, &vp, NOW).unwrap_err();
    assert!(
        matches!(err, CredentialError::NotAuthorised { .. }),
        "the authorisation names another agent: {err}"
    );
    let vp = present(ISSUER, 1, &[vc, authorisation(ISSUER)], "BBBBBBBBBBBD");
    let err = verify_presentation(&world, &mut nonces, &vp, NOW + 40 * 86_400_000).unwrap_err();
    assert!(matches!(err, CredentialError::Proof(_)), "{err}");
}
