//! The two crypto suites (`ed25519`, `sm`): public keys, secret keys, signatures, batch verification.

use crate::{HashAlgorithm, TypesError};
use ed25519_dalek::Signer as _;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The user id that SM2 signatures bind into their `Z_A` digest (GB/T 35276 default).
pub const SM2_USER_ID: &str = "1234567812345678";

/// n-1 for the SM2 curve order n (GB/T 32918.5), big-endian.
const SM2_ORDER_MINUS_ONE: [u8; 32] = [
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x22,
];

/// A chain's crypto suite, named in its genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CryptoSuite {
    /// Ed25519 signatures (ZIP 215 verification) and SHA-256.
    #[default]
    Ed25519,
    /// SM2 signatures (user id `1234567812345678`) and SM3.
    Sm,
}

impl CryptoSuite {
    /// The suite's hash algorithm.
    pub fn hash_algorithm(self) -> HashAlgorithm {
        match self {
            CryptoSuite::Ed25519 => HashAlgorithm::Sha256,
            CryptoSuite::Sm => HashAlgorithm::Sm3,
        }
    }

    /// The suite's name: `ed25519` or `sm`.
    pub fn name(self) -> &'static str {
        match self {
            CryptoSuite::Ed25519 => "ed25519",
            CryptoSuite::Sm => "sm",
        }
    }

    /// Parses `ed25519` or `sm`.
    pub fn parse(text: &str) -> Result<CryptoSuite, TypesError> {
        match text {
            "ed25519" => Ok(CryptoSuite::Ed25519),
            "sm" => Ok(CryptoSuite::Sm),
            other => Err(TypesError::Format(format!(
                "unknown crypto suite {other:?}: use \"ed25519\" or \"sm\""
            ))),
        }
    }
}

/// A public key of either suite. Text form: `ed25519:<64 hex>` or `sm2:<66 hex>` (SEC1 compressed).
#[derive(Clone)]
pub enum PublicKey {
    /// An Ed25519 verifying key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An SM2 verifying key with the default user id.
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

impl PublicKey {
    /// The suite this key belongs to.
    pub fn suite(&self) -> CryptoSuite {
        match self {
            PublicKey::Ed25519(_) => CryptoSuite::Ed25519,
            PublicKey::Sm2(_) => CryptoSuite::Sm,
        }
    }

