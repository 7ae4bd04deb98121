//! `flat::nest` from the outside: how shared leaf names find their branch, what is refused and
//! where, and what the pilot's real flat request maps (FIELDS.md §7, `api-requests/`) become.

use serde_json::{json, Map, Value};
use zl_objects::flat::{is_nested, nest, ID_FIELDS};
use zl_objects::{check_object, Rule, Violation};
use zl_types::object::{ObjectType, MODEL_PROTOCOL, MODEL_VERSION};

const ORGANISATION: &str =
    "/organization_subject_information/basic_information_of_enterprise/basic_information_description";
const PERSON: &str = "/personal_subject_information/personal_subject_basic_information";
const RIGHTS: &str = "/registration_rights/basic_information_rights/basic_information_description";
const ROSTER: &str = "/roll_records/basic_information_roster";

/// The pilot's request bodies are not copied into the repository (they are requests, not model
/// objects): they are read from the shared fixtures beside the checkout.
const API_REQUESTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/rem-data-model-v2/api-requests"
);

fn nested(object_type: ObjectType, flat: Value) -> Value {
    nest(object_type, flat.as_object().expect("map"))
        .expect("nests")
        .root
}

#[test]
fn subject_branch_from_subject_type_or_other_members() {
    let by_type = |t| {
        nested(
            ObjectType::Subject,
            json!({"subject_type": t, "subject_city": "310100"}),
        )
    };
    assert_eq!(
        by_type(1).pointer(&format!("{ORGANISATION}/subject_city")),
        Some(&json!("310100"))
    );
    assert_eq!(
        by_type(2).pointer(&format!("{PERSON}/subject_city")),
        Some(&json!("310100"))
    );
    let company = nested(
        ObjectType::Subject,
        json!({"subject_company_name": "X", "subject_postal_code": "200000"}),
    );
    assert_eq!(
        company.pointer(&format!("{ORGANISATION}/subject_postal_code")),
        Some(&json!("200000"))
    );
    let person = nested(
        ObjectType::Subject,
        json!({"subject_investor_name": "Y", "subject_industry": 3}),
    );
    assert_eq!(
        person.pointer(&format!("{PERSON}/subject_industry")),
        Some(&json!(3))
    );
    assert_eq!(person.get("organization_subject_information"), None);
    // subject_type outranks the other members: the kind check then reports the mix.
    let mixed = nested(
        ObjectType::Subject,
        json!({"subject_type": 2, "subject_company_name": "X", "subject_city": "c"}),
    );
    assert_eq!(
        mixed.pointer(&format!("{PERSON}/subject_city")),
        Some(&json!("c"))
    );
}

#[test]
fn registration_product_ref_from_register_object_type_or_block() {
    let by_type = |t| {
        nested(
            ObjectType::Registration,
            json!({"register_object_type": t, "register_product_ref": "P/0"}),
        )
    };
    assert_eq!(
        by_type(1).pointer(&format!("{RIGHTS}/register_product_ref")),
        Some(&json!("P/0"))
    );
    assert_eq!(
        by_type(2).pointer(&format!("{ROSTER}/register_product_ref")),
        Some(&json!("P/0"))
    );
    let roster = nested(
        ObjectType::Registration,
        json!({"register_shareholders": [], "register_product_ref": "P/0"}),
    );
    assert_eq!(
        roster.pointer(&format!("{ROSTER}/register_product_ref")),
        Some(&json!("P/0"))
    );
    // The pilot's maps carry the roster lists next to the rights fields: only the type decides.
    let both = json!({"register_shareholders": [], "register_subject_ref": "S/0", "register_product_ref": "P/0"});
    let violations =
        nest(ObjectType::Registration, both.as_object().expect("map")).expect_err("ambiguous");
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].pointer, "/register_product_ref");
    assert!(violations[0].message.contains(&format!(
        "{RIGHTS}/register_product_ref and {ROSTER}/register_product_ref"
    )));
    assert!(
        violations[0].message.contains("register_object_type"),
        "{}",
        violations[0].message
    );
}

