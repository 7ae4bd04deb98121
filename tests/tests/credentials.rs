//! The JR/T 0325 §9 credential flows with a real `zld` and the real `zl`: proof of control
//! (§9.3, `zl login`), issuing by a registered issuer with its status on chain (§9.4), verifying
//! online and offline (§9.5), presentations with a nonce accepted once (§9.6) and revocation
//! (§9.7); with the refusals the issue lists.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zl_tests::sign::{load_key, Signer};
use zl_tests::{http, path_str, text, Node};
use zl_types::did::to_jwk;
use zl_types::PublicKey;

const ISSUER: &str = "did:rem:shanghai:91310000564759688N";
const ENTERPRISE: &str = "did:rem:shanghai:SH000001F.S2101";
const VC_ID: &str = "https://www.china-see.com/credentials/3562";

fn document(did: &str, key: &PublicKey) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": did, "controller": did,
        "verificationMethod": [{"id": format!("{did}#keys-1"), "type": "SM2VerificationKey2022",
            "controller": did, "publicKeyJwk": to_jwk(key)}],
        "authentication": [format!("{did}#keys-1")],
        "assertionMethod": [format!("{did}#keys-1")],
    })
}

fn credential(id: &str, kind: &str, issued: &str, expires: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": id,
        "type": ["VerifiableCredential", kind],
        "issuer": ISSUER,
        "issuanceDate": issued,
        "expirationDate": expires,
        "credentialSubject": {"id": ENTERPRISE, "riskTolerance": {"type": "qualified",
            "description": "a qualified investor", "investorType": "institution"}}
    })
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

fn new_key(node: &Node, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = node.zl(&["keys", "new", "--suite", "sm", "--out", path_str(&path)]);
    assert!(out.status.success(), "{}", text(&out));
    path
}

/// Runs `zl` and answers (exit code, output).
fn zl(node: &Node, args: &[&str]) -> (i32, String) {
    let out = node.zl(args);
    (out.status.code().unwrap_or(-1), text(&out))
}

