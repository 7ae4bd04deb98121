//! What contracts read (a state view) and what they return (effects), with an overlay for
//! transactions of several calls.

use std::collections::HashMap;
use zl_types::{Event, EvidenceRecord, Hash, HashAlgorithm, Member, PublicKey};

/// The block a transaction executes in.
#[derive(Clone, Debug)]
pub struct BlockContext {
    /// The chain's id.
    pub chain_id: String,
    /// The block's height.
    pub height: u64,
    /// The block's time (Unix ms): the only time contracts know.
    pub time: u64,
    /// The chain's hash algorithm.
    pub hash_algorithm: HashAlgorithm,
}

/// Read access to the state as of the transaction's start.
pub trait StateView {
    /// A raw state value.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The evidence log's size, counting records made earlier in this block.
    fn evidence_log_size(&self) -> u64;
    /// An evidence record by sequence number, including earlier ones in this block.
    fn evidence_record(&self, seq: u64) -> Option<EvidenceRecord>;
    /// The registered member holding `key`.
    fn member(&self, key: &PublicKey) -> Option<Member>;
}

/// An evidence record to append, with its documents (kept for per-document proofs).
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvidence {
    /// The record; its `seq` is its log position.
    pub record: EvidenceRecord,
    /// The document digests, in order.
    pub documents: Vec<Hash>,
}

/// What a transaction does: state writes, events and new evidence records, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effects {
    /// State writes (key, value), applied in order.
    pub writes: Vec<(Vec<u8>, Vec<u8>)>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// Evidence records appended, in log order.
    pub evidence: Vec<NewEvidence>,
}

/// A view with a transaction's earlier effects laid over the base view.
pub struct Overlay<'a> {
    base: &'a dyn StateView,
    writes: HashMap<Vec<u8>, Vec<u8>>,
    effects: Effects,
}

impl<'a> Overlay<'a> {
    /// An empty overlay over `base`.
    pub fn new(base: &'a dyn StateView) -> Overlay<'a> {
        Overlay {
            base,
            writes: HashMap::new(),
            effects: Effects::default(),
        }
    }

    /// Lays `effects` over the view.
    pub fn apply(&mut self, effects: Effects) {
        for (key, value) in &effects.writes {
            self.writes.insert(key.clone(), value.clone());
        }
        self.effects.writes.extend(effects.writes);
        self.effects.events.extend(effects.events);
        self.effects.evidence.extend(effects.evidence);
    }

    /// Everything laid over, in order.
    pub fn into_effects(self) -> Effects {
        self.effects
    }
}

impl StateView for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.writes.get(key).cloned().or_else(|| self.base.get(key))
    }

    fn evidence_log_size(&self) -> u64 {
        self.base.evidence_log_size() + self.effects.evidence.len() as u64
    }

    fn evidence_record(&self, seq: u64) -> Option<EvidenceRecord> {
        let base_size = self.base.evidence_log_size();
        if seq < base_size {
            return self.base.evidence_record(seq);
        }
        let offset = usize::try_from(seq - base_size).ok()?;
        self.effects.evidence.get(offset).map(|e| e.record.clone())
    }

    fn member(&self, key: &PublicKey) -> Option<Member> {
        self.base.member(key)
    }
}