#[test]
fn every_refusal_at_its_own_pointer() {
    let flat = json!({"subject_object_id": "S1", "subject_nickname": "n", "subject_city": "c", "subject_create_time": "2021-07-16T00:00:00+08:00"});
    let violations =
        nest(ObjectType::Subject, flat.as_object().expect("map")).expect_err("refused");
    let got: Vec<(&str, Rule)> = violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.rule))
        .collect();
    assert_eq!(
        got,
        [
            ("/subject_city", Rule::Schema),
            ("/subject_nickname", Rule::UnknownKey),
            ("/subject_object_id", Rule::UnknownKey)
        ]
    );
    assert!(
        violations[0].message.contains("ambiguous")
            && violations[0].message.contains("nested form")
    );
    assert!(violations[1]
        .message
        .contains("no member of that name in a subject body"));
    assert!(violations[2].message.contains("header.content.object_id"));
    let price = json!({"product_issue_price": 1.5});
    let violations =
        nest(ObjectType::Product, price.as_object().expect("map")).expect_err("ambiguous");
    assert_eq!(violations[0].pointer, "/product_issue_price");
}

#[test]
fn items_groups_and_documents() {
    let flat = json!({
        "subject_type": 2,
        "subject_qualification_information": [
            {"subject_market_roles_type": 1, "investor_suitability_information": []},
            {"qualification_information": {"subject_qualification_category": 1}},
            {"subject_nickname": 1}
        ],
        "general_information_subject": {"subject_main_administrative_region": 1},
        "subject_investor_name": "Y",
        "subject_id_type": 1,
    });
    let violations =
        nest(ObjectType::Subject, flat.as_object().expect("map")).expect_err("unknown in item");
    assert_eq!(
        violations[0].pointer,
        "/subject_qualification_information/2/subject_nickname"
    );
    assert!(violations[0]
        .message
        .contains("an item of subject_qualification_information"));
    let mut flat = flat;
    flat["subject_qualification_information"]
        .as_array_mut()
        .expect("list")
        .pop();
    flat["subject_business_license"] = json!([{"url": "u", "file_name": "f"}]);
    flat["subject_type"] = json!(1);
    let result = nest(ObjectType::Subject, flat.as_object().expect("map")).expect("nests");
    let general = "/basic_information_subject/general_information_subject";
    assert_eq!(
        result.root.pointer(&format!("{general}/subject_type")),
        Some(&json!(1))
    );
    assert_eq!(
        result
            .root
            .pointer(&format!("{general}/subject_main_administrative_region")),
        Some(&json!(1))
    );
    let items = "/basic_information_subject/subject_qualification_information";
    assert_eq!(
        result.root.pointer(items),
        Some(&json!([
            {"qualification_information": {"subject_market_roles_type": 1}, "investor_suitability_information": []},
            {"qualification_information": {"subject_qualification_category": 1}}
        ]))
    );
    let license = format!("{ORGANISATION}/subject_business_license/0");
    assert_eq!(
        result.root.pointer(&license),
        Some(&json!({"uri": "u", "file_name": "f"}))
    );
    assert_eq!(result.warnings.len(), 1);
    assert_eq!(result.warnings[0].pointer, format!("{license}/uri"));
    // A member given both inside its group and by its own name is refused, not overwritten.
    let twice = json!({"general_information_subject": {"subject_type": 1}, "subject_type": 2});
    let violations = nest(ObjectType::Subject, twice.as_object().expect("map")).expect_err("twice");
    assert!(
        violations[0].message.contains("give each member once"),
        "{violations:?}"
    );
}

/// One flat map of a request, or `None` (with a note) where the shared fixtures are absent.
fn request_map(name: &str, pointer: &str) -> Option<Map<String, Value>> {
    let path = format!("{API_REQUESTS}/{name}");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {path} is not there (the shared pilot fixtures are not checked out)");
        return None;
    };
    let request: Value = serde_json::from_str(&text).expect("request is JSON");
    let map = request.pointer(pointer).and_then(Value::as_object);
    Some(map.expect("a flat map there").clone())
}

/// As the bridge calls it: the pilot's id field taken out first.
fn nest_pilot(
    object_type: ObjectType,
    mut flat: Map<String, Value>,
) -> Result<Value, Vec<Violation>> {
    for id in ID_FIELDS {
        flat.remove(*id);
    }
    let nested = nest(object_type, &flat)?;
    // Every warning is the pilot's `url` for the model's `uri`.
    assert!(nested.warnings.iter().all(|w| w.pointer.ends_with("/uri")));
    assert!(!is_nested(object_type, &Value::Object(flat)));
    assert!(is_nested(object_type, &nested.root));
    Ok(nested.root)
}

