//! The fixture verdict table of docs/DATA-MODEL.md §6: every pilot fixture under the official
//! schema alone, under the full checks as stored, and through the bridge (after normalising the
//! pilot's known variants). The table in the doc must be exactly what the code decides.

use serde_json::Value;
use zl_objects::normalise::normalise_pilot_variants;
use zl_objects::{check_object, check_official_schema, Violation};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/DATA-MODEL.md");

/// Fixture files in table order.
const NAMES: &[&str] = &[
    "subject-1.json",
    "subject-2.json",
    "subject-3.json",
    "subject-4.json",
    "product-1.json",
    "registration-1.json",
    "registration-2.json",
    "registration-3.json",
    "registration-4.json",
    "registration-5.json",
    "registration-6.json",
    "registration-7.json",
    "pre-2.0.0/subject-alpha3-1.json",
    "pre-2.0.0/subject-alpha3-2.json",
    "pre-2.0.0/subject-alpha4-1.json",
    "pre-2.0.0/subject-alpha4-2.json",
    "pre-2.0.0/subject-alpha4-3.json",
];

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn cell(violations: &[Violation]) -> String {
    if violations.is_empty() {
        return "accepted".into();
    }
    let listed: Vec<String> = violations
        .iter()
        .map(|v| format!("`{}` {}", v.pointer, v.rule.code()))
        .collect();
    format!("refused: {}", listed.join("; "))
}

fn row(name: &str) -> String {
    let object = load(name);
    let official = cell(&check_official_schema(&object));
    let full = cell(&check_object(&object).err().unwrap_or_default());
    let mut normalised = object.clone();
    let warnings = normalise_pilot_variants(&mut normalised);
    let bridge = cell(&check_object(&normalised).err().unwrap_or_default());
    format!(
        "| `{name}` | {official} | {full} | {bridge} ({} renamed) |",
        warnings.len()
    )
}

#[test]
fn data_model_table_is_what_the_checks_decide() {
    let doc = std::fs::read_to_string(DOC).expect("docs/DATA-MODEL.md");
    let rows: Vec<String> = NAMES.iter().map(|n| row(n)).collect();
    let missing: Vec<&String> = rows.iter().filter(|r| !doc.contains(r.as_str())).collect();
    assert!(
        missing.is_empty(),
        "DATA-MODEL.md §6 must hold these rows exactly:\n{}",
        rows.join("\n")
    );
}

/// The official-schema verdicts agree with the independent validator of SOURCES.md.
#[test]
fn official_verdicts_match_the_independent_validator() {
    let valid = [
        "subject-2.json",
        "subject-4.json",
        "product-1.json",
        "registration-3.json",
        "registration-4.json",
        "registration-5.json",
    ];
    for name in NAMES {
        let violations = check_official_schema(&load(name));
        assert_eq!(
            violations.is_empty(),
            valid.contains(name),
            "{name}: {violations:?}"
        );
    }
}

/// Only the loose schema lets these through: each is refused by the full checks.
#[test]
fn full_checks_refuse_what_the_loose_schema_misses() {
    let cases = [
        ("subject-4.json", "/header/content/type", "type_mismatch"),
        ("registration-4.json", "/body/registration_information/register_basic_infomation", "unknown_key"),
        ("product-1.json", "/body/product_information/essential_information/basic_product_information/product_market_subject_ref", "reference"),
    ];
    for (name, pointer, code) in cases {
        let violations = check_object(&load(name)).expect_err(name);
        assert!(
            violations
                .iter()
                .any(|v| v.pointer == pointer && v.rule.code() == code),
            "{name}: {violations:?}"
        );
    }
}