#[test]
fn the_section_9_flows_with_a_real_node() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let node = Node::start(&home);
    let node_key = home.join("node.key");
    let public = load_key(&node_key).public_key();
    let roles = json!({"type": "set_roles", "public_key": public,
        "roles": ["validator", "governor", "did_authority", "submitter"]});
    let (code, out) = zl(
        &node,
        &[
            "governance",
            "propose",
            "--key",
            path_str(&node_key),
            "--action",
            &roles.to_string(),
        ],
    );
    assert_eq!(code, 0, "{out}");

    // §9.1: the DID authority registers the issuer's and the enterprise's DIDs.
    let issuer_key = new_key(&node, dir.path(), "issuer.key");
    let enterprise_key = new_key(&node, dir.path(), "enterprise.key");
    let signer = Signer::new(&node, load_key(&node_key));
    for (did, key) in [(ISSUER, &issuer_key), (ENTERPRISE, &enterprise_key)] {
        let doc = document(did, &load_key(key).public_key());
        let created = signer.commit(&node, "did", "create", json!({"document": doc}));
        assert_eq!(created["ok"], true, "{created}");
    }
    let register = json!({"type": "register_issuer", "did": ISSUER,
        "credential_types": ["QualifiedInvestorCredential"], "submitters": [public]});
    let (code, out) = zl(
        &node,
        &[
            "governance",
            "propose",
            "--key",
            path_str(&node_key),
            "--action",
            &register.to_string(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let issuers = http::get(&node.url, &format!("/v1/credentials/issuers/{ISSUER}"));
    assert_eq!(
        issuers.json()["credential_types"],
        json!(["QualifiedInvestorCredential"])
    );

    // §9.3: proof of control.
    let ent = format!("{ENTERPRISE}#keys-1");
    let (code, out) = zl(
        &node,
        &[
            "login",
            "--did",
            ENTERPRISE,
            "--method",
            &ent,
            "--key",
            path_str(&enterprise_key),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let token = serde_json::from_str::<Value>(&out[out.find('{').unwrap()..]).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = http::request_with_header(
        "GET",
        &format!("{}/v1/auth/session", node.url),
        ("Authorization", &format!("Bearer {token}")),
    );
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.json()["did"], ENTERPRISE);
    let unauthenticated = http::get(&node.url, "/v1/auth/session");
    unauthenticated.assert_error(401, "unauthenticated");
    let (code, out) = zl(
        &node,
        &[
            "login",
            "--did",
            ENTERPRISE,
            "--method",
            &ent,
            "--key",
            path_str(&issuer_key),
        ],
    );
    assert_eq!(code, 1, "a key that is not the DID's is refused: {out}");
    assert!(out.contains("does not verify"), "{out}");

    // §9.4: issue with the status registered on chain.
    let unsigned = write(
        dir.path(),
        "vc.json",
        &credential(
            VC_ID,
            "QualifiedInvestorCredential",
            "2022-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        ),
    );
    let signed = dir.path().join("vc.signed.json");
    let iss = format!("{ISSUER}#keys-1");
    let (code, out) = zl(
        &node,
        &[
            "vc",
            "issue",
            "--credential",
            path_str(&unsigned),
            "--issuer-key",
            path_str(&issuer_key),
            "--method",
            &iss,
            "--out",
            path_str(&signed),
            "--register",
            "--key",
            path_str(&node_key),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let vc: Value = serde_json::from_slice(&std::fs::read(&signed).unwrap()).unwrap();
    let status_url = vc["credentialStatus"]["id"].as_str().unwrap().to_owned();
    assert!(status_url.starts_with(&node.url), "{status_url}");
    assert!(
        status_url.contains("issuer=did%3Arem%3Ashanghai%3A91310000564759688N&id="),
        "{status_url}"
    );
    let status = zl_tests::get_json(&status_url).unwrap();
    assert_eq!(status, json!({"id": VC_ID, "credentialStatus": "valid"}));

    // §9.5: verify by the node, and offline from the issuer's resolved document.
    let (code, out) = zl(&node, &["vc", "verify", "--credential", path_str(&signed)]);
    assert_eq!(code, 0, "{out}");
    let issuer_doc = write(
        dir.path(),
        "issuer.did.json",
        &http::get(&node.url, &format!("/{ISSUER}")).json(),
    );
    let (code, out) = zl(
        &node,
        &[
            "vc",
            "verify",
            "--credential",
            path_str(&signed),
            "--doc",
            path_str(&issuer_doc),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("status NOT checked"), "{out}");
    let mut altered = vc.clone();
    altered["credentialSubject"][0]["riskTolerance"]["investorType"] = json!("person");
    let altered = write(dir.path(), "altered.json", &altered);
    let (code, out) = zl(&node, &["vc", "verify", "--credential", path_str(&altered)]);
    assert_eq!((code, out.contains("does not verify")), (1, true), "{out}");
    for (name, unsigned, why) in [
        (
            "unregistered",
            credential(
                "urn:vc:degree",
                "UniversityDegreeCredential",
                "2022-01-01T00:00:00Z",
                "2099-01-01T00:00:00Z",
            ),
            "not registered to issue",
        ),
        (
            "expired",
            credential(
                "urn:vc:old",
                "QualifiedInvestorCredential",
                "2020-01-01T00:00:00Z",
                "2021-01-01T00:00:00Z",
            ),
            "is not valid at",
        ),
    ] {
        let path = write(dir.path(), &format!("{name}.json"), &unsigned);
        let out_path = dir.path().join(format!("{name}.signed.json"));
        let (code, out) = zl(
            &node,
            &[
                "vc",
                "issue",
                "--credential",
                path_str(&path),
                "--issuer-key",
                path_str(&issuer_key),
                "--method",
                &iss,
                "--out",
                path_str(&out_path),
            ],
        );
        assert_eq!(code, 0, "{out}");
        let (code, out) = zl(
            &node,
            &["vc", "verify", "--credential", path_str(&out_path)],
        );
        assert_eq!((code, out.contains(why)), (1, true), "{name}: {out}");
    }

    // §9.6: the holder presents; the nonce is accepted once; another holder is refused.
    let vp = dir.path().join("vp.json");
    let (code, out) = zl(
        &node,
        &[
            "vp",
            "create",
            "--holder",
            ENTERPRISE,
            "--method",
            &ent,
            "--key",
            path_str(&enterprise_key),
            "--credential",
            path_str(&signed),
            "--out",
            path_str(&vp),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = zl(&node, &["vp", "verify", "--presentation", path_str(&vp)]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = zl(&node, &["vp", "verify", "--presentation", path_str(&vp)]);
    assert_eq!(
        (code, out.contains("already accepted")),
        (1, true),
        "replay: {out}"
    );
    let foreign = dir.path().join("foreign.json");
    let (code, out) = zl(
        &node,
        &[
            "vp",
            "create",
            "--holder",
            ISSUER,
            "--method",
            &iss,
            "--key",
            path_str(&issuer_key),
            "--credential",
            path_str(&signed),
            "--out",
            path_str(&foreign),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = zl(
        &node,
        &["vp", "verify", "--presentation", path_str(&foreign)],
    );
    assert_eq!(
        (code, out.contains("is not the subject")),
        (1, true),
        "{out}"
    );

    // Roles from a credential at login.
    let (code, out) = zl(
        &node,
        &[
            "login",
            "--did",
            ENTERPRISE,
            "--method",
            &ent,
            "--key",
            path_str(&enterprise_key),
            "--credential",
            path_str(&signed),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("qualified_investor"), "{out}");

    // §9.7: revocation is seen through credentialStatus.
    let (code, out) = zl(
        &node,
        &[
            "vc",
            "revoke",
            "--issuer",
            ISSUER,
            "--id",
            VC_ID,
            "--reason",
            "assessment withdrawn",
            "--key",
            path_str(&node_key),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        zl_tests::get_json(&status_url).unwrap()["credentialStatus"],
        "revoked"
    );
    let (code, out) = zl(&node, &["vc", "verify", "--credential", path_str(&signed)]);
    assert_eq!((code, out.contains("revoked")), (1, true), "{out}");

    // A deactivated DID cannot be used (§9.2).
    let head = http::get(&node.url, &format!("/{ENTERPRISE}")).json();
    let version: u64 = head["didDocumentMetadata"]["versionId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let gone = signer.commit(
        &node,
        "did",
        "deactivate",
        json!({"did": ENTERPRISE, "previous_version": version, "reason": "closed"}),
    );
    assert_eq!(gone["ok"], true, "{gone}");
    let (code, out) = zl(
        &node,
        &[
            "login",
            "--did",
            ENTERPRISE,
            "--method",
            &ent,
            "--key",
            path_str(&enterprise_key),
        ],
    );
    assert_eq!((code, out.contains("deactivated")), (1, true), "{out}");
}
