//! `did:rem` syntax (JR/T 0325 §5.2): the standard's examples parse; every malformed-DID rule
//! has its refusal; the parser agrees with the regular expressions of docs/DID.md.

use zl_types::did::{check_uscc, Did, DidError, SubjectCode, UsccProblem, LOCAL_CHAINS};

/// The grammar of docs/DID.md §2, with the regulatory chain's id taken as `regchain`.
fn grammar() -> regex::Regex {
    let local = LOCAL_CHAINS.map(|c| c.id).join("|");
    let chain = format!("(?:{local}|regchain)");
    let enterprise = r"[A-Z]{2}[0-9]{6}(?:[A-Z][A-Z0-9]{0,3}(?:\.[A-Z0-9]{1,8})?)?";
    let investor = r"[A-Z][0-9]{9}";
    let uscc = r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}";
    regex::Regex::new(&format!(
        "^did:rem:{chain}:(?:{enterprise}|{investor}|{uscc})$"
    ))
    .unwrap()
}

#[test]
fn the_standards_examples_parse_to_their_subject_kinds() {
    let table: [(&str, &str); 7] = [
        ("did:rem:shanghai:SH000001F.S2101", "enterprise"),
        ("did:rem:jiangsu:Q123456789", "investor"),
        ("did:rem:shanghai:91310000564759688N", "organisation"),
        ("did:rem:beijing:1210000040088209X1", "organisation"),
        ("did:rem:shanghai:91310104MA1FRNWW80", "organisation"),
        ("did:rem:regchain:SH000001", "enterprise"),
        ("did:rem:shanghai:SH000001FAB9.S1234567", "enterprise"),
    ];
    for (text, kind) in table {
        let did = Did::parse(text, Some("regchain")).unwrap_or_else(|e| panic!("{text}: {e}"));
        let found = match did.code {
            SubjectCode::Enterprise { .. } => "enterprise",
            SubjectCode::Investor { .. } => "investor",
            SubjectCode::Organisation(_) => "organisation",
        };
        assert_eq!(found, kind, "{text}");
        assert_eq!(did.to_string(), text, "round trip");
    }
    let did = Did::parse("did:rem:shanghai:SH000001F.S2101", None).unwrap();
    assert_eq!(
        did.code,
        SubjectCode::Enterprise {
            jurisdiction: "SH".into(),
            number: "000001".into(),
            tier: Some("F.S2101".into()),
        }
    );
}

#[test]
fn every_malformed_did_rule_is_refused_with_its_reason() {
    let long = format!("did:rem:shanghai:SH000001F.{}", "A".repeat(60));
    let table: Vec<(&str, &str)> = vec![
        ("", "malformed"),
        ("did:web:shanghai:SH000001", "malformed"),
        ("DID:rem:shanghai:SH000001", "malformed"),
        ("did:rem:shanghai", "malformed"),
        ("did:rem::SH000001", "malformed"),
        ("did:rem:shanghai:", "malformed"),
        ("did:rem:shanghai:SH000001:x", "malformed"),
        (long.as_str(), "malformed"),
        ("did:rem:Shanghai:SH000001", "chain"),
        ("did:rem:sh:SH000001", "chain"),
        ("did:rem:dev:SH000001", "chain"),
        ("did:rem: shanghai:SH000001", "chain"),
        ("did:rem:regchain:SH000001", "chain"),
        ("did:rem:shanghai:sh000001", "code"),
        ("did:rem:shanghai:SH00001", "code"),
        ("did:rem:shanghai:SH000001f", "code"),
        ("did:rem:shanghai:SH000001F.", "code"),
        ("did:rem:shanghai:SH000001F.S21011234", "code"),
        ("did:rem:shanghai:SH000001FABCD", "code"),
        ("did:rem:shanghai:SH0000011F", "code"),
        ("did:rem:shanghai:SH0000011", "code"),
        ("did:rem:jiangsu:Q12345678", "code"),
        ("did:rem:jiangsu:Q1234567890", "code"),
        ("did:rem:shanghai:SH000001 ", "code"),
        ("did:rem:shanghai:SH000001%20", "code"),
        ("did:rem:shanghai:SH000001#keys-1", "code"),
        ("did:rem:shanghai:SH000001?v=1", "code"),
        ("did:rem:shanghai:91310000564759688M", "credit code"),
        ("did:rem:shanghai:91310000564759688I", "credit code"),
        ("did:rem:shanghai:913100A0564759688N", "credit code"),
    ];
    for (text, rule) in table {
        let error = Did::parse(text, None).expect_err(text);
        let found = match &error {
            DidError::Malformed(..) => "malformed",
            DidError::UnknownChain { .. } => "chain",
            DidError::UnknownCode { .. } => "code",
            DidError::CreditCode { .. } => "credit code",
        };
        assert_eq!(found, rule, "{text:?}: {error}");
        assert!(
            error.to_string().contains("did:rem:") || text.is_empty(),
            "{error}"
        );
    }
}

#[test]
fn the_gb32100_check_character_is_verified() {
    // The standard's three issuer codes: a plain one, one with a letter, and one whose sum is a
    // multiple of 31 (check value 31, written 0).
    for code in [
        "91310000564759688N",
        "1210000040088209X1",
        "91310104MA1FRNWW80",
    ] {
        assert_eq!(check_uscc(code), Ok(()), "{code}");
    }
    assert_eq!(
        check_uscc("91310000564759688M"),
        Err(UsccProblem::Check {
            expected: 'N',
            found: 'M'
        })
    );
    assert_eq!(check_uscc("9131000056475968"), Err(UsccProblem::Length(16)));
    assert_eq!(
        check_uscc("9131000056475968ON"),
        Err(UsccProblem::Character(17, 'O'))
    );
    assert_eq!(check_uscc("91A10000564759688N"), Err(UsccProblem::Division));
    let error = Did::parse("did:rem:shanghai:91310000564759688M", None).unwrap_err();
    assert!(error.to_string().contains("GB 32100 gives 'N'"), "{error}");
}

