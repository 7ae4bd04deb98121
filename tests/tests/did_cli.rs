//! `zl did` end to end with a real `zld` on an `sm` chain named `shanghai`: governance makes the
//! node's member the DID authority; `zl did doc` writes a document for a fresh key, `create`
//! puts it on chain, `rotate` replaces the key (the old key then signs nothing), every version
//! resolves, a controller deactivates the DID, and after that nothing changes it. Keys that are
//! not a controller's are refused with what to do, and the version stays.

use std::path::Path;
use std::process::Output;
use zl_tests::{path_str, text, Node};

const DID: &str = "did:rem:shanghai:91310000564759688N";
const OTHER: &str = "did:rem:shanghai:SH000001F.S2101";

/// Runs `zl --node NODE ARGS...` and asserts that it exits with `code`.
fn zl(node: &Node, args: &[&str], code: i32) -> Output {
    node.zl_exit(args, code)
}

/// `zl keys new --suite sm --out DIR/NAME.key`; returns the path and the public key's text.
fn new_key(dir: &Path, name: &str, node: &Node) -> (String, String) {
    let path = dir.join(format!("{name}.key"));
    let output = zl(
        node,
        &["keys", "new", "--suite", "sm", "--out", path_str(&path)],
        0,
    );
    let public = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (path_str(&path).to_string(), public)
}

/// `zl did resolve DID --json [--version N]`, found.
fn resolve(node: &Node, version: Option<&str>) -> serde_json::Value {
    let mut args = vec!["did", "resolve", DID, "--json"];
    if let Some(version) = version {
        args.extend(["--version", version]);
    }
    let output = zl(node, &args, 0);
    serde_json::from_slice(&output.stdout).expect("--json prints the resolution result")
}

/// Borrowed arguments.
fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The JWK of the first verification method of a resolution result's document.
fn jwk(result: &serde_json::Value) -> serde_json::Value {
    result["didDocument"]["verificationMethod"][0]["publicKeyJwk"].clone()
}

