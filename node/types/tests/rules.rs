//! Rules that keep every verifier in agreement: key subgroup, ZIP 215 signatures in batches and
//! alone, suite of the signer, SM2 n-1, key-file cost limits, receipts with validator-set changes.

use curve25519_dalek::constants::EIGHT_TORSION;
use zl_types::transaction::ChainBinding;
use zl_types::{
    CryptoSuite, Hash, HashAlgorithm, KeyFile, PublicKey, SecretKey, Signature, TransactionBody,
};

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

/// A signature whose `R` carries a small-order component, made with the secret key: valid under
/// the cofactored ZIP 215 equation, refused by the cofactorless (strict) one. Single and batch
/// verification must both take it, so every validator agrees whichever path it uses.
fn signature_with_torsion_in_r(seed: &[u8; 32], message: &[u8]) -> (PublicKey, Signature) {
    use curve25519_dalek::{constants::ED25519_BASEPOINT_POINT as B, Scalar};
    use sha2::{Digest, Sha512};
    let public = SecretKey::from_seed(CryptoSuite::Ed25519, seed)
        .unwrap()
        .public_key();
    let mut expanded: [u8; 32] = Sha512::digest(seed)[..32].try_into().unwrap();
    expanded[0] &= 248;
    expanded[31] &= 127;
    expanded[31] |= 64;
    let a = Scalar::from_bytes_mod_order(expanded);
    assert_eq!((a * B).compress().to_bytes().to_vec(), public.to_bytes());
    let r = Scalar::from_bytes_mod_order([7; 32]);
    let big_r = (r * B + EIGHT_TORSION[1]).compress();
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(public.to_bytes())
            .chain_update(message),
    );
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(big_r.as_bytes());
    bytes[32..].copy_from_slice((r + k * a).as_bytes());
    (public, Signature(bytes))
}

#[test]
fn ed25519_follows_zip215_and_batch_agrees_with_single_verification() {
    let message = b"zip 215".as_slice();
    let (public, odd) = signature_with_torsion_in_r(&[1; 32], message);
    let PublicKey::Ed25519(dalek) = &public else {
        panic!("an ed25519 key")
    };
    let strict = dalek.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&odd.0));
    assert!(strict.is_err(), "the cofactorless equation refuses it");
    public.verify(message, &odd).expect("ZIP 215 takes it");

    let honest: Vec<(PublicKey, Vec<u8>, Signature)> = (0u8..6)
        .map(|i| {
            let key = SecretKey::from_seed(CryptoSuite::Ed25519, &[i + 10; 32]).unwrap();
            let message = vec![i; 40];
            (key.public_key(), message.clone(), key.sign(&message))
        })
        .collect();
    let mut items: Vec<(&PublicKey, &[u8], &Signature)> = honest
        .iter()
        .map(|(k, m, s)| (k, m.as_slice(), s))
        .collect();
    items.insert(3, (&public, message, &odd));
    for _ in 0..16 {
        // Whatever coefficients are drawn, the batch verdict is the single verdict.
        assert_eq!(
            zl_types::crypto::verify_all(&items, rand_core::OsRng),
            Ok(())
        );
    }
    let mut tampered = odd;
    tampered.0[40] ^= 1;
    assert!(public.verify(message, &tampered).is_err());
    items[3] = (&public, message, &tampered);
    assert_eq!(
        zl_types::crypto::verify_all(&items, rand_core::OsRng),
        Err(3)
    );
}
