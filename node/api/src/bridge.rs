//! The communication bridge's shell (docs/BRIDGE.md): a command is planned by the pure
//! `zl_objects::bridge`, each object is sealed with the market's key, redacted and staged, and
//! the whole command — its idempotency record, its objects in business order, its equity calls —
//! goes into one transaction signed by the node, which the bridge follows to its block.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use zl_contracts::bridge::CommandArgs;
use zl_ledger::{Ledger, TransactionInfo};
use zl_objects::bridge::{ChainView, ObjectState, Plan};
use zl_objects::redact::redact;
use zl_store::StoredSnapshot;
use zl_types::object::{seal_object, snapshot_digest, ObjectType};
use zl_types::{Call, Hash, SecretKey};

/// First answers kept for retries, at most; older ones are rebuilt from the chain.
pub const ANSWERS_MAX: usize = 4_096;
/// How long a bridge transaction may wait for its block (its expiry), in milliseconds.
pub const BRIDGE_TX_EXPIRY_MS: u64 = 60_000;

/// First answers by idempotency key (with the request digest), and the keys oldest first.
type Answers = (HashMap<String, (Hash, Value)>, VecDeque<String>);

/// The market's bridge on this node: who signs, who owns and seals the objects.
pub struct Bridge {
    /// Signs bridge transactions: the node's key (a member with the submitter role).
    pub signer: SecretKey,
    /// The owner's DID recorded with every object; `seal_key` is one of its assertion methods.
    pub owner: String,
    /// The owner's SM2 key, with which the bridge seals.
    pub seal_key: SecretKey,
    in_flight: Mutex<HashSet<String>>,
    answers: Mutex<Answers>,
}

/// A command the bridge is carrying: its key is released when this is dropped.
pub struct InFlight<'a> {
    bridge: &'a Bridge,
    key: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(&self.bridge.in_flight).remove(&self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// One object sealed, redacted and ready: its stored form and its `objects.write` call.
pub struct Sealed {
    /// The digest it is staged under.
    pub digest: Hash,
    /// The full snapshot and its salt.
    pub stored: StoredSnapshot,
    /// The call carrying the redacted snapshot.
    pub call: Call,
}

impl Bridge {
    /// A bridge signing with `signer` and sealing as `owner` with `seal_key`.
    pub fn new(signer: SecretKey, owner: String, seal_key: SecretKey) -> Bridge {
        Bridge {
            signer,
            owner,
            seal_key,
            in_flight: Mutex::new(HashSet::new()),
            answers: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// Marks `key` as being carried; `None` if another request carries it now.
    pub fn begin(&self, key: &str) -> Option<InFlight<'_>> {
        lock(&self.in_flight)
            .insert(key.to_owned())
            .then(|| InFlight {
                bridge: self,
                key: key.to_owned(),
            })
    }

    /// The first answer given under `key`, with its request digest, if still kept.
    pub fn answer(&self, key: &str) -> Option<(Hash, Value)> {
        lock(&self.answers).0.get(key).cloned()
    }

    /// Keeps the first answer under `key`, forgetting the oldest beyond [`ANSWERS_MAX`].
    pub fn remember(&self, key: &str, digest: Hash, answer: Value) {
        let mut guard = lock(&self.answers);
        let (answers, order) = &mut *guard;
        if answers.insert(key.to_owned(), (digest, answer)).is_none() {
            order.push_back(key.to_owned());
        }
        while order.len() > ANSWERS_MAX {
            if let Some(old) = order.pop_front() {
                answers.remove(&old);
            }
        }
    }

    /// Seals, digests and redacts each planned object, in order.
    pub fn seal(&self, plan: &Plan) -> Result<Vec<Sealed>, String> {
        let mut sealed = Vec::with_capacity(plan.objects.len());
        for planned in &plan.objects {
            let mut object = planned.object.clone();
            seal_object(&mut object, &self.seal_key)
                .map_err(|e| format!("{}: cannot seal: {e:?}", planned.source))?;
            let digest = snapshot_digest(&object)
                .map_err(|e| format!("{}: no digest: {e:?}", planned.source))?;
            let mut salt = [0u8; 32];
            OsRng.fill_bytes(&mut salt);
            let redacted = redact(&object, &salt);
            let call = Call {
                contract: "objects".into(),
                method: "write".into(),
                args: json!({
                    "owner": self.owner,
                    "snapshot": {"object": redacted.object.to_string(), "snapshot_digest": digest},
                }),
            };
            sealed.push(Sealed {
                digest,
                stored: StoredSnapshot {
                    object,
                    salt: hex::encode(salt),
                },
                call,
            });
        }
        Ok(sealed)
    }
}

/// The calls of a command's transaction: its record, its objects, its equity calls.
pub fn calls(command: CommandArgs, sealed: &[Sealed], plan: &Plan) -> Vec<Call> {
    let record = Call {
        contract: zl_contracts::bridge::CONTRACT.into(),
        method: "record".into(),
        args: serde_json::to_value(command).expect("command arguments serialise"),
    };
    std::iter::once(record)
        .chain(sealed.iter().map(|s| s.call.clone()))
        .chain(plan.equity.iter().cloned())
        .collect()
}

/// The answer to a committed command, from its transaction: the objects it wrote, in order.
/// `plan` (on the first answer) adds where in the request each object came from, and warnings.
pub fn committed_answer(
    ledger: &Ledger,
    command: &CommandArgs,
    info: &TransactionInfo,
    plan: Option<&Plan>,
) -> Value {
    let written = info
        .outcome
        .events
        .iter()
        .filter(|e| e.contract == "objects" && e.kind == "written");
    let objects: Vec<Value> = written
        .enumerate()
        .map(|(i, event)| {
            let a = &event.attributes;
            let id = a["object_id"].as_str().unwrap_or_default();
            let object_type = ledger
                .object_head(id)
                .ok()
                .flatten()
                .map(|h| h.object_type)
                .unwrap_or_default();
            let source = plan
                .and_then(|p| p.objects.get(i))
                .map(|o| o.source.clone());
            json!({
                "source": source, "object_id": id, "type": object_type,
                "version": a["version"], "revision": a["revision"],
                "operation": a["operation"], "snapshot_digest": a["snapshot_digest"],
            })
        })
        .collect();
    let warnings: Vec<Value> = plan
        .map(|p| {
            p.warnings
                .iter()
                .map(|w| json!({"pointer": w.pointer, "message": w.message}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "idempotency_key": command.key,
        "protocol": command.protocol,
        "command": command.command,
        "tx_id": info.id,
        "height": info.height,
        "objects": objects,
        "warnings": warnings,
    })
}

/// The chain as the planner reads it.
pub struct LedgerView<'a>(pub &'a Ledger);

impl ChainView for LedgerView<'_> {
    fn object(&self, object_id: &str) -> Option<ObjectState> {
        let head = self.0.object_head(object_id).ok()??;
        Some(ObjectState {
            latest: head.latest,
            object_type: ObjectType::from_name(&head.object_type)?,
            deleted: head.deleted,
        })
    }
}