#[test]
fn all_35_local_chain_ids_are_known_and_distinct() {
    let ids: std::collections::BTreeSet<_> = LOCAL_CHAINS.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 35);
    for pair in [
        ("shanxi", "山西"),
        ("shaanxi", "陕西"),
        ("shenzhen", "深圳"),
    ] {
        assert_eq!(zl_types::did::local_chain(pair.0).unwrap().region, pair.1);
    }
    assert!(Did::is_regulatory_chain_id("regchain"));
    assert!(!Did::is_regulatory_chain_id("shanghai"));
    assert!(!Did::is_regulatory_chain_id("Reg"));
}

proptest::proptest! {
    /// The parser accepts exactly what the documented grammar accepts, apart from the check
    /// character, which no regular expression can express.
    #[test]
    fn the_parser_agrees_with_the_documented_grammar(
        chain in proptest::sample::select(vec!["shanghai", "jiangsu", "regchain", "dev", "Shanghai"]),
        code in proptest::prop_oneof![
            // Near-misses of each shape, so both sides of every rule are exercised.
            "[A-Z]{1,3}[0-9]{5,7}(?:[A-Z0-9]{0,5}(?:\\.[A-Z0-9]{0,9})?)?",
            "[A-Z]{2}[0-9]{6}[A-Z0-9]{0,6}(?:\\.[A-Z0-9]{0,10})?",
            "[A-Za-z][0-9]{8,10}",
            "[0-9A-Z]{2}[0-9A-Z]{6}[0-9A-Z]{9,11}",
            "[A-Z0-9.a-z#:% ]{0,22}",
        ],
    ) {
        let text = format!("did:rem:{chain}:{code}");
        let parsed = Did::parse(&text, Some("regchain"));
        let by_grammar = grammar().is_match(&text);
        match parsed {
            Ok(did) => {
                proptest::prop_assert!(by_grammar, "{text} parsed but the grammar refuses it");
                proptest::prop_assert_eq!(did.to_string(), text);
            }
            Err(DidError::CreditCode { problem: UsccProblem::Check { .. }, .. }) => {
                proptest::prop_assert!(by_grammar, "{text}: only the check character failed");
            }
            Err(e) => proptest::prop_assert!(!by_grammar, "{text} matches the grammar but: {e}"),
        }
    }

    /// Organisation codes made with their computed check character always parse.
    #[test]
    fn generated_credit_codes_with_their_check_character_parse(
        head in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}",
    ) {
        let first17: [u8; 17] = head.as_bytes().try_into().unwrap();
        let check = zl_types::did::check_character(&first17).unwrap();
        let text = format!("did:rem:beijing:{head}{check}");
        proptest::prop_assert!(Did::parse(&text, None).is_ok(), "{}", text);
    }
}

#[test]
fn keys_round_trip_through_jwk_and_bad_jwks_are_refused() {
    use serde_json::json;
    use zl_types::did::{from_jwk, to_jwk};
    use zl_types::{CryptoSuite, SecretKey};
    for suite in [CryptoSuite::Sm, CryptoSuite::Ed25519] {
        let key = SecretKey::from_seed(suite, &[9; 32]).unwrap().public_key();
        let jwk = to_jwk(&key);
        assert_eq!(from_jwk(&jwk).unwrap(), key, "{suite:?}");
    }
    let sm = to_jwk(
        &SecretKey::from_seed(CryptoSuite::Sm, &[9; 32])
            .unwrap()
            .public_key(),
    );
    assert_eq!(sm["kty"], "EC");
    assert_eq!(sm["crv"], "SM2");
    let x = sm["x"].as_str().unwrap().to_string();
    let y = sm["y"].as_str().unwrap().to_string();
    let table = [
        // Appendix D's example: its (x, y) is not a point of the SM2 curve (docs/DID.md).
        (
            json!({"kty": "EC", "crv": "SM2", "x": "dWCvM4fTdeM0KmloF57zxtBPXTOythHPMm1HCLrdd3A",
                   "y": "36uMVGM7hnw-N6GnjFcihWE3SkrhMLzzLCdPMXPEXlA"}),
            "not a point",
        ),
        (
            json!({"kty": "EC", "crv": "SM2", "x": x, "y": x}),
            "not a point",
        ),
        (
            json!({"kty": "EC", "crv": "SM2", "x": format!("{x}="), "y": y}),
            "base64url",
        ),
        (
            json!({"kty": "EC", "crv": "SM2", "x": &x[..40], "y": y}),
            "32 bytes",
        ),
        (
            json!({"kty": "EC", "crv": "SM2", "x": x, "y": y, "d": x}),
            "unknown member",
        ),
        (
            json!({"kty": "EC", "crv": "P-256", "x": x, "y": y}),
            "unsupported",
        ),
        (json!({"kty": "EC", "crv": "SM2", "x": x}), "\"y\""),
        (json!("EC"), "not a JSON object"),
    ];
    for (jwk, why) in table {
        let error = from_jwk(&jwk).unwrap_err().to_string();
        assert!(error.contains(why), "{jwk}: {error}");
    }
}
