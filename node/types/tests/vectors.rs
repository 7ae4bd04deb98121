//! Protocol test vectors: recomputes every value of `docs/test-vectors.json` with the real code
//! and checks that each one also appears verbatim in `docs/PROTOCOL.md`, so the code, the data
//! file and the document cannot drift apart. `ZL_PRINT_VECTORS=1` prints the computed values.

use serde_json::{json, Value};
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm2::elliptic_curve::{Group, PrimeField};
use std::collections::BTreeMap;
use zl_types::block::{Validator, VoteKind};
use zl_types::canonical::canonical_json;
use zl_types::evidence::document_leaves;
use zl_types::receipt::{DocumentProof, LogProof, RECEIPT_FORMAT};
use zl_types::transaction::{outcome_leaf, ChainBinding};
use zl_types::*;

#[path = "vectors/consensus.rs"]
mod consensus;
#[path = "vectors/did.rs"]
mod did;

const VECTORS_JSON: &str = include_str!("../../../docs/test-vectors.json");
const PROTOCOL_MD: &str = include_str!("../../../docs/PROTOCOL.md");

const CHAIN_ID: &str = "shanghai";
/// 2026-01-01T00:00:00Z.
const GENESIS_TIME: u64 = 1_767_225_600_000;
const BLOCK_TIME: u64 = GENESIS_TIME + 1_000;
const EXPIRES_AT: u64 = GENESIS_TIME + 600_000;
const SALT: &str = "000102030405060708090a0b0c0d0e0f";
const PASSPHRASE: &str = "correct horse battery staple";
const STATE_TAG: &[u8] = b"zhenglian/state/v1\n";
/// JSON exercising the canonical form: escapes, raw UTF-8, integer limits, and member names whose
/// UTF-16 order (RFC 8785) differs from their code-point order (`\ud83d\ude00` before `\uff01`).
const JCS_INPUT: &str = r#"{"z": 1, "a": "line\nbreak \"quoted\" back\\slash\ttab \u0001 \/ é 中 \ud83d\ude00", "\uff01": [true, null, -9007199254740991, 9007199254740991], "\ud83d\ude00": {}, "\u20ac": [], "é": 0}"#;

/// SM2 recommended curve (GB/T 32918.5), big-endian hex, named by [`SM2_CURVE_NAMES`].
const SM2_CURVE: [&str; 6] = [
    "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff",
    "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc",
    "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93",
    "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123",
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7",
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0",
];
const SM2_CURVE_NAMES: [&str; 6] = ["p", "a", "b", "n", "gx", "gy"];

/// The fixed keys and genesis of one suite's vectors.
struct Fixture {
    alg: HashAlgorithm,
    key: SecretKey,
    genesis: Genesis,
    genesis_hash: Hash,
}

impl Fixture {
    fn new(suite: CryptoSuite) -> Fixture {
        let (seed, other_seed) = match suite {
            CryptoSuite::Ed25519 => ([1u8; 32], [3u8; 32]),
            CryptoSuite::Sm => ([2u8; 32], [4u8; 32]),
        };
        let key = SecretKey::from_seed(suite, &seed).unwrap();
        let other = SecretKey::from_seed(suite, &other_seed)
            .unwrap()
            .public_key();
        let member = |name: &str, public_key: PublicKey, roles: Vec<Role>| Member {
            name: name.into(),
            public_key,
            roles,
            transport_key: None,
        };
        let genesis = Genesis {
            chain_id: CHAIN_ID.into(),
            role: ChainRole::LocalBusiness,
            crypto_suite: suite,
            genesis_time: GENESIS_TIME,
            validators: ValidatorSet {
                validators: vec![Validator {
                    name: "sh-validator-1".into(),
                    public_key: key.public_key(),
                    power: 10,
                }],
            },
            members: vec![
                member(
                    "sh-validator-1",
                    key.public_key(),
                    vec![Role::Validator, Role::Submitter],
                ),
                member("sh-regulator", other, vec![Role::Regulator, Role::Governor]),
            ],
        };
        genesis.check().unwrap();
        let genesis_hash = genesis.hash();
        Fixture {
            alg: suite.hash_algorithm(),
            key,
            genesis,
            genesis_hash,
        }
    }
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn jcs<T: serde::Serialize>(value: &T) -> String {
    text(canonical_json(value).unwrap())
}

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_hex).collect()
}

