//! Events that contracts emit; the header's event root commits to them.

use crate::canonical::canonical_json;
use crate::{merkle, Hash, HashAlgorithm};
use serde::{Deserialize, Serialize};

/// One event: which contract, what kind, and its attributes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The emitting contract, e.g. `evidence`.
    pub contract: String,
    /// The event's kind, e.g. `notarized`.
    pub kind: String,
    /// The transaction that caused it.
    pub tx_id: Hash,
    /// Contract-specific attributes.
    pub attributes: serde_json::Value,
}

impl Event {
    /// The event tree's leaf data: the event's canonical JSON.
    pub fn leaf_data(&self) -> Vec<u8> {
        canonical_json(self).expect("events are built by contracts from checked values")
    }
}

/// The event root of a block: RFC 6962 root over the leaf data of its events in order.
pub fn event_root(alg: HashAlgorithm, events: &[Event]) -> Hash {
    let leaves: Vec<Hash> = events
        .iter()
        .map(|e| merkle::leaf_hash(alg, &e.leaf_data()))
        .collect();
    merkle::root(alg, &leaves)
}