#[test]
fn zl_did_makes_creates_rotates_resolves_and_deactivates_a_did() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let node = Node::start(&home);
    let authority_path = home.join("node.key");
    let authority = path_str(&authority_path);
    let public = zl(&node, &["keys", "show", authority], 0);
    let public = String::from_utf8_lossy(&public.stdout).trim().to_string();
    let action = serde_json::json!({"type": "set_roles", "public_key": public,
        "roles": ["validator", "governor", "did_authority"]});
    zl(
        &node,
        &[
            "governance",
            "propose",
            "--key",
            authority,
            "--action",
            &action.to_string(),
        ],
        0,
    );

    // doc → create → resolve.
    let (old_key, old_public) = new_key(dir.path(), "old", &node);
    let document = dir.path().join("doc.json");
    let doc_args = ["did", "doc", "--did", DID, "--key-file", &old_key];
    let written = zl(
        &node,
        &[&doc_args[..], &["--out", path_str(&document)]].concat(),
        0,
    );
    assert!(text(&written).contains(&old_public), "{}", text(&written));
    let created = zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&document),
            "--key",
            authority,
        ],
        0,
    );
    let created = String::from_utf8_lossy(&created.stdout).to_string();
    assert!(
        created.contains(&format!("did:         {DID}\n")),
        "{created}"
    );
    assert!(created.contains("version:     1\n"), "{created}");
    let summary = zl(&node, &["did", "resolve", DID], 0);
    let summary = String::from_utf8_lossy(&summary.stdout).to_string();
    assert!(
        summary.contains(&format!(
            "key:         {DID}#keys-1 SM2VerificationKey2022 {old_public} (authentication, assertionMethod)"
        )),
        "{summary}"
    );
    assert!(summary.contains("deactivated: false\n"), "{summary}");
    let version_1 = resolve(&node, None);
    assert_eq!(version_1["didDocumentMetadata"]["versionId"], "1");
    let missing = zl(&node, &["did", "resolve", OTHER], 1);
    assert!(text(&missing).contains("not found"), "{}", text(&missing));

    // rotate; the old key then signs nothing, and version 1 keeps the old key.
    let (new_key_path, new_public) = new_key(dir.path(), "new", &node);
    let method = format!("{DID}#keys-1");
    let rotated = zl(
        &node,
        &[
            "did",
            "rotate",
            "--did",
            DID,
            "--controller-key",
            &old_key,
            "--method",
            &method,
            "--new-key",
            &new_key_path,
            "--key",
            authority,
        ],
        0,
    );
    assert!(
        String::from_utf8_lossy(&rotated.stdout).contains("version:     2\n"),
        "{}",
        text(&rotated)
    );
    let with_service = dir.path().join("service.json");
    let service = format!("id={DID}#hub,type=LinkedDomains,endpoint=https://a.example");
    let doc_with_service = [
        "did",
        "doc",
        "--did",
        DID,
        "--key-file",
        &new_key_path,
        "--service",
        &service,
        "--out",
        path_str(&with_service),
    ];
    zl(&node, &doc_with_service, 0);
    // `zl did update` of DID to the document with a service, signed by `controller_key` as
    // `method` (or as the method zl finds for the key).
    let update = |controller_key: &str, method: Option<&str>| -> Vec<String> {
        let mut args: Vec<String> = [
            "did",
            "update",
            "--did",
            DID,
            "--document",
            path_str(&with_service),
            "--controller-key",
            controller_key,
            "--key",
            authority,
        ]
        .map(String::from)
        .to_vec();
        if let Some(method) = method {
            args.extend(["--method".to_string(), method.to_string()]);
        }
        args
    };
    let by_old = update(&old_key, Some(&method));
    let refused = zl(&node, &strs(&by_old), 2);
    let refused = text(&refused);
    assert!(
        refused.contains(&format!(
            "{method} holds the key {new_public}, not the key of"
        )) && refused.contains("after a rotation, the new key"),
        "{refused}"
    );
    let version_2 = resolve(&node, None);
    assert_eq!(version_2["didDocumentMetadata"]["versionId"], "2");
    assert_ne!(jwk(&version_2), jwk(&version_1), "the key was replaced");
    assert_eq!(
        resolve(&node, Some("1"))["didDocument"],
        version_1["didDocument"],
        "version 1 still shows the old key"
    );
    let summary = zl(&node, &["did", "resolve", DID], 0);
    assert!(
        String::from_utf8_lossy(&summary.stdout).contains(&new_public),
        "{}",
        text(&summary)
    );

    // Keys that are not a controller's: a stranger's key claiming the DID's method, and the key
    // of another DID that does not control this one.
    let (stranger, _) = new_key(dir.path(), "stranger", &node);
    let refused = zl(&node, &strs(&update(&stranger, Some(&method))), 2);
    assert!(
        text(&refused).contains("not the key of"),
        "{}",
        text(&refused)
    );
    let other_document = dir.path().join("other.json");
    zl(
        &node,
        &[
            "did",
            "doc",
            "--did",
            OTHER,
            "--key-file",
            &stranger,
            "--out",
            path_str(&other_document),
        ],
        0,
    );
    zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&other_document),
            "--key",
            authority,
        ],
        0,
    );
    let other_method = format!("{OTHER}#keys-1");
    let refused = zl(&node, &strs(&update(&stranger, Some(&other_method))), 2);
    assert!(
        text(&refused).contains(&format!("{OTHER} is not a controller of {DID}")),
        "{}",
        text(&refused)
    );
    let found_by_key = update(&stranger, None);
    let refused = zl(&node, &strs(&found_by_key), 2);
    assert!(
        text(&refused).contains("no authentication method of"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        resolve(&node, None)["didDocumentMetadata"]["versionId"],
        "2",
        "refused changes leave the version"
    );

    // A controller deactivates it; then it resolves as deactivated and nothing changes it.
    zl(
        &node,
        &[
            "did",
            "deactivate",
            "--did",
            DID,
            "--reason",
            "the company merged",
            "--key",
            authority,
            "--controller-key",
            &new_key_path,
            "--method",
            &method,
        ],
        0,
    );
    let deactivated = resolve(&node, None);
    assert_eq!(deactivated["didDocumentMetadata"]["deactivated"], true);
    assert_eq!(deactivated["didDocumentMetadata"]["versionId"], "3");
    let summary = zl(&node, &["did", "resolve", DID], 0);
    assert!(
        String::from_utf8_lossy(&summary.stdout).contains("deactivated: true"),
        "{}",
        text(&summary)
    );
    let refused = zl(&node, &strs(&update(&new_key_path, Some(&method))), 2);
    assert!(
        text(&refused).contains("is deactivated (version 3); deactivation is final"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        resolve(&node, None)["didDocumentMetadata"]["versionId"],
        "3"
    );
}

/// Investor DIDs need the governed allocator's signature (docs/DID.md §11.1).
#[test]
fn an_investor_did_is_created_with_the_allocators_signature() {
    const INVESTOR: &str = "did:rem:shanghai:Q123456789";
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("node");
    Node::init(&home, "shanghai", "sm");
    let node = Node::start(&home);
    let authority_path = home.join("node.key");
    let authority = path_str(&authority_path);
    let public = zl(&node, &["keys", "show", authority], 0);
    let public = String::from_utf8_lossy(&public.stdout).trim().to_string();
    let roles = serde_json::json!({"type": "set_roles", "public_key": public,
        "roles": ["validator", "governor", "did_authority"]});
    zl(
        &node,
        &[
            "governance",
            "propose",
            "--key",
            authority,
            "--action",
            &roles.to_string(),
        ],
        0,
    );
    let (allocator_path, allocator_public) = new_key(dir.path(), "allocator", &node);
    let (investor_key, _) = new_key(dir.path(), "investor", &node);
    let doc = dir.path().join("investor.did.json");
    zl(
        &node,
        &[
            "did",
            "doc",
            "--did",
            INVESTOR,
            "--key-file",
            &investor_key,
            "--out",
            path_str(&doc),
        ],
        0,
    );

    let refused = zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&doc),
            "--key",
            authority,
        ],
        1,
    );
    assert!(
        text(&refused).contains("no investor allocator"),
        "{}",
        text(&refused)
    );
    let action =
        serde_json::json!({"type": "set_investor_allocator", "public_key": allocator_public});
    zl(
        &node,
        &[
            "governance",
            "propose",
            "--key",
            authority,
            "--action",
            &action.to_string(),
        ],
        0,
    );
    let refused = zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&doc),
            "--key",
            authority,
        ],
        1,
    );
    assert!(text(&refused).contains("allocation"), "{}", text(&refused));
    let wrong = zl(
        &node,
        &[
            "did",
            "allocate",
            "--code",
            "Q123456780",
            "--key",
            &allocator_path,
        ],
        0,
    );
    let wrong = String::from_utf8_lossy(&wrong.stdout).trim().to_string();
    zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&doc),
            "--key",
            authority,
            "--allocation",
            &wrong,
        ],
        1,
    );
    let allocation = zl(
        &node,
        &[
            "did",
            "allocate",
            "--code",
            "Q123456789",
            "--key",
            &allocator_path,
        ],
        0,
    );
    let allocation = String::from_utf8_lossy(&allocation.stdout)
        .trim()
        .to_string();
    zl(
        &node,
        &[
            "did",
            "create",
            "--document",
            path_str(&doc),
            "--key",
            authority,
            "--allocation",
            &allocation,
        ],
        0,
    );
    let resolved = zl_tests::http::get(&node.url, &format!("/{INVESTOR}"));
    assert_eq!(resolved.status, 200, "{}", resolved.body);
}