    /// The key's raw bytes: 32 for Ed25519, 33 (SEC1 compressed) for SM2.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PublicKey::Ed25519(key) => key.to_bytes().to_vec(),
            PublicKey::Sm2(key) => {
                use sm2::elliptic_curve::sec1::ToEncodedPoint;
                key.as_affine().to_encoded_point(true).as_bytes().to_vec()
            }
        }
    }

    /// The text form, `ed25519:<hex>` or `sm2:<hex>`.
    pub fn to_text(&self) -> String {
        match self {
            PublicKey::Ed25519(_) => format!("ed25519:{}", hex::encode(self.to_bytes())),
            PublicKey::Sm2(_) => format!("sm2:{}", hex::encode(self.to_bytes())),
        }
    }

    /// Parses the text form. Weak (small-order) Ed25519 keys are refused.
    pub fn from_text(text: &str) -> Result<PublicKey, TypesError> {
        let bad = |why: &str| {
            TypesError::Format(format!(
                "bad public key {:?}: {why}; expected \"ed25519:<64 hex>\" or \"sm2:<66 hex>\"",
                text.chars().take(80).collect::<String>()
            ))
        };
        let (kind, hex_part) = text
            .split_once(':')
            .ok_or_else(|| bad("no algorithm prefix"))?;
        let bytes = hex::decode(hex_part).map_err(|_| bad("not hex"))?;
        match kind {
            "ed25519" => {
                let array: [u8; 32] = bytes.try_into().map_err(|_| bad("not 32 bytes"))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&array)
                    .map_err(|_| bad("not a point on the curve"))?;
                if key.is_weak() {
                    return Err(bad("a weak (small-order) key"));
                }
                Ok(PublicKey::Ed25519(key))
            }
            "sm2" => {
                if bytes.len() != 33 {
                    return Err(bad("not 33 bytes (SEC1 compressed)"));
                }
                let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, &bytes)
                    .map_err(|_| bad("not a point on the SM2 curve"))?;
                Ok(PublicKey::Sm2(Box::new(key)))
            }
            _ => Err(bad("unknown algorithm")),
        }
    }

    /// Refuses an Ed25519 key with a torsion component: such keys verify differently under
    /// cofactored and cofactorless equations, so registered keys (genesis members and validators)
    /// must lie in the prime-order subgroup for every verifier to agree. Checked once, when a key
    /// is registered, not on every transaction (it costs about a signature verification).
    pub fn check_registrable(&self) -> Result<(), TypesError> {
        match self {
            PublicKey::Ed25519(key) if !key.to_edwards().is_torsion_free() => {
                Err(TypesError::Invalid(format!(
                    "key {self} has a torsion component; register a key made by `zl keys new`"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Verifies `signature` over `message` (Ed25519: the ZIP 215 rules of PROTOCOL §2.1, which
    /// batch verification agrees with; SM2: with `Z_A` and SM3).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), TypesError> {
        let bad = || TypesError::Signature(format!("signature does not verify for key {}", self));
        match self {
            PublicKey::Ed25519(key) => {
                let key =
                    ed25519_zebra::VerificationKey::try_from(key.to_bytes()).map_err(|_| bad())?;
                let sig = ed25519_zebra::Signature::from_bytes(&signature.0);
                key.verify(&sig, message).map_err(|_| bad())
            }
            PublicKey::Sm2(key) => {
                let sig = sm2::dsa::Signature::from_bytes(&signature.0).map_err(|_| bad())?;
                crate::sm2_comb::verify(key, SM2_USER_ID, message, &sig)
                    .then_some(())
                    .ok_or_else(bad)
            }
        }
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.suite() == other.suite() && self.to_bytes() == other.to_bytes()
    }
}

impl Eq for PublicKey {}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_bytes().hash(state)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

/// Recently parsed keys remembered per thread, at most. A node parses the signer's key of every
/// transaction it receives, and a few member keys sign nearly all of them; decoding a key costs
/// a point decompression and a small-order check. A parsed key is a pure function of its text,
/// so remembering it changes nothing but the time.
const PARSED_KEYS_MAX: usize = 256;

thread_local! {
    static PARSED_KEYS: std::cell::RefCell<std::collections::HashMap<String, PublicKey>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyText)
    }
}

/// Reads a key's text form, from [`PARSED_KEYS`] when this thread parsed it recently.
struct KeyText;

impl serde::de::Visitor<'_> for KeyText {
    type Value = PublicKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a public key: \"ed25519:<64 hex>\" or \"sm2:<66 hex>\"")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<PublicKey, E> {
        if let Some(key) = PARSED_KEYS.with(|keys| keys.borrow().get(text).cloned()) {
            return Ok(key);
        }
        let key = PublicKey::from_text(text).map_err(E::custom)?;
        PARSED_KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            if keys.len() >= PARSED_KEYS_MAX {
                keys.clear();
            }
            keys.insert(text.to_owned(), key.clone());
        });
        Ok(key)
    }
}

/// A 64-byte signature of either suite (Ed25519 `R‖S`, SM2 `r‖s` big-endian), hex in JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_hex())
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|_| serde::de::Error::custom("expected a signature as 128 hex characters"))?;
        Ok(Signature(bytes))
    }
}

/// A secret signing key of either suite. Never printed: `Debug` shows only the public key.
// A process holds a handful of keys, so the variants' size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub enum SecretKey {
    /// Ed25519 signing key.
    Ed25519(ed25519_dalek::SigningKey),
    /// SM2 signing key with the default user id.
    Sm2(Box<sm2::dsa::SigningKey>),
}