fn unknown_keys(violations: &[Violation]) -> Vec<&str> {
    violations
        .iter()
        .filter(|v| v.rule == Rule::UnknownKey)
        .map(|v| v.pointer.trim_start_matches('/'))
        .collect()
}

/// What the full checks say of a nested root once it has a header (pointer and rule).
fn checked(object_type: ObjectType, root: Value) -> Vec<(String, Rule)> {
    let object = json!({
        "header": {
            "model": {"protocol": MODEL_PROTOCOL, "version": MODEL_VERSION},
            "content": {"type": object_type.name(), "object_id": "X1", "version": 0, "operation": "create", "timestamp": 1_608_097_800},
            "metadata": null,
        },
        "body": {object_type.body_root(): root},
    });
    let prefix = format!("/body/{}", object_type.body_root());
    check_object(&object)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.pointer.replacen(&prefix, "", 1), v.rule))
        .collect()
}

#[test]
fn enterprise_issue_2_subject_is_2_0_0_shaped() {
    let Some(flat) = request_map("equity-enterprise-issue-2.json", "/enterpriseSubjectInfo") else {
        return;
    };
    // Left in, the id field is refused like any other non-member.
    let refused = nest(ObjectType::Subject, &flat).expect_err("id field");
    assert_eq!(unknown_keys(&refused), ["subject_object_id"]);
    let root = nest_pilot(ObjectType::Subject, flat).expect("every other name is the model's");
    assert_eq!(
        root.pointer(&format!("{ORGANISATION}/subject_province")),
        Some(&json!("注册地所在省份CHARACTER"))
    );
    // The structure is the model's; what fails is values: `yyyy/MM/dd` dates, one intermediary
    // code out of range, and one bare reference (which the bridge pins before checking).
    let verdict = checked(ObjectType::Subject, root);
    assert_eq!(verdict.len(), 20, "{verdict:?}");
    assert!(verdict
        .iter()
        .all(|(_, rule)| matches!(rule, Rule::Schema | Rule::Reference)));
    let at = |p: &str| verdict.iter().any(|(pointer, _)| pointer == p);
    assert!(at(
        "/basic_information_subject/general_information_subject/subject_create_time"
    ));
    assert!(at("/basic_information_subject/subject_qualification_information/0/qualification_information/subject_intermediary_qualification/1"));
    assert_eq!(
        verdict
            .iter()
            .filter(|(_, rule)| *rule == Rule::Reference)
            .count(),
        1
    );
}

#[test]
fn enterprise_issue_2_product_misses_one_name() {
    let Some(flat) = request_map("equity-enterprise-issue-2.json", "/equityProductInfo") else {
        return;
    };
    // The schema's own name has a space: "product_description _fund_use" (FIELDS.md §3.11).
    let refused = nest_pilot(ObjectType::Product, flat.clone()).expect_err("one pilot name");
    assert_eq!(unknown_keys(&refused), ["product_description_fund_use"]);
    assert_eq!(refused.len(), 1);
    let mut renamed = flat;
    let value = renamed
        .remove("product_description_fund_use")
        .expect("there");
    renamed.insert("product_description _fund_use".into(), value);
    let verdict = checked(
        ObjectType::Product,
        nest_pilot(ObjectType::Product, renamed).expect("nests"),
    );
    assert!(
        verdict
            .iter()
            .all(|(_, rule)| matches!(rule, Rule::Schema | Rule::Reference)),
        "{verdict:?}"
    );
}

#[test]
fn account_create_2_nests_and_fails_only_on_values() {
    let Some(investor) = request_map("equity-account-create-2.json", "/investorInfo") else {
        return;
    };
    let root = nest_pilot(ObjectType::Subject, investor).expect("nests");
    assert_eq!(
        checked(ObjectType::Subject, root),
        [
            ("/basic_information_subject/subject_qualification_information/0/investor_suitability_information/0/subject_investor_qualification_certifier_ref".to_owned(), Rule::Reference),
            ("/basic_information_subject/subject_qualification_information/0/qualification_information/subject_intermediary_qualification/1".to_owned(), Rule::Schema),
        ]
    );
    for (pointer, references) in [
        ("/shareholderInfo/accountInfo", 2),
        ("/fundInfo/accountInfo", 3),
    ] {
        let flat = request_map("equity-account-create-2.json", pointer).expect("same file");
        let verdict = checked(
            ObjectType::Account,
            nest_pilot(ObjectType::Account, flat).expect("nests"),
        );
        // Only bare references, which the bridge pins to their current version.
        assert_eq!(verdict.len(), references, "{verdict:?}");
        assert!(verdict.iter().all(|(_, rule)| *rule == Rule::Reference));
    }
}

