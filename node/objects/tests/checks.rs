//! Table tests of the checks the loose schema misses (DATA-MODEL.md §4-§5, §7): each bad input
//! refused with its rule at its pointer, each good one accepted.

use serde_json::{json, Value};
use zl_objects::normalise::normalise_pilot_variants;
use zl_objects::{check_object, Rule};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
    serde_json::from_str(&text).expect("JSON")
}

/// subject-2: a valid personal subject (subject_type 2).
fn person() -> Value {
    load("subject-2.json")
}

/// registration-3 with the roster rename applied: a valid rights registration.
fn registration() -> Value {
    let mut object = load("registration-3.json");
    normalise_pilot_variants(&mut object);
    object
}

fn refused_with(object: &Value, pointer: &str, rule: Rule) {
    let violations = check_object(object).expect_err("refused");
    assert!(
        violations
            .iter()
            .any(|v| v.pointer == pointer && v.rule == rule),
        "want {pointer} {rule:?}, got {violations:?}"
    );
}

/// One change made to a valid object.
type Change = Box<dyn Fn(&mut Value)>;

const SUBJECT: &str = "/body/subject_information";
const PERSON_BASIC: &str =
    "/body/subject_information/personal_subject_information/personal_subject_basic_information";

#[test]
fn subject_kind_table() {
    let kind = "/body/subject_information/basic_information_subject/general_information_subject/subject_type";
    let organisation_block = load("subject-3.json")["body"]["subject_information"]
        ["organization_subject_information"]
        .clone();
    let cases: Vec<(&str, Change)> = vec![
        (
            "subject_type 1 with a person block",
            Box::new(move |o: &mut Value| *o.pointer_mut(kind).unwrap() = json!(1)),
        ),
        (
            "both blocks",
            Box::new(move |o: &mut Value| {
                o["body"]["subject_information"]["organization_subject_information"] =
                    organisation_block.clone();
            }),
        ),
        (
            "neither block",
            Box::new(|o: &mut Value| {
                o["body"]["subject_information"]
                    .as_object_mut()
                    .unwrap()
                    .remove("personal_subject_information");
            }),
        ),
    ];
    for (what, change) in cases {
        let mut object = person();
        change(&mut object);
        let violations = check_object(&object).expect_err(what);
        assert!(
            violations
                .iter()
                .any(|v| v.pointer == SUBJECT && v.rule == Rule::SubjectKind),
            "{what}: {violations:?}"
        );
    }
}

#[test]
fn registration_needs_the_block_its_type_names() {
    let mut rights_without_block = registration();
    rights_without_block["body"]["registration_information"]
        .as_object_mut()
        .unwrap()
        .remove("registration_rights");
    refused_with(
        &rights_without_block,
        "/body/registration_information/registration_rights",
        Rule::RegistrationBlock,
    );
    // Roster registration (type 2) without roll_records.
    let mut roster_without_block = registration();
    roster_without_block["body"]["registration_information"]["register_basic_information"]
        ["register_object_type"] = json!(2);
    roster_without_block["body"]["registration_information"]
        .as_object_mut()
        .unwrap()
        .remove("roll_records");
    refused_with(
        &roster_without_block,
        "/body/registration_information/roll_records",
        Rule::RegistrationBlock,
    );
}

#[test]
fn resident_identity_numbers_are_checked_under_code_1() {
    let resident = |id_type: i64, number: &str| {
        let mut object = person();
        let basic = object.pointer_mut(PERSON_BASIC).unwrap();
        basic["subject_id_type"] = json!(id_type);
        basic["subject_id_number"] = json!(number);
        object
    };
    // GB 11643's own example number.
    assert!(check_object(&resident(1, "11010519491231002X")).is_ok());
    let pointer = format!("{PERSON_BASIC}/subject_id_number");
    refused_with(
        &resident(1, "110105194912310021"),
        &pointer,
        Rule::Identifier,
    );
    refused_with(
        &resident(1, "11010519491331002X"),
        &pointer,
        Rule::Identifier,
    );
    // Under code 0 (空值) the number is not checked: subject-2 sends a credit code there.
    assert!(check_object(&resident(0, "110105194912310021")).is_ok());
    // The message never echoes the number.
    let violations = check_object(&resident(1, "110105194912310021")).unwrap_err();
    assert!(violations.iter().all(|v| !v.message.contains("1101051949")));
}