impl SecretKey {
    /// A fresh key drawn from `rng` (the caller supplies the randomness).
    pub fn generate(suite: CryptoSuite, rng: &mut impl CryptoRngCore) -> SecretKey {
        loop {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            // An SM2 seed outside [1, n-1] is refused; draw again (probability ~2^-32).
            if let Ok(key) = SecretKey::from_seed(suite, &seed) {
                return key;
            }
        }
    }

    /// The key with the given 32 secret bytes (Ed25519 seed, or SM2 scalar big-endian).
    pub fn from_seed(suite: CryptoSuite, seed: &[u8; 32]) -> Result<SecretKey, TypesError> {
        match suite {
            CryptoSuite::Ed25519 => Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                seed,
            ))),
            // d = n-1 is a valid scalar but leaves 1+d without an inverse, so SM2 cannot sign with it.
            CryptoSuite::Sm if *seed == SM2_ORDER_MINUS_ONE => Err(TypesError::KeyFile(
                "SM2 secret n-1 cannot sign; generate another key".into(),
            )),
            CryptoSuite::Sm => sm2::dsa::SigningKey::from_slice(SM2_USER_ID, seed)
                .map(|key| SecretKey::Sm2(Box::new(key)))
                .map_err(|_| TypesError::KeyFile("SM2 secret is not in [1, n-1]".into())),
        }
    }

    /// The 32 secret bytes.
    pub fn seed(&self) -> [u8; 32] {
        match self {
            SecretKey::Ed25519(key) => key.to_bytes(),
            SecretKey::Sm2(key) => key.to_bytes().into(),
        }
    }

    /// The key's suite.
    pub fn suite(&self) -> CryptoSuite {
        match self {
            SecretKey::Ed25519(_) => CryptoSuite::Ed25519,
            SecretKey::Sm2(_) => CryptoSuite::Sm,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(key) => PublicKey::Ed25519(key.verifying_key()),
            SecretKey::Sm2(key) => PublicKey::Sm2(Box::new(key.verifying_key().clone())),
        }
    }

    /// Signs `message`. Both suites sign deterministically (Ed25519 by design, SM2 with RFC 6979 nonces).
    pub fn sign(&self, message: &[u8]) -> Signature {
        match self {
            SecretKey::Ed25519(key) => Signature(key.sign(message).to_bytes()),
            SecretKey::Sm2(key) => {
                // The crate's own `sign` panics in these cases too; their odds are about 2^-256.
                let sig = crate::sm2_comb::sign(key, SM2_USER_ID, message)
                    .expect("an SM2 signature exists for all but a negligible set of nonces");
                Signature(sig.to_bytes())
            }
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public_key())
    }
}

/// Verifies many signatures with the rules of [`PublicKey::verify`]. Returns the index of the
/// first invalid item on failure, so a caller can refuse just that one (the items before it are
/// then known to be valid).
///
/// Ed25519 items are checked together with one ZIP 215 batch equation (ed25519-zebra): about
/// half the work of checking them one by one, and, unlike a cofactorless batch, its verdict on
/// every signature is the single-signature verdict, whatever coefficients `rng` draws (so all
/// validators agree). Only when a batch fails are the items checked one by one to find the first
/// bad one. SM2 items are checked one by one.
pub fn verify_all(
    items: &[(&PublicKey, &[u8], &Signature)],
    rng: impl CryptoRngCore,
) -> Result<(), usize> {
    let mut batch = ed25519_zebra::batch::Verifier::new();
    let mut all_valid = true;
    for (key, message, signature) in items {
        match key {
            PublicKey::Ed25519(key) => batch.queue((
                ed25519_zebra::VerificationKeyBytes::from(key.to_bytes()),
                ed25519_zebra::Signature::from_bytes(&signature.0),
                *message,
            )),
            PublicKey::Sm2(_) => all_valid &= key.verify(message, signature).is_ok(),
        }
    }
    if all_valid && batch.verify(rng).is_ok() {
        return Ok(());
    }
    for (position, (key, message, signature)) in items.iter().enumerate() {
        key.verify(message, signature).map_err(|_| position)?;
    }
    Ok(())
}