/// The state root step of PROTOCOL.md, written from the document (the ledger has the code).
fn state_step(
    alg: HashAlgorithm,
    previous: &Hash,
    writes: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> (Vec<Value>, Hash, Hash) {
    let mut shown = Vec::new();
    let mut leaves = Vec::new();
    for (key, value) in writes {
        let mut data = (key.len() as u32).to_be_bytes().to_vec();
        data.extend_from_slice(key);
        data.extend_from_slice(&alg.digest(value).0);
        let leaf = merkle::leaf_hash(alg, &data);
        shown.push(json!({"key": hex::encode(key), "value": text(value.clone()), "leaf_data": hex::encode(&data), "leaf_hash": leaf}));
        leaves.push(leaf);
    }
    let writes_root = merkle::root(alg, &leaves);
    (
        shown,
        writes_root,
        alg.digest_parts(&[STATE_TAG, &previous.0, &writes_root.0]),
    )
}

fn notarize_args(
    alg: HashAlgorithm,
    title: &str,
    location: Option<&str>,
    documents: &[&[u8]],
) -> NotarizeArgs {
    NotarizeArgs {
        refers_to: None,
        category: "contract".into(),
        title: title.into(),
        reference: "REF-2026-0001".into(),
        location: location.map(Into::into),
        security_level: 2,
        digest_algorithm: alg,
        documents: documents.iter().map(|d| alg.digest(d)).collect(),
    }
}

/// What the `evidence` contract makes of one notarize call (see contracts/src/evidence.rs).
fn record_of(fx: &Fixture, seq: u64, tx_id: Hash, args: &NotarizeArgs) -> (EvidenceRecord, Event) {
    let documents_root = merkle::root(fx.alg, &document_leaves(fx.alg, &args.documents));
    let record = EvidenceRecord {
        seq,
        kind: EvidenceKind::Notarize,
        refers_to: None,
        tx_id,
        submitter: fx.key.public_key(),
        height: 1,
        time: BLOCK_TIME,
        category: args.category.clone(),
        title: args.title.clone(),
        reference: args.reference.clone(),
        location: args.location.clone(),
        security_level: args.security_level,
        digest_algorithm: args.digest_algorithm,
        document_count: args.documents.len() as u64,
        documents_root,
        reason: None,
    };
    let attributes = json!({"seq": seq, "refers_to": null, "document_count": record.document_count, "documents_root": documents_root});
    let event = Event {
        contract: "evidence".into(),
        kind: "notarized".into(),
        tx_id,
        attributes,
    };
    (record, event)
}

fn suite_vectors(suite: CryptoSuite) -> Value {
    let fx = Fixture::new(suite);
    let alg = fx.alg;
    let public_key = fx.key.public_key();
    let genesis_writes: BTreeMap<Vec<u8>, Vec<u8>> = fx
        .genesis
        .members
        .iter()
        .map(|m| {
            (
                [b"member/".as_slice(), &m.public_key.to_bytes()].concat(),
                canonical_json(m).unwrap(),
            )
        })
        .collect();
    let (writes, writes_root, state_root_0) = state_step(alg, &fx.genesis_hash, &genesis_writes);
    let validator_set_hash = fx.genesis.validator_set_hash();
    assert_eq!(
        validator_set_hash,
        fx.genesis.validators.hash(alg, CHAIN_ID, &fx.genesis_hash)
    );

    // The transaction: two notarize calls, the first a batch of three documents.
    let first = notarize_args(
        alg,
        "股权转让协议 (share transfer agreement)",
        None,
        &[b"abc", b"def", b"ghi"],
    );
    let second = notarize_args(
        alg,
        "Board resolution",
        Some("archive://sh/2026/0001"),
        &[b"jkl"],
    );
    let call = |args: &NotarizeArgs| Call {
        contract: "evidence".into(),
        method: "notarize".into(),
        args: serde_json::to_value(args).unwrap(),
    };
    let body = TransactionBody {
        chain_id: CHAIN_ID.into(),
        genesis_hash: fx.genesis_hash,
        signer: public_key.clone(),
        expires_at: EXPIRES_AT,
        salt: SALT.into(),
        calls: vec![call(&first), call(&second)],
    };
    let tx = body.clone().sign(&fx.key).unwrap();
    let binding = ChainBinding {
        chain_id: CHAIN_ID,
        genesis_hash: &fx.genesis_hash,
        hash_algorithm: alg,
    };
    let checked = tx.clone().check(&binding, GENESIS_TIME).unwrap();
    checked.verify_signature().unwrap();
    assert_eq!(checked.id, alg.digest(&body.signing_bytes().unwrap()));

    // Block 1 holds the transaction; it writes no state, appends two records and two events.
    let (record0, event0) = record_of(&fx, 0, checked.id, &first);
    let (record1, event1) = record_of(&fx, 1, checked.id, &second);
    let outcome = outcome_leaf(&checked.id, true);
    let log_leaves = [record0.leaf_hash(alg), record1.leaf_hash(alg)];
    let (_, _, state_root_1) = state_step(alg, &state_root_0, &BTreeMap::new());
    let header = BlockHeader {
        chain_id: CHAIN_ID.into(),
        height: 1,
        time: BLOCK_TIME,
        previous_hash: fx.genesis_hash,
        transaction_root: merkle::root(alg, &[merkle::leaf_hash(alg, &outcome)]),
        event_root: event::event_root(alg, &[event0.clone(), event1.clone()]),
        object_root: merkle::empty_root(alg),
        state_root: state_root_1,
        evidence_log_root: merkle::root(alg, &log_leaves),
        evidence_log_size: 2,
        validator_set_hash,
        next_validator_set_hash: validator_set_hash,
        proposer: public_key.clone(),
        transaction_count: 1,
    };
    let header_hash = header.hash(alg, &fx.genesis_hash);
    let header_bytes = [
        b"zhenglian/header/v1\nshanghai\n".as_slice(),
        fx.genesis_hash.to_hex().as_bytes(),
        b"\n",
    ]
    .concat();
    assert_eq!(
        header_hash,
        alg.digest(&[header_bytes, canonical_json(&header).unwrap()].concat())
    );

    let vote = VoteContent {
        kind: VoteKind::Precommit,
        height: 1,
        round: 0,
        block_hash: Some(header_hash),
    };
    let vote_bytes = vote.signing_bytes(CHAIN_ID, &fx.genesis_hash);
    let certificate =
        CommitCertificate::sign(1, 0, header_hash, &fx.key, CHAIN_ID, &fx.genesis_hash);
    certificate
        .verify(&fx.genesis.validators, CHAIN_ID, &fx.genesis_hash)
        .unwrap();
    let nil = VoteContent {
        kind: VoteKind::Prevote,
        height: 1,
        round: 1,
        block_hash: None,
    };

    // A receipt for the second document of the first record.
    let document_leaves = document_leaves(alg, &first.documents);
    let receipt = EvidenceReceipt {
        format: RECEIPT_FORMAT.into(),
        chain_id: CHAIN_ID.into(),
        genesis_hash: fx.genesis_hash,
        record: record0.clone(),
        document: DocumentProof {
            index: 1,
            digest: first.documents[1],
            path: merkle::inclusion_proof(alg, &document_leaves, 1).unwrap(),
        },
        log: LogProof {
            index: 0,
            size: 2,
            path: merkle::inclusion_proof(alg, &log_leaves, 0).unwrap(),
        },
        header: header.clone(),
        certificate: certificate.clone(),
        validator_set_changes: Vec::new(),
    };
    let proven = receipt.verify(&first.documents[1], &fx.genesis).unwrap();
    assert_eq!(
        (proven.height, proven.time, proven.seq, proven.submitter),
        (1, BLOCK_TIME, 0, public_key.clone())
    );

    let key_file = KeyFile::encrypted(&fx.key, PASSPHRASE, [5; 16], [6; 12]).unwrap();
    assert_eq!(
        key_file.secret_key(Some(PASSPHRASE)).unwrap().public_key(),
        public_key
    );

    let mut out = json!({
        "seed": hex::encode(fx.key.seed()),
        "public_key": public_key.to_text(),
        "genesis": {
            "json": jcs(&fx.genesis),
            "hash": fx.genesis_hash,
            "validator_set_json": jcs(&fx.genesis.validators),
            "validator_set_hash": validator_set_hash,
            "state_writes": writes,
            "writes_root": writes_root,
            "state_root": state_root_0,
        },
        "transaction": {
            "body_json": jcs(&body),
            "signing_bytes": hex::encode(&checked.signing_bytes),
            "id": checked.id,
            "signature": tx.signature.to_hex(),
            "envelope_json": jcs(&tx),
        },
        "block": {
            "document_digests": hexes(&first.documents),
            "documents_root": record0.documents_root,
            "records": [jcs(&record0), jcs(&record1)],
            "record_leaf_hashes": hexes(&log_leaves),
            "events": [jcs(&event0), jcs(&event1)],
            "outcome_leaf": hex::encode(outcome),
            "state_root": state_root_1,
            "header_json": jcs(&header),
            "header_hash": header_hash,
        },
        "vote": {
            "json": jcs(&vote),
            "signing_bytes": hex::encode(&vote_bytes),
            "signature": certificate.signatures[0].signature.to_hex(),
            "nil_prevote_json": jcs(&nil),
        },
        "certificate_json": jcs(&certificate),
        "consensus": consensus::vectors(&fx, header_hash),
        "did_operation": did::vectors(&fx),
        "receipt_json": jcs(&receipt),
        "key_file_json": jcs(&key_file),
        "key_file_derived_key": hex::encode(derive_key_file_key()),
    });
    if suite == CryptoSuite::Sm {
        let point = sm2_point(&public_key);
        let z_a = sm2_z_a(&point);
        out["sm2_public_key_uncompressed"] = json!(hex::encode(&point));
        out["sm2_z_a"] = json!(hex::encode(z_a));
        out["transaction"]["sm2_e"] = json!(hex::encode(sm2_e(&z_a, &checked.signing_bytes)));
    }
    out
}

/// The Argon2id key of the key-file vectors, derived independently of `KeyFile`.
fn derive_key_file_key() -> [u8; 32] {
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(PASSPHRASE.as_bytes(), &[5; 16], &mut key)
        .unwrap();
    key
}

fn merkle_vectors(alg: HashAlgorithm) -> Value {
    let leaves: Vec<Hash> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|d| merkle::leaf_hash(alg, d.as_bytes()))
        .collect();
    let roots: Vec<Hash> = (0..=5).map(|n| merkle::root(alg, &leaves[..n])).collect();
    let path = merkle::inclusion_proof(alg, &leaves, 2).unwrap();
    merkle::verify_inclusion(alg, &leaves[2], 2, 5, &path, &roots[5]).unwrap();
    let proof = merkle::consistency_proof(alg, &leaves, 3).unwrap();
    merkle::verify_consistency(alg, 3, 5, &roots[3], &roots[5], &proof).unwrap();
    json!({
        "leaf_hashes": hexes(&leaves),
        "node_hash_0_1": merkle::node_hash(alg, &leaves[0], &leaves[1]),
        "roots_by_size": hexes(&roots),
        "inclusion_2_of_5": hexes(&path),
        "consistency_3_to_5": hexes(&proof),
    })
}

