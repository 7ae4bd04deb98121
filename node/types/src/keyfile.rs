//! Key files: a JSON document holding a secret key, in the clear or encrypted with a passphrase.

use crate::{CryptoSuite, PublicKey, SecretKey, TypesError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use serde::{Deserialize, Serialize};

/// Argon2id memory cost in KiB (OWASP's 2023 minimum for interactive use).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes.
const ARGON2_PASSES: u32 = 2;
/// Largest Argon2id memory cost a key file may ask for (1 GiB), so a hostile file cannot
/// make the reader allocate without bound.
const ARGON2_MEMORY_KIB_MAX: u32 = 1024 * 1024;
/// Largest Argon2id pass count a key file may ask for.
const ARGON2_PASSES_MAX: u32 = 16;

/// A passphrase-encrypted secret: Argon2id derives a key, ChaCha20-Poly1305 seals the 32 secret bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedSecret {
    /// Always `argon2id`.
    pub kdf: String,
    /// Argon2id memory cost, KiB.
    pub memory_kib: u32,
    /// Argon2id passes.
    pub passes: u32,
    /// Salt, hex.
    pub salt: String,
    /// Always `chacha20poly1305`.
    pub cipher: String,
    /// Nonce, hex (12 bytes).
    pub nonce: String,
    /// Ciphertext and tag, hex.
    pub ciphertext: String,
}

/// The key file format. Exactly one of `secret` and `encrypted` is present.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// The key's suite.
    pub suite: CryptoSuite,
    /// The public key (also the key id on chain).
    pub public_key: PublicKey,
    /// The secret, hex, when not encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The secret, encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<EncryptedSecret>,
}

impl KeyFile {
    /// A key file with the secret in the clear (protect it with file permissions 0600).
    pub fn plain(key: &SecretKey) -> KeyFile {
        KeyFile {
            suite: key.suite(),
            public_key: key.public_key(),
            secret: Some(hex::encode(key.seed())),
            encrypted: None,
        }
    }

    /// A key file sealed with `passphrase`; `salt` and `nonce` come from the caller's RNG.
    pub fn encrypted(
        key: &SecretKey,
        passphrase: &str,
        salt: [u8; 16],
        nonce: [u8; 12],
    ) -> Result<KeyFile, TypesError> {
        let cipher = cipher_for(passphrase, &salt, ARGON2_MEMORY_KIB, ARGON2_PASSES)?;
        let public_text = key.public_key().to_text();
        let payload = Payload {
            msg: &key.seed(),
            aad: public_text.as_bytes(),
        };
        let ciphertext = cipher
            .encrypt(&nonce.into(), payload)
            .map_err(|_| TypesError::KeyFile("encryption failed".into()))?;
        Ok(KeyFile {
            suite: key.suite(),
            public_key: key.public_key(),
            secret: None,
            encrypted: Some(EncryptedSecret {
                kdf: "argon2id".into(),
                memory_kib: ARGON2_MEMORY_KIB,
                passes: ARGON2_PASSES,
                salt: hex::encode(salt),
                cipher: "chacha20poly1305".into(),
                nonce: hex::encode(nonce),
                ciphertext: hex::encode(ciphertext),
            }),
        })
    }

    /// Whether a passphrase is needed.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted.is_some()
    }

    /// The secret key; `passphrase` is needed when the file is encrypted.
    pub fn secret_key(&self, passphrase: Option<&str>) -> Result<SecretKey, TypesError> {
        let seed = match (&self.secret, &self.encrypted) {
            (Some(secret), None) => decode_seed(secret)?,
            (None, Some(sealed)) => {
                let passphrase = passphrase.ok_or_else(|| {
                    TypesError::KeyFile(
                        "the key file is encrypted; give its passphrase (ZL_PASSPHRASE)".into(),
                    )
                })?;
                open(sealed, passphrase, &self.public_key)?
            }
            _ => {
                return Err(TypesError::KeyFile(
                    "a key file holds exactly one of secret and encrypted".into(),
                ))
            }
        };
        let key = SecretKey::from_seed(self.suite, &seed)?;
        if key.public_key() != self.public_key {
            return Err(TypesError::KeyFile(
                "the secret does not match the public key in the file".into(),
            ));
        }
        Ok(key)
    }
}

fn decode_seed(text: &str) -> Result<[u8; 32], TypesError> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text, &mut seed)
        .map_err(|_| TypesError::KeyFile("secret must be 64 hex characters".into()))?;
    Ok(seed)
}

fn open(
    sealed: &EncryptedSecret,
    passphrase: &str,
    public_key: &PublicKey,
) -> Result<[u8; 32], TypesError> {
    if sealed.kdf != "argon2id" || sealed.cipher != "chacha20poly1305" {
        return Err(TypesError::KeyFile("unsupported kdf or cipher".into()));
    }
    if sealed.memory_kib > ARGON2_MEMORY_KIB_MAX || sealed.passes > ARGON2_PASSES_MAX {
        return Err(TypesError::KeyFile(format!(
            "argon2id costs above the limits ({ARGON2_MEMORY_KIB_MAX} KiB, {ARGON2_PASSES_MAX} passes); re-encrypt the key"
        )));
    }
    let salt =
        hex::decode(&sealed.salt).map_err(|_| TypesError::KeyFile("salt is not hex".into()))?;
    let nonce: [u8; 12] = hex::decode(&sealed.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| TypesError::KeyFile("nonce must be 12 bytes of hex".into()))?;
    let ciphertext = hex::decode(&sealed.ciphertext)
        .map_err(|_| TypesError::KeyFile("ciphertext is not hex".into()))?;
    let cipher = cipher_for(passphrase, &salt, sealed.memory_kib, sealed.passes)?;
    let text = public_key.to_text();
    let plain = cipher
        .decrypt(
            &nonce.into(),
            Payload {
                msg: &ciphertext,
                aad: text.as_bytes(),
            },
        )
        .map_err(|_| TypesError::KeyFile("wrong passphrase, or the key file was altered".into()))?;
    plain
        .try_into()
        .map_err(|_| TypesError::KeyFile("sealed secret is not 32 bytes".into()))
}

fn cipher_for(
    passphrase: &str,
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
) -> Result<chacha20poly1305::ChaCha20Poly1305, TypesError> {
    let params = argon2::Params::new(memory_kib, passes, 1, Some(32))
        .map_err(|e| TypesError::KeyFile(format!("bad argon2 parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| TypesError::KeyFile(format!("key derivation failed: {e}")))?;
    Ok(chacha20poly1305::ChaCha20Poly1305::new(&key.into()))
}