#[test]
fn key_personnel_and_credit_codes_are_checked() {
    let mut object = load("subject-1.json");
    object["body"]["subject_information"]["basic_information_subject"]
        ["general_information_subject"]["subject_type"] = json!(1);
    object["body"]["subject_information"]["basic_information_subject"]
        ["general_information_subject"]["subject_create_time"] = json!("2015-12-17T00:00:00+08:00");
    assert!(check_object(&object).is_ok(), "{:?}", check_object(&object));
    let members = "/body/subject_information/organization_subject_information/basic_information_of_enterprise/leading_member_information/0";
    let id = object
        .pointer_mut(&format!("{members}/subject_key_personnel_id"))
        .unwrap();
    *id = json!("310224196606180028"); // the fixture's number with another check digit
    refused_with(
        &object,
        &format!("{members}/subject_key_personnel_id"),
        Rule::Identifier,
    );

    let mut product = load("product-1.json");
    let at = "/body/product_information/essential_information/basic_product_information/product_market_subject_ref";
    *product.pointer_mut(at).unwrap() = json!("gdTokenZ0SETDXj111111111111111111111/0");
    assert!(check_object(&product).is_ok());
}

#[test]
fn numbers_beyond_2_pow_53_are_refused() {
    let mut object = person();
    let at = "/body/subject_information/basic_information_subject/general_information_subject/subject_type";
    *object.pointer_mut(at).unwrap() = json!(9_007_199_254_740_993u64);
    refused_with(&object, at, Rule::Number);
}

#[test]
fn deletions_carry_an_empty_body() {
    let mut deletion = person();
    deletion["header"]["content"]["operation"] = json!("delete");
    refused_with(&deletion, "/body", Rule::DeletionBody);
    for empty in [json!({}), Value::Null] {
        deletion["body"] = empty;
        assert!(check_object(&deletion).is_ok());
    }
}

#[test]
fn references_must_name_a_version() {
    let mut object = registration();
    let at =
        "/body/registration_information/roll_records/basic_information_roster/register_product_ref";
    for bad in [
        "217201CFEE7BB52533480B816C0918B3",
        "x/01",
        "/0",
        "a/b/0",
        "a/-1",
    ] {
        *object.pointer_mut(at).unwrap() = json!(bad);
        refused_with(&object, at, Rule::Reference);
    }
    *object.pointer_mut(at).unwrap() = json!("217201CFEE7BB52533480B816C0918B3/7");
    let checked = check_object(&object).expect("valid");
    assert!(checked
        .references
        .iter()
        .any(|(p, r)| p == at && r.to_string() == "217201CFEE7BB52533480B816C0918B3/7"));
}

#[test]
fn header_refusals_table() {
    let cases: [(&str, Value, &str); 6] = [
        (
            "/header/model/version",
            json!("2.0.0-alpha4"),
            "/header/model/version",
        ),
        (
            "/header/model/protocol",
            json!("other"),
            "/header/model/protocol",
        ),
        (
            "/header/content/type",
            json!("person"),
            "/header/content/type",
        ),
        (
            "/header/content/object_id",
            json!("a/b"),
            "/header/content/object_id",
        ),
        (
            "/header/content/operation",
            json!("upsert"),
            "/header/content/operation",
        ),
        (
            "/header/content/version",
            json!(0),
            "/header/content/version",
        ), // update at 0
    ];
    for (at, value, pointer) in cases {
        let mut object = person();
        *object.pointer_mut(at).unwrap_or_else(|| panic!("{at}")) = value;
        refused_with(&object, pointer, Rule::Header);
    }
    let mut object = person();
    object["header"]["remark"] = json!("长".repeat(2049));
    refused_with(&object, "/header/remark", Rule::Header);
    object["header"]["remark"] = json!("长".repeat(2048));
    assert!(check_object(&object).is_ok());
}

#[test]
fn normalisation_renames_with_a_warning_and_never_overwrites() {
    let mut object = load("registration-4.json");
    let warnings = normalise_pilot_variants(&mut object);
    assert!(warnings
        .iter()
        .any(|w| w.pointer == "/body/registration_information/register_basic_information"));
    // The block is now where the model wants it: only its own missing member remains.
    let violations = check_object(&object).expect_err("register_object_type is missing");
    assert!(
        violations.iter().all(|v| v.rule != Rule::UnknownKey),
        "{violations:?}"
    );
    // Both spellings present: no rename, and the misspelt one is an unknown key.
    let mut both = load("registration-4.json");
    both["body"]["registration_information"]["register_basic_information"] =
        json!({"register_object_type": 1, "register_event_type": 0});
    assert!(normalise_pilot_variants(&mut both).is_empty());
    refused_with(
        &both,
        "/body/registration_information/register_basic_infomation",
        Rule::UnknownKey,
    );
}
