//! The comb-table SM2 of `zl_types::crypto` against the `sm2` crate it speeds up: the same
//! signature bytes for the same key and message (both use RFC 6979 nonces), and the same verdict
//! on valid, tampered and foreign signatures.

use proptest::prelude::*;
use sm2::dsa::signature::{Signer, Verifier};
use zl_types::crypto::SM2_USER_ID;
use zl_types::{CryptoSuite, SecretKey, Signature};

/// The crate's own key for `seed`.
fn crate_key(seed: &[u8; 32]) -> sm2::dsa::SigningKey {
    sm2::dsa::SigningKey::from_slice(SM2_USER_ID, seed).expect("a valid SM2 scalar")
}

/// The crate's verdict on `signature` over `message` by the key of `seed`.
fn crate_verdict(seed: &[u8; 32], message: &[u8], signature: &Signature) -> bool {
    let Ok(signature) = sm2::dsa::Signature::from_bytes(&signature.0) else {
        return false;
    };
    crate_key(seed)
        .verifying_key()
        .verify(message, &signature)
        .is_ok()
}

/// Seeds that are valid SM2 secrets: below n-1 (the top byte 0xfe and under keeps them there).
fn seed() -> impl Strategy<Value = [u8; 32]> {
    (0u8..=0xfe, proptest::array::uniform31(any::<u8>()))
        .prop_map(|(top, rest)| {
            let mut seed = [0u8; 32];
            seed[0] = top;
            seed[1..].copy_from_slice(&rest);
            seed
        })
        .prop_filter("a non-zero secret", |s| s.iter().any(|b| *b != 0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signatures_are_the_crates_byte_for_byte(
        seed in seed(),
        message in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let ours = SecretKey::from_seed(CryptoSuite::Sm, &seed).expect("a key").sign(&message);
        let theirs: sm2::dsa::Signature = crate_key(&seed).sign(&message);
        prop_assert_eq!(ours.0, theirs.to_bytes());
    }

    #[test]
    fn verdicts_are_the_crates(
        seed in seed(),
        other in seed(),
        message in proptest::collection::vec(any::<u8>(), 1..300),
        flip_at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let key = SecretKey::from_seed(CryptoSuite::Sm, &seed).expect("a key");
        let public = key.public_key();
        let signature = key.sign(&message);
        // Valid.
        prop_assert!(public.verify(&message, &signature).is_ok());
        prop_assert!(crate_verdict(&seed, &message, &signature));
        // The message changed.
        let mut tampered = message.clone();
        let at = flip_at.index(tampered.len());
        tampered[at] ^= flip;
        prop_assert!(public.verify(&tampered, &signature).is_err());
        prop_assert!(!crate_verdict(&seed, &tampered, &signature));
        // The signature changed: r or s out of range, or just wrong; both say the same.
        let mut bent = signature;
        let at = flip_at.index(bent.0.len());
        bent.0[at] ^= flip;
        prop_assert_eq!(
            public.verify(&message, &bent).is_ok(),
            crate_verdict(&seed, &message, &bent)
        );
        prop_assert!(public.verify(&message, &bent).is_err());
        // Another key's signature.
        let foreign = SecretKey::from_seed(CryptoSuite::Sm, &other).expect("a key").sign(&message);
        prop_assert_eq!(
            public.verify(&message, &foreign).is_ok(),
            crate_verdict(&seed, &message, &foreign)
        );
        prop_assert_eq!(public.verify(&message, &foreign).is_ok(), seed == other);
    }
}

/// Edge secrets: 1, and n-2 (the largest that can sign: 1 + d must be invertible).
#[test]
fn edge_secrets_sign_as_the_crate_does() {
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut n_minus_two = [
        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5,
        0x41, 0x22,
    ];
    n_minus_two[31] -= 1;
    for seed in [one, n_minus_two] {
        for message in [&b""[..], b"abc", &[0u8; 1000][..]] {
            let key = SecretKey::from_seed(CryptoSuite::Sm, &seed).expect("a key");
            let ours = key.sign(message);
            let theirs: sm2::dsa::Signature = crate_key(&seed).sign(message);
            assert_eq!(ours.0, theirs.to_bytes(), "secret {seed:02x?}");
            assert!(key.public_key().verify(message, &ours).is_ok());
        }
    }
}