/// The 2020 requests still use names from before 2.0.0: each is reported, none guessed.
#[test]
fn pre_2_0_0_names_are_unknown() {
    let Some(registration) =
        request_map("equity-share-transfer-1.json", "/fromRegisterInformation")
    else {
        return;
    };
    let refused = nest_pilot(ObjectType::Registration, registration).expect_err("old names");
    assert_eq!(refused.len(), 40);
    assert_eq!(
        unknown_keys(&refused),
        [
            "register_account_obj_id",
            "register_available_balance",
            "register_available_percentage",
            "register_creditor_contact_info",
            "register_creditor_paid_in_amount",
            "register_creditor_subject_ref",
            "register_creditor_subscription_count",
            "register_creditor_type",
            "register_currency",
            "register_date",
            "register_freeze_deadline_time",
            "register_frozen_category",
            "register_holding_attribute",
            "register_holding_status",
            "register_nature_of_shares",
            "register_notes",
            "register_object_information_type",
            "register_paid_in_amount",
            "register_registration_serial_number",
            "register_registration_type",
            "register_rights_change_amount",
            "register_rights_frozen_balance",
            "register_rights_frozen_change_amount",
            "register_rights_pledge_balance",
            "register_rights_pledge_change_amount",
            "register_rights_subject_ref",
            "register_rights_subject_type",
            "register_rights_type",
            "register_roster_subject_ref",
            "register_shareholder_subject_ref",
            "register_shareholder_subject_type",
            "register_shareholding_ratio",
            "register_subscription_amount",
            "register_transaction_obj_id",
            "register_unit",
            "register_verification_certificates",
            "registration_object_right",
            "registration_rights_type",
            "registration_source",
            "transaction_type",
        ]
    );
    let report = request_map("equity-share-transfer-1.json", "/txInformation").expect("same file");
    let refused = nest_pilot(ObjectType::TransactionReport, report).expect_err("old names");
    assert_eq!(
        unknown_keys(&refused),
        [
            "transaction_Investor_name",
            "transaction_Investor_subject_ref",
            "transaction_Issuer_principal_subject_ref",
            "transaction_close_amount",
            "transaction_close_currency",
            "transaction_close_description",
            "transaction_close_method",
            "transaction_close_price",
            "transaction_close_time",
            "transaction_close_verification_certificates",
            "transaction_counterparty_name",
            "transaction_counterparty_subject_ref",
            "transaction_intermediary_name",
            "transaction_intermediary_subject_ref",
            "transaction_intermediary_type",
            "transaction_object_information_type",
            "transaction_order_verification_certificates",
            "transaction_original_owner_name",
            "transaction_original_owner_subject_ref",
            "transaction_serial_num",
            "transaction_traded_product_ref",
        ]
    );
    // 2020 product maps give two groups of the model as lists.
    let product =
        request_map("equity-share-increase-1.json", "/equityProductInfo").expect("2020 product");
    let refused = nest_pilot(ObjectType::Product, product).expect_err("old names");
    assert_eq!(unknown_keys(&refused).len(), 35);
    let groups: Vec<&str> = refused
        .iter()
        .filter(|v| v.rule == Rule::Schema)
        .map(|v| v.pointer.as_str())
        .collect();
    assert_eq!(groups, ["/business_information", "/portfolio_information"]);
}

/// 2021 share issue: rights fields and roster lists side by side and no register_object_type,
/// so register_product_ref cannot be placed.
#[test]
fn share_issue_1_registration_needs_its_type() {
    let Some(flat) = request_map(
        "equity-share-issue-1.json",
        "/shareList/0/registerInformation",
    ) else {
        return;
    };
    let refused = nest_pilot(ObjectType::Registration, flat.clone()).expect_err("refused");
    let got: Vec<(&str, Rule)> = refused
        .iter()
        .map(|v| (v.pointer.as_str(), v.rule))
        .collect();
    assert_eq!(
        got,
        [
            ("/register_account_obj_id", Rule::UnknownKey),
            ("/register_nature_of_shares", Rule::UnknownKey),
            ("/register_product_ref", Rule::Schema),
        ]
    );
    let mut typed = flat;
    typed.insert("register_object_type".into(), json!(1));
    typed.remove("register_account_obj_id");
    typed.remove("register_nature_of_shares");
    let root = nest_pilot(ObjectType::Registration, typed).expect("the type decides");
    assert!(root
        .pointer(&format!("{RIGHTS}/register_product_ref"))
        .is_some());
}

