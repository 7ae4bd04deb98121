//! The state keys of the `objects` contract. Versions and revisions are big-endian so that
//! RocksDB's order is (version, revision) order; `0x00` ends an object id, which never holds one.

use zl_types::object::{Reference, SnapshotRecord};

/// Prefix of every key of this contract.
pub const PREFIX: &[u8] = b"objects/";

/// State key of an object's head: `objects/head/` ‖ object id.
pub fn head_key(object_id: &str) -> Vec<u8> {
    [b"objects/head/".as_slice(), object_id.as_bytes()].concat()
}

/// State key of how many revisions version `version` has: `objects/revisions/` ‖ id ‖ 0x00 ‖
/// u64 BE.
pub fn revisions_key(object_id: &str, version: u64) -> Vec<u8> {
    [
        b"objects/revisions/".as_slice(),
        object_id.as_bytes(),
        &[0],
        &version.to_be_bytes(),
    ]
    .concat()
}

/// State key of one snapshot: `objects/snapshot/` ‖ id ‖ 0x00 ‖ version u64 BE ‖ revision u32 BE.
pub fn snapshot_key(object_id: &str, version: u64, revision: u32) -> Vec<u8> {
    [
        b"objects/snapshot/".as_slice(),
        object_id.as_bytes(),
        &[0],
        &version.to_be_bytes(),
        &revision.to_be_bytes(),
    ]
    .concat()
}

/// Prefix of the reverse references to `target`: `objects/referrer/` ‖ target id ‖ 0x00 ‖
/// target version u64 BE. Scanning it lists the snapshots that point at `target`.
pub fn referrer_prefix(target: &Reference) -> Vec<u8> {
    [
        b"objects/referrer/".as_slice(),
        target.object_id.as_bytes(),
        &[0],
        &target.version.to_be_bytes(),
    ]
    .concat()
}

/// State key of one reverse reference: [`referrer_prefix`] ‖ source id ‖ 0x00 ‖ version u64 BE
/// ‖ revision u32 BE. Its value is the source's [`Referrer`].
pub fn referrer_key(target: &Reference, source: &SnapshotRecord) -> Vec<u8> {
    [
        referrer_prefix(target).as_slice(),
        source.object_id.as_bytes(),
        &[0],
        &source.version.to_be_bytes(),
        &source.revision.to_be_bytes(),
    ]
    .concat()
}
