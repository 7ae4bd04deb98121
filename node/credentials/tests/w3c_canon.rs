//! The W3C RDF canonicalisation test suite (RDFC-1.0 and its URDNA2015 predecessor), as the
//! `rdf-canon` package on crates.io ships it, run through this crate's canonicaliser with its
//! call limit. The package is read where cargo unpacked it; nothing is copied into the repo.

use std::path::{Path, PathBuf};
use zl_credentials::canon::canonicalize_dataset;

fn suite_dir() -> PathBuf {
    // The version cargo resolved, from the workspace lock file.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"rdf-canon\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .expect("rdf-canon is locked")
        .trim_matches('"')
        .to_owned();
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cargo"));
    let registry = home.join("registry/src");
    std::fs::read_dir(&registry)
        .expect("the cargo registry holds the downloaded packages")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(format!("rdf-canon-{version}/tests")))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "rdf-canon {version} is not unpacked under {}",
                registry.display()
            )
        })
}

fn parse(path: &Path) -> oxrdf::Dataset {
    let text = std::fs::read_to_string(path).expect("a test file");
    oxttl::NQuadsParser::new()
        .for_reader(text.as_bytes())
        .map(|q| q.expect("valid N-Quads"))
        .collect()
}

#[test]
fn rdfc10_manifest_passes() {
    let dir = suite_dir();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.jsonld")).expect("manifest"),
    )
    .expect("JSON");
    let (mut eval, mut negative) = (0, 0);
    for entry in manifest["entries"].as_array().expect("entries") {
        let action = dir.join(entry["action"].as_str().expect("action"));
        // URDNA2015 fixes SHA-256; the cases for RDFC-1.0's SHA-384 option do not apply.
        if entry.get("hashAlgorithm").is_some_and(|h| h != "SHA256") {
            continue;
        }
        match entry["type"].as_str().expect("type") {
            "rdfc:RDFC10EvalTest" => {
                let expected =
                    std::fs::read_to_string(dir.join(entry["result"].as_str().expect("result")))
                        .expect("result file");
                let got = canonicalize_dataset(&parse(&action)).expect("canonicalises");
                assert_eq!(got, expected, "{}", entry["id"]);
                eval += 1;
            }
            "rdfc:RDFC10NegativeEvalTest" => {
                assert!(
                    canonicalize_dataset(&parse(&action)).is_err(),
                    "{} must be refused",
                    entry["id"]
                );
                negative += 1;
            }
            _ => {} // map tests check identifier maps, which this crate does not expose
        }
    }
    assert!(
        eval >= 60 && negative >= 1,
        "ran {eval} eval and {negative} negative tests"
    );
}

#[test]
fn urdna2015_cases_pass() {
    let dir = suite_dir().join("urdna2015");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("urdna2015 directory") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some(stem) = name.strip_suffix("-in.nq") else {
            continue;
        };
        let expected =
            std::fs::read_to_string(dir.join(format!("{stem}-urdna2015.nq"))).expect("result");
        let got = canonicalize_dataset(&parse(&path)).expect("canonicalises");
        assert_eq!(got, expected, "{stem}");
        ran += 1;
    }
    assert!(ran >= 60, "ran {ran} cases");
}