fn compute() -> Value {
    let digests = |alg: HashAlgorithm| json!({"abc": alg.digest(b"abc"), "empty": alg.digest(b"")});
    json!({
        "hash": {"sha256": digests(HashAlgorithm::Sha256), "sm3": digests(HashAlgorithm::Sm3)},
        "jcs": {"input": JCS_INPUT, "canonical": jcs(&serde_json::from_str::<Value>(JCS_INPUT).unwrap())},
        "sm2_curve": SM2_CURVE_NAMES.iter().zip(SM2_CURVE).map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "merkle": {"sha256": merkle_vectors(HashAlgorithm::Sha256), "sm3": merkle_vectors(HashAlgorithm::Sm3)},
        "ed25519": suite_vectors(CryptoSuite::Ed25519),
        "sm": suite_vectors(CryptoSuite::Sm),
    })
}

/// `x ‖ y` of an SM2 public key, 64 bytes.
fn sm2_point(key: &PublicKey) -> Vec<u8> {
    let PublicKey::Sm2(key) = key else {
        panic!("not an SM2 key")
    };
    key.as_affine().to_encoded_point(false).as_bytes()[1..].to_vec()
}

fn curve(name: &str) -> Vec<u8> {
    let at = SM2_CURVE_NAMES.iter().position(|k| *k == name).unwrap();
    hex::decode(SM2_CURVE[at]).unwrap()
}

