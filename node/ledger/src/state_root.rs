//! The state root: a hash chain over every block's state writes.
//!
//! `H` is the chain's hash algorithm (SHA-256 for `ed25519`, SM3 for `sm`); `‖` concatenates
//! bytes; `MTH` and `leaf_hash` are the RFC 6962 tree hash and leaf hash (`H(0x00 ‖ data)`).
//!
//! ```text
//! write_leaf(key, value) = leaf_hash(u32_be(len(key)) ‖ key ‖ H(value))
//! writes_root(W)         = MTH([write_leaf(k, v) for (k, v) in W])        (empty_root = H("") if W is empty)
//! state_root(0)          = H("zhenglian/state/v1\n" ‖ genesis_hash ‖ writes_root(genesis writes))
//! state_root(h)          = H("zhenglian/state/v1\n" ‖ state_root(h-1) ‖ writes_root(writes of block h))
//! ```
//!
//! - The tag is the 19 ASCII bytes `zhenglian/state/v1` followed by one newline byte (0x0a);
//!   `genesis_hash`, `state_root(h-1)` and `writes_root` are 32 raw bytes each.
//! - `W`, the writes of a block, holds each key once with the last value the block wrote to it
//!   (writes of failed transactions are not part of it), sorted by key bytes in unsigned
//!   lexicographic order (a shorter key sorts before every longer key it is a prefix of).
//! - The genesis writes are one entry per genesis member: key `member/` (7 ASCII bytes) ‖ the
//!   member's raw public key bytes (32 for Ed25519, 33 SEC1-compressed for SM2), value the
//!   RFC 8785 canonical JSON of the member `{"name", "public_key", "roles"}`.
//!
//! The root thus commits to the whole history of state writes, not to the current state as a
//! searchable tree: proving a single current value needs a sparse Merkle state tree, later work.

use std::collections::BTreeMap;
use zl_types::canonical::canonical_json;
use zl_types::{merkle, Genesis, Hash, HashAlgorithm};

use crate::tables::member_key;

/// Domain tag of the state root, with its newline.
pub const STATE_ROOT_TAG: &[u8] = b"zhenglian/state/v1\n";

/// The leaf hash of one state write: `leaf_hash(u32_be(len(key)) ‖ key ‖ H(value))`.
pub fn write_leaf(alg: HashAlgorithm, key: &[u8], value: &[u8]) -> Hash {
    let key_len = u32::try_from(key.len()).expect("state keys are far shorter than 4 GiB");
    let value_hash = alg.digest(value);
    let mut data = Vec::with_capacity(4 + key.len() + 32);
    data.extend_from_slice(&key_len.to_be_bytes());
    data.extend_from_slice(key);
    data.extend_from_slice(&value_hash.0);
    merkle::leaf_hash(alg, &data)
}

/// The RFC 6962 root over the writes of one block, in key order (the map's order).
pub fn writes_root(alg: HashAlgorithm, writes: &BTreeMap<Vec<u8>, Vec<u8>>) -> Hash {
    let leaves: Vec<Hash> = writes
        .iter()
        .map(|(key, value)| write_leaf(alg, key, value))
        .collect();
    merkle::root(alg, &leaves)
}

/// The state root after a block with `writes`, on top of the `previous` root (the genesis hash
/// for the genesis state itself).
pub fn state_root(
    alg: HashAlgorithm,
    previous: &Hash,
    writes: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> Hash {
    let root = writes_root(alg, writes);
    alg.digest_parts(&[STATE_ROOT_TAG, &previous.0, &root.0])
}

/// The state the genesis seeds: one `member/<key bytes>` entry per member.
pub fn genesis_writes(genesis: &Genesis) -> BTreeMap<Vec<u8>, Vec<u8>> {
    genesis
        .members
        .iter()
        .map(|member| {
            let value = canonical_json(member).expect("members hold only strings");
            (member_key(&member.public_key), value)
        })
        .collect()
}

/// `state_root(0)`: the root of the genesis state.
pub fn genesis_state_root(genesis: &Genesis) -> Hash {
    let alg = genesis.crypto_suite.hash_algorithm();
    state_root(alg, &genesis.hash(), &genesis_writes(genesis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_layout_is_length_key_value_hash() {
        let alg = HashAlgorithm::Sha256;
        let mut data = vec![0, 0, 0, 3];
        data.extend_from_slice(b"abc");
        data.extend_from_slice(&alg.digest(b"v").0);
        assert_eq!(write_leaf(alg, b"abc", b"v"), merkle::leaf_hash(alg, &data));
    }

    #[test]
    fn empty_block_still_chains_the_root() {
        let alg = HashAlgorithm::Sm3;
        let previous = alg.digest(b"previous");
        let expected =
            alg.digest_parts(&[b"zhenglian/state/v1\n", &previous.0, &alg.digest(b"").0]);
        assert_eq!(state_root(alg, &previous, &BTreeMap::new()), expected);
        assert_ne!(state_root(alg, &expected, &BTreeMap::new()), expected);
    }

    #[test]
    fn writes_are_ordered_by_key_bytes() {
        let alg = HashAlgorithm::Sha256;
        let writes: BTreeMap<Vec<u8>, Vec<u8>> = [
            (b"b".to_vec(), b"2".to_vec()),
            (b"a".to_vec(), b"1".to_vec()),
        ]
        .into_iter()
        .collect();
        let expected = merkle::root(
            alg,
            &[write_leaf(alg, b"a", b"1"), write_leaf(alg, b"b", b"2")],
        );
        assert_eq!(writes_root(alg, &writes), expected);
    }
}
