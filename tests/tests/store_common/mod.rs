//! What the store's tests share: a sealed-looking object and its digest.

use serde_json::{json, Value};
use zl_store::StoredSnapshot;
use zl_types::object::snapshot_digest;
use zl_types::Hash;

/// A stored snapshot with a personal field in clear, and its digest.
pub(crate) fn snapshot(name: &str) -> (StoredSnapshot, Hash) {
    let object: Value = json!({
        "header": {"content": {"object_id": "SUBJ-1", "version": 0}},
        "body": {"subject": {"subject_person_name": name}}
    });
    let digest = snapshot_digest(&object).expect("an object has a digest");
    let snapshot = StoredSnapshot {
        object,
        salt: "ab".repeat(32),
    };
    (snapshot, digest)
}