/// `Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)`, GB/T 32918.2 §5.5, from the curve table.
fn sm2_z_a(point: &[u8]) -> [u8; 32] {
    let id = crypto::SM2_USER_ID.as_bytes();
    let entl = ((id.len() * 8) as u16).to_be_bytes();
    let parts = [
        &entl[..],
        id,
        &curve("a"),
        &curve("b"),
        &curve("gx"),
        &curve("gy"),
        point,
    ];
    HashAlgorithm::Sm3.digest(&parts.concat()).0
}

/// `e = SM3(Z_A ‖ M)`.
fn sm2_e(z_a: &[u8; 32], message: &[u8]) -> [u8; 32] {
    HashAlgorithm::Sm3.digest_parts(&[z_a, message]).0
}

/// 32 big-endian bytes as the curve's field-size byte array.
fn field_bytes(bytes: &[u8]) -> sm2::FieldBytes {
    let array: [u8; 32] = bytes.try_into().expect("32 bytes");
    array.into()
}

/// GB/T 32918.2 §7.1 verification, step by step: t = r + s, (x1, y1) = [s]G + [t]P_A, R = e + x1 = r?
fn sm2_verify_by_the_standard(key: &PublicKey, e: &[u8; 32], signature: &Signature) -> bool {
    let PublicKey::Sm2(key) = key else {
        panic!("not an SM2 key")
    };
    let scalar =
        |bytes: &[u8]| Option::<sm2::Scalar>::from(sm2::Scalar::from_repr(field_bytes(bytes)));
    let (Some(r), Some(s)) = (scalar(&signature.0[..32]), scalar(&signature.0[32..])) else {
        return false;
    };
    let t = r + s;
    if bool::from(r.is_zero() | s.is_zero() | t.is_zero()) {
        return false;
    }
    let point =
        sm2::ProjectivePoint::generator() * s + sm2::ProjectivePoint::from(*key.as_affine()) * t;
    let x1 = point.to_affine().x();
    let e = <sm2::Scalar as Reduce<sm2::U256>>::reduce_bytes(&field_bytes(e));
    e + <sm2::Scalar as Reduce<sm2::U256>>::reduce_bytes(&x1) == r
}

