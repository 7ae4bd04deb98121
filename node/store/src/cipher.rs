//! Encryption at rest (docs/OPERATIONS.md, "Object store"): SM4-GCM under the node's store key,
//! a fresh 96-bit nonce per write, and the snapshot's digest as associated data, so a file
//! written under another key, or holding another snapshot than the one asked for, does not open.
//! The digest, not the path, is bound so that publishing a staged file is a rename.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use rand_core::{OsRng, RngCore};
use sm4::Sm4;
use zl_types::Hash;

/// SM4 in GCM mode with a 96-bit nonce (the 国密 cipher of the `sm` suite).
type Sm4Gcm = AesGcm<Sm4, aes_gcm::aead::consts::U12>;

/// The first bytes of every stored file: format name and version.
pub const MAGIC: &[u8; 4] = b"ZLS2";
/// Nonce length in bytes.
pub const NONCE_BYTES: usize = 12;
/// Store key length in bytes (an SM4 key).
pub const STORE_KEY_BYTES: usize = 16;

/// The node's store key. Its `Debug` shows no key bytes, so it cannot reach a log.
#[derive(Clone)]
pub struct StoreKey([u8; STORE_KEY_BYTES]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

impl StoreKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> StoreKey {
        let mut bytes = [0u8; STORE_KEY_BYTES];
        OsRng.fill_bytes(&mut bytes);
        StoreKey(bytes)
    }

    /// A key from its 32 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<StoreKey, String> {
        let mut bytes = [0u8; STORE_KEY_BYTES];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| format!("a store key is {} hex digits", STORE_KEY_BYTES * 2))?;
        Ok(StoreKey(bytes))
    }

    /// The key as 32 hex digits, for its key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new(&self.0.into())
    }
}

/// `MAGIC ‖ nonce ‖ SM4-GCM(plaintext, aad = the digest's 64 hex digits)`, random nonce.
pub fn encrypt(key: &StoreKey, digest: &Hash, plaintext: &[u8]) -> Vec<u8> {
    let aad = digest.to_hex();
    let mut nonce = [0u8; NONCE_BYTES];
    OsRng.fill_bytes(&mut nonce);
    let sealed = key
        .cipher()
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .expect("GCM encrypts any message shorter than 64 GiB");
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_BYTES + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// The plaintext of a file written by [`encrypt`] under `key` for `digest`; `None` if it was
/// not (other key, other snapshot, altered bytes, or not this format).
pub fn decrypt(key: &StoreKey, digest: &Hash, file: &[u8]) -> Option<Vec<u8>> {
    let aad = digest.to_hex();
    let rest = file.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < NONCE_BYTES {
        return None;
    }
    let (nonce, sealed) = rest.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
    key.cipher()
        .decrypt(
            &nonce.into(),
            Payload {
                msg: sealed,
                aad: aad.as_bytes(),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_binding() {
        let key = StoreKey::generate();
        let a = zl_types::HashAlgorithm::Sm3.digest(b"snapshot A");
        let b = zl_types::HashAlgorithm::Sm3.digest(b"snapshot B");
        let file = encrypt(&key, &a, b"snapshot");
        assert_eq!(decrypt(&key, &a, &file).as_deref(), Some(&b"snapshot"[..]));
        assert_eq!(decrypt(&key, &b, &file), None, "another snapshot's digest");
        assert_eq!(
            decrypt(&StoreKey::generate(), &a, &file),
            None,
            "another key"
        );
        let mut altered = file.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(decrypt(&key, &a, &altered), None, "altered tag");
        assert_eq!(decrypt(&key, &a, b"ZLS2short"), None, "truncated");
        let mut old_format = file.clone();
        old_format[..4].copy_from_slice(b"ZLS1");
        assert_eq!(decrypt(&key, &a, &old_format), None, "another format");
        assert_ne!(
            encrypt(&key, &a, b"x"),
            encrypt(&key, &a, b"x"),
            "fresh nonces"
        );
    }

    #[test]
    fn key_hex_round_trip_and_refusals() {
        let key = StoreKey::generate();
        assert_eq!(
            StoreKey::from_hex(&key.to_hex()).unwrap().to_hex(),
            key.to_hex()
        );
        assert!(StoreKey::from_hex("00").is_err());
        assert!(StoreKey::from_hex(&"zz".repeat(16)).is_err());
        assert_eq!(format!("{key:?}"), "StoreKey(..)");
    }

    /// SM4-GCM against the known answer of RFC 8998 appendix A.1, so a dependency change that
    /// swapped the cipher, the mode or the nonce length shows here.
    #[test]
    fn sm4_gcm_matches_rfc_8998() {
        let key = StoreKey::from_hex("0123456789abcdeffedcba9876543210").unwrap();
        let nonce: [u8; NONCE_BYTES] = hex::decode("00001234567800000000abcd")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let msg = hex::decode(concat!(
            "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd",
            "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
        ))
        .unwrap();
        let sealed = key
            .cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &msg,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(
            hex::encode(sealed),
            concat!(
                "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735",
                "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
                "83de3541e4c2b58177e065a9bf7b62ec"
            )
        );
    }
}
