//! `zl object seal|verify` with the real `zl` on the pilot's fixtures: a valid object sealed and
//! verified; a changed one, an unsealed one and an invalid one refused with their pointers and
//! exit codes; the bridge's renames listed.

use serde_json::Value;
use std::process::Output;
use zl_tests::{path_str, text, zl};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../node/objects/tests/fixtures"
);

fn run(args: &[&str], code: i32) -> Output {
    let output = zl(args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "zl {args:?}: {}",
        text(&output)
    );
    output
}

#[test]
fn objects_are_sealed_verified_and_refused_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("owner.key");
    run(
        &["keys", "new", "--suite", "sm", "--out", path_str(&key)],
        0,
    );
    let sealed = dir.path().join("sealed.json");
    let subject = format!("{FIXTURES}/subject-2.json");
    run(
        &[
            "object",
            "seal",
            "--file",
            &subject,
            "--key",
            path_str(&key),
            "--out",
            path_str(&sealed),
        ],
        0,
    );
    let out = run(
        &["object", "verify", "--file", path_str(&sealed), "--json"],
        0,
    );
    let verdict: Value = serde_json::from_slice(&out.stdout).expect("JSON verdict");
    assert_eq!(verdict["valid"], Value::Bool(true));
    assert_eq!(verdict["seal"]["valid"], Value::Bool(true));

    // One member changed after sealing: the seal no longer verifies.
    let mut object: Value =
        serde_json::from_str(&std::fs::read_to_string(&sealed).unwrap()).unwrap();
    object["header"]["content"]["timestamp"] = Value::from(1);
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, serde_json::to_vec(&object).unwrap()).unwrap();
    let out = run(&["object", "verify", "--file", path_str(&changed)], 1);
    assert!(
        text(&out).contains("/header/seal/signature"),
        "{}",
        text(&out)
    );

    // Unsealed: refused unless --unsealed.
    let out = run(&["object", "verify", "--file", &subject], 1);
    assert!(
        text(&out).contains("/header/seal: is missing"),
        "{}",
        text(&out)
    );
    run(&["object", "verify", "--file", &subject, "--unsealed"], 0);

    // Mislabelled: refused with its pointer, and not sealed.
    let mislabelled = format!("{FIXTURES}/subject-4.json");
    let out = run(
        &["object", "verify", "--file", &mislabelled, "--unsealed"],
        1,
    );
    assert!(
        text(&out).contains("/header/content/type [type_mismatch]"),
        "{}",
        text(&out)
    );
    let not_written = dir.path().join("not-written.json");
    run(
        &[
            "object",
            "seal",
            "--file",
            &mislabelled,
            "--key",
            path_str(&key),
            "--out",
            path_str(&not_written),
        ],
        2,
    );
    assert!(!not_written.exists());

    // Through the bridge's normalisation the misspelt block is renamed and listed.
    let misspelt = format!("{FIXTURES}/registration-4.json");
    let out = run(
        &[
            "object",
            "verify",
            "--file",
            &misspelt,
            "--unsealed",
            "--bridge",
            "--json",
        ],
        1,
    );
    let verdict: Value = serde_json::from_slice(&out.stdout).expect("JSON verdict");
    assert_eq!(
        verdict["renamed"][0]["pointer"],
        "/body/registration_information/register_basic_information"
    );
    assert!(verdict["violations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["rule"] != "unknown_key"));
}