/// Every flat map of every request, and which of them nest as sent (id field taken out).
#[test]
fn every_request_map() {
    let Ok(entries) = std::fs::read_dir(API_REQUESTS) else {
        eprintln!("skipped: {API_REQUESTS} is not there");
        return;
    };
    let mut names: Vec<String> = entries
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut nested = Vec::new();
    let mut refused = 0;
    for name in names {
        let text = std::fs::read_to_string(format!("{API_REQUESTS}/{name}")).expect("request");
        let mut found = Vec::new();
        flat_maps(
            &serde_json::from_str(&text).expect("JSON"),
            "",
            None,
            &mut found,
        );
        for (pointer, object_type, flat) in found {
            match nest_pilot(object_type, flat) {
                Ok(_) => nested.push(format!("{name}{pointer}")),
                Err(_) => refused += 1,
            }
        }
    }
    assert_eq!(refused, 14);
    assert_eq!(
        nested,
        [
            "equity-account-create-1.json/fundInfo/accountInfo",
            "equity-account-create-1.json/investorInfo",
            "equity-account-create-1.json/shareholderInfo/accountInfo",
            "equity-account-create-2.json/fundInfo/accountInfo",
            "equity-account-create-2.json/investorInfo",
            "equity-account-create-2.json/shareholderInfo/accountInfo",
            "equity-enterprise-issue-1.json/enterpriseSubjectInfo",
            "equity-enterprise-issue-1.json/equityProductInfo",
            "equity-enterprise-issue-2.json/enterpriseSubjectInfo",
            "equity-share-changeboard-1.json/registerInformationList/0",
            "equity-share-changeboard-1.json/registerInformationList/1",
            "equity-share-changeboard-1.json/registerInformationList/2",
            "equity-share-changeboard-1.json/registerInformationList/3",
            "equity-share-changeboard-1.json/registerInformationList/4",
            "equity-share-changeboard-1.json/registerInformationList/5",
            "equity-share-increase-2.json/shareList/0/registerInformation",
            "equity-share-increase-2.json/shareList/1/registerInformation",
            "equity-share-increase-2.json/shareList/2/registerInformation",
            "equity-share-increase-2.json/shareList/3/registerInformation",
            "equity-share-increase-2.json/transactionReport",
            "equity-share-transfer-2.json/fromRegisterInformation",
            "equity-share-transfer-2.json/toRegisterInformation",
            "equity-share-transfer-2.json/txInformation",
        ]
    );
}

/// The type of the flat map under each request member FIELDS.md §7 names.
fn flat_type(key: &str) -> Option<ObjectType> {
    Some(match key {
        "enterpriseSubjectInfo" | "investorInfo" | "subjectInfo" => ObjectType::Subject,
        "accountInfo" => ObjectType::Account,
        "equityProductInfo" | "bondProductInfo" | "fundProductInfo" | "newProductInfo"
        | "oldProductInfo" | "productInfo" => ObjectType::Product,
        "txInformation" | "transactionReport" => ObjectType::TransactionReport,
        "registerInformation"
        | "fromRegisterInformation"
        | "toRegisterInformation"
        | "registerInformationList" => ObjectType::Registration,
        "balanceAccount" => ObjectType::Settlement,
        "infoDisclosure" => ObjectType::InfoDisclosure,
        _ => return None,
    })
}

fn flat_maps(
    value: &Value,
    at: &str,
    kind: Option<ObjectType>,
    found: &mut Vec<(String, ObjectType, Map<String, Value>)>,
) {
    match (value, kind) {
        (Value::Object(map), Some(object_type)) => {
            found.push((at.to_owned(), object_type, map.clone()))
        }
        (Value::Object(map), None) => {
            for (key, member) in map {
                flat_maps(member, &format!("{at}/{key}"), flat_type(key), found);
            }
        }
        (Value::Array(items), _) => {
            for (i, item) in items.iter().enumerate() {
                flat_maps(item, &format!("{at}/{i}"), kind, found);
            }
        }
        _ => {}
    }
}
