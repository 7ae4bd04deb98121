//! Rules that keep every verifier in agreement: key subgroup, suite of the signer, SM2 n-1,
//! key-file cost limits, receipts with validator-set changes.

use curve25519_dalek::constants::EIGHT_TORSION;
use zl_types::transaction::ChainBinding;
use zl_types::{CryptoSuite, Hash, HashAlgorithm, KeyFile, PublicKey, SecretKey, TransactionBody};

#[test]
fn ed25519_keys_with_a_torsion_component_cannot_be_registered() {
    let honest = SecretKey::from_seed(CryptoSuite::Ed25519, &[1; 32])
        .unwrap()
        .public_key();
    let PublicKey::Ed25519(key) = &honest else {
        panic!("an ed25519 key")
    };
    assert!(honest.check_registrable().is_ok());
    for torsion in &EIGHT_TORSION[1..] {
        let mixed = (key.to_edwards() + torsion).compress();
        let text = format!("ed25519:{}", hex::encode(mixed.as_bytes()));
        // Parsing takes the key (a signer's key is checked once, at registration); registering refuses it.
        let mixed = PublicKey::from_text(&text).expect("a curve point of large order");
        let error = mixed.check_registrable().unwrap_err().to_string();
        assert!(error.contains("torsion"), "{error}");
    }
}

#[test]
fn sm2_secret_n_minus_one_is_refused_and_n_minus_two_signs() {
    let n_minus_one =
        hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122").unwrap();
    let seed: [u8; 32] = n_minus_one.clone().try_into().unwrap();
    assert!(SecretKey::from_seed(CryptoSuite::Sm, &seed).is_err());
    let mut n_minus_two = seed;
    n_minus_two[31] -= 1;
    let key = SecretKey::from_seed(CryptoSuite::Sm, &n_minus_two).unwrap();
    let signature = key.sign(b"message");
    key.public_key().verify(b"message", &signature).unwrap();
}

#[test]
fn a_signer_of_the_other_suite_is_refused_at_admission() {
    let sm_key = SecretKey::from_seed(CryptoSuite::Sm, &[3; 32]).unwrap();
    let body = TransactionBody {
        chain_id: "dev".into(),
        genesis_hash: Hash::ZERO,
        signer: sm_key.public_key(),
        expires_at: 2_000,
        salt: "01".into(),
        calls: vec![zl_types::Call {
            contract: "evidence".into(),
            method: "notarize".into(),
            args: serde_json::json!({}),
        }],
    };
    let tx = body.sign(&sm_key).unwrap();
    let ed_chain = ChainBinding {
        chain_id: "dev",
        genesis_hash: &Hash::ZERO,
        hash_algorithm: HashAlgorithm::Sha256,
    };
    let error = tx.clone().check(&ed_chain, 1_000).unwrap_err().to_string();
    assert!(error.contains("crypto suite"), "{error}");
    let sm_chain = ChainBinding {
        hash_algorithm: HashAlgorithm::Sm3,
        ..ed_chain
    };
    assert!(tx.check(&sm_chain, 1_000).is_ok());
}

#[test]
fn key_files_asking_for_unbounded_argon2_costs_are_refused() {
    let key = SecretKey::from_seed(CryptoSuite::Ed25519, &[4; 32]).unwrap();
    let mut file = KeyFile::encrypted(&key, "pass", [5; 16], [6; 12]).unwrap();
    assert_eq!(
        file.secret_key(Some("pass")).unwrap().public_key(),
        key.public_key()
    );
    assert!(file.secret_key(Some("wrong")).is_err());
    file.encrypted.as_mut().unwrap().memory_kib = u32::MAX;
    let error = file.secret_key(Some("pass")).unwrap_err().to_string();
    assert!(error.contains("limits"), "{error}");
}
