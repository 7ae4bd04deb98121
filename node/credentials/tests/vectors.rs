//! PROTOCOL §19 test vectors for SM2Signature2022, recomputed with the real code and compared
//! with `docs/test-vectors-credentials.json`; plus the SM3 examples of GB/T 32905 and an SM2
//! signature made by OpenSSL, which this crate must accept. `ZL_WRITE_VECTORS=1` rewrites the
//! file (then cross-check it with `scripts/crosscheck-credentials.py` before committing).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use sm3::{Digest, Sm3};
use zl_credentials::shape::split_proof;
use zl_credentials::suite::{signing_input, JWS_HEADER};
use zl_types::did::to_jwk;
use zl_types::{CryptoSuite, PublicKey, SecretKey, Signature};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/test-vectors-credentials.json"
);
const ISSUER: &str = "did:rem:shanghai:91310000564759688N";

fn credential() -> Value {
    json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.rem.com/2022/credentials/rems/v1"],
        "id": "https://www.china-see.com/credentials/3562",
        "type": ["VerifiableCredential", "QualifiedInvestorCredential"],
        "issuer": ISSUER,
        "issuanceDate": "2022-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:rem:jiangsu:Q123456789",
            "riskTolerance": {"type": "qualified", "description": "a qualified investor",
                "investorType": "institution", "accountOpeningDate": "2020-01-01T19:23:24Z"}},
        "credentialStatus": {"id": "http://127.0.0.1:8080/v1/credentials/status?id=https%3A%2F%2Fwww.china-see.com%2Fcredentials%2F3562", "type": "VCStatus2022"}
    })
}

fn compute() -> Value {
    let key = SecretKey::from_seed(CryptoSuite::Sm, &[7; 32]).expect("SM2 secret");
    let unsigned = credential();
    let signed = zl_credentials::issue::issue_credential(
        &unsigned,
        &format!("{ISSUER}#keys-1"),
        &key,
        1_668_369_579_000,
    )
    .expect("issues");
    let (document, proofs) = split_proof("credential", &signed).expect("a proof");
    let input = signing_input(&document, &proofs[0]).expect("signing input");
    let raw = URL_SAFE_NO_PAD
        .decode(proofs[0]["proofValue"].as_str().expect("proofValue"))
        .expect("base64url");
    json!({
        "secret_key_seed": hex::encode([7u8; 32]),
        "public_key_jwk": to_jwk(&key.public_key()),
        "credential_unsigned": zl_credentials::shape::normalise(&unsigned),
        "proof": proofs[0],
        "options_nquads": input.options_nquads,
        "document_nquads": input.document_nquads,
        "sm3_options": hex::encode(&input.payload[..32]),
        "sm3_document": hex::encode(&input.payload[32..]),
        "jws_header": JWS_HEADER,
        "signing_input_hex": hex::encode(&input.bytes),
        "signature_r_s_hex": hex::encode(raw),
        "credential_signed": signed,
    })
}

#[test]
fn sm2_signature_2022_vector_matches_the_document() {
    let actual = compute();
    if std::env::var("ZL_WRITE_VECTORS").is_ok() {
        let mut file: Value =
            serde_json::from_str(&std::fs::read_to_string(FILE).unwrap_or_else(|_| "{}".into()))
                .expect("JSON");
        file["sm2_signature_2022"] = actual.clone();
        let text = serde_json::to_string_pretty(&file).expect("JSON");
        std::fs::write(FILE, text + "\n").expect("write vectors");
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(FILE).expect("vector file")).expect("JSON");
    assert_eq!(
        actual, expected["sm2_signature_2022"],
        "PROTOCOL §19 vectors changed"
    );
}

#[test]
fn sm3_matches_gb_t_32905_examples() {
    assert_eq!(
        hex::encode(Sm3::digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        hex::encode(Sm3::digest(b"abcd".repeat(16))),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

/// A signature OpenSSL 3.0.19 made with `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
/// distid:1234567812345678` (random k), converted from DER to r ‖ s: this crate's SM2 check
/// must accept it, and refuse it for another message.
#[test]
fn an_openssl_sm2_signature_verifies() {
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(FILE).expect("vector file")).expect("JSON");
    let v = &vectors["openssl_sm2"];
    let key = PublicKey::from_text(&format!(
        "sm2:{}",
        v["public_key_sec1_compressed_hex"].as_str().expect("key")
    ))
    .expect("an SM2 key");
    let message = hex::decode(v["message_hex"].as_str().expect("message")).expect("hex");
    let raw: [u8; 64] = hex::decode(v["signature_r_s_hex"].as_str().expect("signature"))
        .expect("hex")
        .try_into()
        .expect("64 bytes");
    key.verify(&message, &Signature(raw))
        .expect("OpenSSL's signature verifies");
    assert!(key.verify(b"another message", &Signature(raw)).is_err());
}