/// Paths where `actual` and `expected` differ.
fn differences(path: &str, actual: &Value, expected: &Value, out: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for key in a.keys().chain(e.keys().filter(|k| !a.contains_key(*k))) {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    e.get(key).unwrap_or(&Value::Null),
                );
                differences(&format!("{path}.{key}"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if actual != expected => {
            out.push(format!("{path}: computed {actual}, file has {expected}"))
        }
        _ => {}
    }
}

fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn expected() -> Value {
    serde_json::from_str(VECTORS_JSON).expect("docs/test-vectors.json is JSON")
}

fn hex_at(path: &[&str]) -> Vec<u8> {
    let value = path.iter().fold(expected(), |v, key| v[*key].clone());
    hex::decode(
        value
            .as_str()
            .unwrap_or_else(|| panic!("{path:?} is not a string")),
    )
    .unwrap()
}

#[test]
fn vectors_match_the_code_and_the_document() {
    let computed = compute();
    if std::env::var_os("ZL_PRINT_VECTORS").is_some() {
        println!("{}", serde_json::to_string_pretty(&computed).unwrap());
        return;
    }
    let mut wrong = Vec::new();
    differences("$", &computed, &expected(), &mut wrong);
    assert!(
        wrong.is_empty(),
        "docs/test-vectors.json is stale:\n{}",
        wrong.join("\n")
    );
    let file = expected();
    let mut values = Vec::new();
    strings(&file, &mut values);
    let missing: Vec<_> = values
        .iter()
        .filter(|s| !PROTOCOL_MD.contains(**s))
        .collect();
    assert!(
        missing.is_empty(),
        "values missing from docs/PROTOCOL.md: {missing:?}"
    );
}

#[test]
fn hashes_match_the_standards() {
    // FIPS 180-4 / GB/T 32905 appendix A.1 digests of "abc", and of the empty string.
    let table = [
        (
            &["hash", "sha256", "abc"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            &["hash", "sm3", "abc"],
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        ),
        (
            &["hash", "sha256", "empty"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            &["hash", "sm3", "empty"],
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
        ),
    ];
    for (path, digest) in table {
        assert_eq!(hex::encode(hex_at(path)), digest, "{path:?}");
    }
}

#[test]
fn ed25519_matches_rfc8032() {
    // RFC 8032 §7.1, TEST 1 (empty message).
    let seed =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
    let key = SecretKey::from_seed(CryptoSuite::Ed25519, &seed.try_into().unwrap()).unwrap();
    assert_eq!(
        key.public_key().to_text(),
        "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    let signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    assert_eq!(key.sign(b"").to_hex(), signature);
}

#[test]
fn vector_signatures_verify_and_tampering_fails() {
    for suite in ["ed25519", "sm"] {
        let file = expected();
        let key = PublicKey::from_text(file[suite]["public_key"].as_str().unwrap()).unwrap();
        for part in ["transaction", "vote"] {
            let message = hex_at(&[suite, part, "signing_bytes"]);
            let signature = Signature(hex_at(&[suite, part, "signature"]).try_into().unwrap());
            key.verify(&message, &signature)
                .unwrap_or_else(|e| panic!("{suite} {part}: {e}"));
            let mut altered = message.clone();
            altered[0] ^= 1;
            assert!(
                key.verify(&altered, &signature).is_err(),
                "{suite} {part}: altered message verified"
            );
        }
        let id = HashAlgorithm::digest(
            CryptoSuite::parse(suite).unwrap().hash_algorithm(),
            &hex_at(&[suite, "transaction", "signing_bytes"]),
        );
        assert_eq!(
            id.0.to_vec(),
            hex_at(&[suite, "transaction", "id"]),
            "{suite}: id is H(signing bytes)"
        );
    }
}

#[test]
fn ed25519_refuses_a_non_canonical_s() {
    // S + L encodes the same scalar non-canonically: RFC 8032 §5.1.7 requires rejecting it.
    let key = PublicKey::from_text(expected()["ed25519"]["public_key"].as_str().unwrap()).unwrap();
    let message = hex_at(&["ed25519", "transaction", "signing_bytes"]);
    let mut signature: [u8; 64] = hex_at(&["ed25519", "transaction", "signature"])
        .try_into()
        .unwrap();
    let order =
        hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").unwrap();
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(order) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum as u8;
        carry = sum >> 8;
    }
    assert!(key.verify(&message, &Signature(signature)).is_err());
}

#[test]
fn sm2_signatures_follow_the_gbt32918_user_id_rule() {
    let file = expected();
    let key = PublicKey::from_text(file["sm"]["public_key"].as_str().unwrap()).unwrap();
    // The SEC1 compressed key decompresses to the uncompressed point of the vectors.
    assert_eq!(
        sm2_point(&key),
        hex_at(&["sm", "sm2_public_key_uncompressed"])
    );
    // The curve table is the one the crate uses: G, a = p - 3, n - 1 + 1 = 0 mod n.
    let generator = sm2::AffinePoint::GENERATOR.to_encoded_point(false);
    assert_eq!(
        generator.as_bytes()[1..],
        [curve("gx"), curve("gy")].concat()
    );
    let (p, a) = (curve("p"), curve("a"));
    assert_eq!((&p[..31], p[31] - 3), (&a[..31], a[31]));
    let mut n_minus_1 = curve("n");
    n_minus_1[31] -= 1;
    let n_minus_1 = sm2::Scalar::from_repr(field_bytes(&n_minus_1)).unwrap();
    assert!(bool::from((n_minus_1 + sm2::Scalar::ONE).is_zero()));

    let z_a = sm2_z_a(&sm2_point(&key));
    assert_eq!(z_a.to_vec(), hex_at(&["sm", "sm2_z_a"]));
    for part in ["transaction", "vote"] {
        let message = hex_at(&["sm", part, "signing_bytes"]);
        let signature = Signature(hex_at(&["sm", part, "signature"]).try_into().unwrap());
        let e = sm2_e(&z_a, &message);
        assert!(
            sm2_verify_by_the_standard(&key, &e, &signature),
            "{part}: not valid for e = SM3(Z_A ‖ M)"
        );
        // Without Z_A (a plain SM3 of the message) the signature must not verify.
        let plain = HashAlgorithm::Sm3.digest(&message).0;
        assert!(
            !sm2_verify_by_the_standard(&key, &plain, &signature),
            "{part}: valid without Z_A"
        );
    }
    assert_eq!(
        sm2_e(&z_a, &hex_at(&["sm", "transaction", "signing_bytes"])).to_vec(),
        hex_at(&["sm", "transaction", "sm2_e"])
    );
}

#[test]
fn merkle_vectors_verify_with_the_rfc9162_algorithms() {
    let file = expected();
    for (name, alg) in [
        ("sha256", HashAlgorithm::Sha256),
        ("sm3", HashAlgorithm::Sm3),
    ] {
        let v = &file["merkle"][name];
        let list = |key: &str| -> Vec<Hash> { serde_json::from_value(v[key].clone()).unwrap() };
        let (leaves, roots) = (list("leaf_hashes"), list("roots_by_size"));
        assert_eq!(roots[0], merkle::empty_root(alg));
        merkle::verify_inclusion(alg, &leaves[2], 2, 5, &list("inclusion_2_of_5"), &roots[5])
            .unwrap();
        merkle::verify_consistency(alg, 3, 5, &roots[3], &roots[5], &list("consistency_3_to_5"))
            .unwrap();
        assert!(merkle::verify_inclusion(
            alg,
            &leaves[3],
            2,
            5,
            &list("inclusion_2_of_5"),
            &roots[5]
        )
        .is_err());
    }
}

#[test]
fn vector_receipts_and_key_files_open_from_their_json() {
    let file = expected();
    for suite in ["ed25519", "sm"] {
        let v = &file[suite];
        let genesis = Genesis::from_json(v["genesis"]["json"].as_str().unwrap()).unwrap();
        assert_eq!(
            genesis.hash().to_hex(),
            v["genesis"]["hash"].as_str().unwrap()
        );
        let receipt: EvidenceReceipt =
            serde_json::from_str(v["receipt_json"].as_str().unwrap()).unwrap();
        let digest: Hash =
            serde_json::from_value(v["block"]["document_digests"][1].clone()).unwrap();
        let proven = receipt.verify(&digest, &genesis).unwrap();
        assert_eq!(
            (proven.height, proven.time, proven.kind),
            (1, BLOCK_TIME, EvidenceKind::Notarize)
        );
        let other: Hash =
            serde_json::from_value(v["block"]["document_digests"][0].clone()).unwrap();
        assert!(matches!(
            receipt.verify(&other, &genesis),
            Err(ReceiptError::FileChanged { .. })
        ));
        // A change above the receipt's own height is refused.
        let mut with_changes = receipt.clone();
        with_changes.validator_set_changes.push(ValidatorSetChange {
            height: 2,
            validators: genesis.validators.clone(),
            header: receipt.header.clone(),
            certificate: receipt.certificate.clone(),
        });
        assert!(matches!(
            with_changes.verify(&digest, &genesis),
            Err(ReceiptError::BadValidatorSetChange {
                index: 0,
                height: 2,
                ..
            })
        ));

        let key_file: KeyFile = serde_json::from_str(v["key_file_json"].as_str().unwrap()).unwrap();
        let key = key_file.secret_key(Some(PASSPHRASE)).unwrap();
        assert_eq!(hex::encode(key.seed()), v["seed"].as_str().unwrap());
        assert!(key_file.secret_key(Some("wrong")).is_err());
        // Independently: ChaCha20-Poly1305 under the derived key, AAD = the public key text.
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&hex_at(&[
            suite,
            "key_file_derived_key",
        ]))
        .unwrap();
        let aad = v["public_key"].as_str().unwrap();
        let sealed = cipher
            .encrypt(
                &[6u8; 12].into(),
                Payload {
                    msg: &key.seed(),
                    aad: aad.as_bytes(),
                },
            )
            .unwrap();
        let in_file = serde_json::from_str::<Value>(v["key_file_json"].as_str().unwrap()).unwrap();
        assert_eq!(
            hex::encode(sealed),
            in_file["encrypted"]["ciphertext"].as_str().unwrap()
        );
    }
}

#[test]
fn vector_envelopes_pass_the_node_checks_in_any_spelling() {
    let file = expected();
    for suite in ["ed25519", "sm"] {
        let v = &file[suite]["transaction"];
        let envelope = v["envelope_json"].as_str().unwrap();
        let genesis_hash = Hash(hex_at(&[suite, "genesis", "hash"]).try_into().unwrap());
        let alg = CryptoSuite::parse(suite).unwrap().hash_algorithm();
        let binding = ChainBinding {
            chain_id: CHAIN_ID,
            genesis_hash: &genesis_hash,
            hash_algorithm: alg,
        };
        // Pretty-printed, members reordered by the parser, hashes in uppercase: one canonical form.
        let mut value: Value = serde_json::from_str(envelope).unwrap();
        let upper = genesis_hash.to_hex().to_uppercase();
        value["body"]["genesis_hash"] = json!(upper);
        for spelling in [
            envelope.to_string(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            let tx: Transaction = serde_json::from_str(&spelling).unwrap();
            let checked = tx.check(&binding, GENESIS_TIME).unwrap();
            checked.verify_signature().unwrap();
            assert_eq!(checked.id.to_hex(), v["id"].as_str().unwrap(), "{suite}");
            assert_eq!(
                hex::encode(&checked.signing_bytes),
                v["signing_bytes"].as_str().unwrap()
            );
        }
    }
}
