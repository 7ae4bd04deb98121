//! What contracts read (a state view) and what they return (effects), with an overlay for
//! transactions of several calls.

use std::collections::{BTreeMap, HashMap};
use zl_types::{Event, EvidenceRecord, Hash, HashAlgorithm, Member, PublicKey, ValidatorSet};

/// Prefix of member entries in the state: `member/` ‖ public key bytes; value = JCS of the member.
pub const MEMBER_PREFIX: &[u8] = b"member/";

/// The state key of a member entry.
pub fn member_key(key: &PublicKey) -> Vec<u8> {
    let mut out = MEMBER_PREFIX.to_vec();
    out.extend_from_slice(&key.to_bytes());
    out
}

/// The block a transaction executes in.
#[derive(Clone, Debug)]
pub struct BlockContext {
    /// The chain's id.
    pub chain_id: String,
    /// The chain's role in the dual-layer network (DIDs name local chains or the regulatory one).
    pub chain_role: zl_types::ChainRole,
    /// The block's height.
    pub height: u64,
    /// The block's time (Unix ms): the only time contracts know.
    pub time: u64,
    /// The chain's hash algorithm.
    pub hash_algorithm: HashAlgorithm,
    /// The validator set of the next height: the newest set decided before this block, on
    /// which governance builds a change decided in this block.
    pub next_validators: ValidatorSet,
}

/// Read access to the state as of the transaction's start. A key whose value is empty is
/// absent (see [`Effects::writes`]).
pub trait StateView {
    /// A raw state value; `None` for an absent (or removed) key.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The evidence log's size, counting records made earlier in this block.
    fn evidence_log_size(&self) -> u64;
    /// An evidence record by sequence number, including earlier ones in this block.
    fn evidence_record(&self, seq: u64) -> Option<EvidenceRecord>;
    /// The registered member holding `key`.
    fn member(&self, key: &PublicKey) -> Option<Member>;
    /// Every registered member, in state-key order. Reads the whole registry: only governance,
    /// which counts governors and looks for transport keys, calls it.
    fn members(&self) -> Vec<Member>;
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
    /// State writes (key, value), applied in order. An empty value removes the key (the state
    /// root still commits to the write).
    pub writes: Vec<(Vec<u8>, Vec<u8>)>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// Evidence records appended, in log order.
    pub evidence: Vec<NewEvidence>,
    /// Data-object snapshots recorded, in order: the block's object root commits to them.
    pub objects: Vec<zl_types::object::SnapshotRecord>,
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
        self.effects.objects.extend(effects.objects);
    }

    /// Everything laid over, in order.
    pub fn into_effects(self) -> Effects {
        self.effects
    }
}

impl StateView for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.writes.get(key) {
            Some(value) if value.is_empty() => None,
            Some(value) => Some(value.clone()),
            None => self.base.get(key),
        }
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
        match self.writes.get(&member_key(key)) {
            Some(value) => decode_member(value),
            None => self.base.member(key),
        }
    }

    fn members(&self) -> Vec<Member> {
        let mut members: BTreeMap<Vec<u8>, Member> = self
            .base
            .members()
            .into_iter()
            .map(|m| (member_key(&m.public_key), m))
            .collect();
        for (key, value) in &self.writes {
            if !key.starts_with(MEMBER_PREFIX) {
                continue;
            }
            match decode_member(value) {
                Some(member) => members.insert(key.clone(), member),
                None => members.remove(key),
            };
        }
        members.into_values().collect()
    }
}

/// A member entry as written: `None` for a removal (an empty value). Contracts write members
/// only from checked values, so an entry that does not decode is a bug.
pub fn decode_member(value: &[u8]) -> Option<Member> {
    if value.is_empty() {
        return None;
    }
    let member = serde_json::from_slice(value).expect("contracts write members as canonical JSON");
    Some(member)
}
