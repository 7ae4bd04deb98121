//! The `objects` system contract: the lifecycle of business data objects (JR/T 0314 §6.5,
//! DATA-MODEL.md §12) over their on-chain records. `create` starts an object at version 0;
//! `update` and `delete` write the next version (a deletion is final); `overwrite` adds a
//! revision to a version and every later one, by a governed corrector with a reason. Each seal's
//! key must be an assertion method of the owner's DID; every reference must name a snapshot
//! that exists. Every recorded snapshot is a leaf of its block's object root.

use crate::parse_args;
mod keys;
mod parse;

pub use keys::{head_key, referrer_key, referrer_prefix, revisions_key, snapshot_key, PREFIX};

pub use parse::SnapshotArg;

use parse::Parsed;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use zl_objects::lifecycle::{merge_patch, OVERWRITE_SPAN_MAX, REVISIONS_MAX};
use zl_types::canonical::canonical_json;
use zl_types::did::DidDocument;
use zl_types::object::{Operation, SnapshotRecord};
use zl_types::{Call, CheckedTransaction, Event, PublicKey, Role};

use crate::did::{head as did_head, regulatory_chain, version_key as did_version_key, DidVersion};
use crate::{require_role, BlockContext, ContractError, Effects, StateView};

/// The contract's name in calls.
pub const CONTRACT: &str = "objects";

/// Longest owner DID accepted.
pub const OWNER_BYTES_MAX: usize = 256;

/// An object's current state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectHead {
    /// `header.content.type`.
    #[serde(rename = "type")]
    pub object_type: String,
    /// The owner's DID, fixed at creation.
    pub owner: String,
    /// The newest version.
    pub latest: u64,
    /// Whether the newest version is a deletion (final).
    pub deleted: bool,
    /// Height of version 0.
    pub created_height: u64,
    /// Height of the newest write (an overwrite included).
    pub updated_height: u64,
}

/// One snapshot as the state keeps it: the record (a leaf of its block's object root) and the
/// redacted full body it amounts to after merging a patch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSnapshot {
    /// The record.
    pub record: SnapshotRecord,
    /// The redacted full body (`{}` for a deletion).
    pub full_body: Value,
}

/// A snapshot that points at another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referrer {
    /// The referring object.
    pub object_id: String,
    /// Its version.
    pub version: u64,
    /// Its revision.
    pub revision: u32,
}

/// `objects.write` arguments: a `create`, `update` or `delete`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteArgs {
    /// The owner's DID (did:rem of this chain); the seal's key is one of its assertion methods.
    pub owner: String,
    /// The snapshot.
    pub snapshot: SnapshotArg,
}

/// `objects.overwrite` arguments: new revisions of one version and of every later one, in order.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverwriteArgs {
    /// The owner's DID.
    pub owner: String,
    /// The revisions, oldest version first.
    pub snapshots: Vec<SnapshotArg>,
}

/// Runs one call of this contract.
pub fn execute(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    call: &Call,
) -> Result<Effects, ContractError> {
    match call.method.as_str() {
        "write" => write(ctx, view, tx, parse_args(call)?),
        "overwrite" => overwrite(ctx, view, tx, parse_args(call)?),
        other => Err(unknown_method(other)),
    }
}

/// The stateless check of a call: method, argument shape, sizes, and each snapshot's form.
pub fn check_call(call: &Call) -> Result<(), ContractError> {
    match call.method.as_str() {
        "write" => {
            let args: WriteArgs = parse_args(call)?;
            check_owner(&args.owner)?;
            parse::parse(&args.snapshot).map(drop)
        }
        "overwrite" => {
            let args: OverwriteArgs = parse_args(call)?;
            check_owner(&args.owner)?;
            check_span(args.snapshots.len())?;
            args.snapshots
                .iter()
                .try_for_each(|s| parse::parse(s).map(drop))
        }
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(method: &str) -> ContractError {
    ContractError::UnknownCall(format!(
        "objects has no method {method:?}; use write or overwrite"
    ))
}

fn check_owner(owner: &str) -> Result<(), ContractError> {
    if owner.is_empty() || owner.len() > OWNER_BYTES_MAX {
        return Err(ContractError::BadArguments(format!(
            "owner: give the owner's DID, 1 to {OWNER_BYTES_MAX} bytes"
        )));
    }
    Ok(())
}

fn check_span(count: usize) -> Result<(), ContractError> {
    if count == 0 || count > OVERWRITE_SPAN_MAX {
        return Err(ContractError::BadArguments(format!(
            "an overwrite rewrites 1 to {OVERWRITE_SPAN_MAX} versions, not {count}"
        )));
    }
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(
    view: &dyn StateView,
    key: &[u8],
    what: &str,
) -> Result<Option<T>, ContractError> {
    view.get(key)
        .map(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|e| ContractError::Conflict(format!("{what} does not decode: {e}")))
        })
        .transpose()
}

/// An object's head, if it exists.
pub fn head(view: &dyn StateView, object_id: &str) -> Result<Option<ObjectHead>, ContractError> {
    read_json(
        view,
        &head_key(object_id),
        &format!("the head of object {object_id}"),
    )
}

fn revisions(view: &dyn StateView, object_id: &str, version: u64) -> Result<u32, ContractError> {
    Ok(read_json(view, &revisions_key(object_id, version), "a revision count")?.unwrap_or(0))
}

/// The current revision of a version, if the version exists.
pub fn current(
    view: &dyn StateView,
    object_id: &str,
    version: u64,
) -> Result<Option<StoredSnapshot>, ContractError> {
    match revisions(view, object_id, version)? {
        0 => Ok(None),
        n => read_json(
            view,
            &snapshot_key(object_id, version, n - 1),
            &format!("snapshot {object_id}/{version}"),
        ),
    }
}

/// The owner's DID is an active DID of this chain and `key` one of its assertion methods.
fn require_owner_key(
    ctx: &BlockContext,
    view: &dyn StateView,
    owner: &str,
    key: &PublicKey,
) -> Result<(), ContractError> {
    let head = did_head(view, owner)?.ok_or_else(|| {
        ContractError::Unauthorized(format!(
            "owner {owner} is not a DID of this chain; the DID authority creates it first"
        ))
    })?;
    if head.deactivated {
        return Err(ContractError::Unauthorized(format!(
            "owner {owner} is deactivated; its objects can no longer be written"
        )));
    }
    let version: DidVersion = read_json(
        view,
        &did_version_key(owner, head.version),
        "a DID document version",
    )?
    .ok_or_else(|| ContractError::Conflict(format!("{owner}'s current document is missing")))?;
    let document = DidDocument::from_json(&version.document, regulatory_chain(ctx))
        .map_err(|e| ContractError::Conflict(format!("{owner}'s document does not read: {e}")))?;
    if document.assertion_method_with_key(key).is_none() {
        return Err(ContractError::Unauthorized(format!(
            "/header/seal/pub_key: the key is not an assertion method of {owner}'s current DID document; seal with one of its keys, or add the key to assertionMethod by a DID update"
        )));
    }
    Ok(())
}

/// Every reference names a version that exists and is not a deletion.
fn check_references(view: &dyn StateView, parsed: &Parsed) -> Result<(), ContractError> {
    for reference in &parsed.references {
        let found = head(view, &reference.object_id)?;
        let exists = found
            .as_ref()
            .is_some_and(|h| reference.version <= h.latest);
        if !exists {
            return Err(ContractError::NotFound(format!(
                "reference {reference}: no such snapshot on this chain; write the referenced object first, in this transaction or an earlier one"
            )));
        }
        if found.is_some_and(|h| h.deleted && reference.version == h.latest) {
            return Err(ContractError::Conflict(format!(
                "reference {reference}: that version is the object's deletion; refer to an earlier version"
            )));
        }
    }
    Ok(())
}

fn write(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: WriteArgs,
) -> Result<Effects, ContractError> {
    require_role(view, tx, Role::Submitter)?;
    check_owner(&args.owner)?;
    let parsed = parse::parse(&args.snapshot)?;
    let content = &parsed.header.content;
    let id = content.object_id.clone();
    let existing = head(view, &id)?;
    let full_body = match (content.operation, &existing) {
        (Operation::Create, None) => {
            if parsed.incremental {
                return Err(ContractError::BadArguments(
                    "a create carries the full body, not a patch".into(),
                ));
            }
            parsed.body.clone()
        }
        (Operation::Create, Some(h)) => {
            return Err(ContractError::Conflict(format!(
                "object {id} exists (latest version {}); write an update at version {}",
                h.latest,
                h.latest + 1
            )))
        }
        (Operation::Update | Operation::Delete, None) => {
            return Err(ContractError::NotFound(format!(
                "object {id} does not exist; it starts with a create at version 0"
            )))
        }
        (Operation::Update | Operation::Delete, Some(h)) => {
            admit(h, &parsed, &args.owner)?;
            if content.version != h.latest + 1 {
                return Err(ContractError::Conflict(format!(
                    "{} of {id} must write version {} (the latest is {}), not {}",
                    content.operation,
                    h.latest + 1,
                    h.latest,
                    content.version
                )));
            }
            next_full_body(view, &id, h.latest, &parsed)?
        }
        (Operation::Overwrite, _) => {
            return Err(ContractError::BadArguments(
                "an overwrite goes through objects.overwrite, as a batch".into(),
            ))
        }
    };
    require_owner_key(ctx, view, &args.owner, &parsed.seal.key)?;
    check_references(view, &parsed)?;
    let head = ObjectHead {
        object_type: content.object_type.name().into(),
        owner: args.owner.clone(),
        latest: content.version,
        deleted: content.operation == Operation::Delete,
        created_height: existing.as_ref().map_or(ctx.height, |h| h.created_height),
        updated_height: ctx.height,
    };
    let mut effects = Effects::default();
    effects.writes.push((head_key(&id), encode(&head)));
    record(ctx, tx, &args.owner, parsed, 0, full_body, &mut effects);
    Ok(effects)
}

fn overwrite(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    args: OverwriteArgs,
) -> Result<Effects, ContractError> {
    require_role(view, tx, Role::Corrector)?;
    check_owner(&args.owner)?;
    check_span(args.snapshots.len())?;
    let batch = args
        .snapshots
        .iter()
        .map(parse::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let id = batch[0].header.content.object_id.clone();
    let mut head = head(view, &id)?.ok_or_else(|| {
        ContractError::NotFound(format!("object {id} does not exist; nothing to overwrite"))
    })?;
    let first = batch[0].header.content.version;
    let mut effects = Effects::default();
    // The full body of the version before the one being written, as rewritten so far.
    let mut previous = match first.checked_sub(1) {
        Some(v) => current(view, &id, v)?.map(|s| s.full_body),
        None => None,
    };
    for (index, parsed) in batch.into_iter().enumerate() {
        let content = &parsed.header.content;
        if content.operation != Operation::Overwrite || content.object_id != id {
            return Err(ContractError::BadArguments(format!(
                "snapshot {index} of an overwrite batch must be an overwrite of {id}"
            )));
        }
        admit(&head, &parsed, &args.owner)?;
        if content.version != first + index as u64 || content.version > head.latest {
            return Err(ContractError::Conflict(format!(
                "an overwrite of version {first} must rewrite versions {first}..={} in order, each once; snapshot {index} is version {}",
                head.latest, content.version
            )));
        }
        if parsed
            .header
            .remark
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(ContractError::BadArguments(format!(
                "snapshot {index}: /header/remark: give the reason for the overwrite"
            )));
        }
        let revision = revisions(view, &id, content.version)?;
        if revision as usize >= REVISIONS_MAX {
            return Err(ContractError::Conflict(format!(
                "version {} of {id} already has {REVISIONS_MAX} revisions",
                content.version
            )));
        }
        let full_body = match (&previous, parsed.incremental) {
            (_, false) => parsed.body.clone(),
            (Some(base), true) => merged(base, &parsed.body),
            (None, true) => {
                return Err(ContractError::BadArguments(
                    "an overwrite of version 0 carries the full body, not a patch".into(),
                ))
            }
        };
        require_owner_key(ctx, view, &args.owner, &parsed.seal.key)?;
        check_references(view, &parsed)?;
        previous = Some(full_body.clone());
        record(
            ctx,
            tx,
            &args.owner,
            parsed,
            revision,
            full_body,
            &mut effects,
        );
    }
    let last = first + effects.objects.len() as u64 - 1;
    if last != head.latest {
        return Err(ContractError::Conflict(format!(
            "an overwrite of version {first} must rewrite every later version up to {}; the batch ends at {last}",
            head.latest
        )));
    }
    head.updated_height = ctx.height;
    effects.writes.push((head_key(&id), encode(&head)));
    Ok(effects)
}

/// A later write of an existing object: same type, same owner, not deleted.
fn admit(head: &ObjectHead, parsed: &Parsed, owner: &str) -> Result<(), ContractError> {
    let content = &parsed.header.content;
    if head.deleted {
        return Err(ContractError::Conflict(format!(
            "object {} was deleted at version {}; nothing may follow a deletion",
            content.object_id, head.latest
        )));
    }
    if content.object_type.name() != head.object_type {
        return Err(ContractError::BadArguments(format!(
            "object {} is a {}; a write cannot make it a {}",
            content.object_id, head.object_type, content.object_type
        )));
    }
    if owner != head.owner {
        return Err(ContractError::Unauthorized(format!(
            "object {} belongs to {}; only its owner writes it",
            content.object_id, head.owner
        )));
    }
    Ok(())
}

/// The full body of an update or deletion at `latest + 1`.
fn next_full_body(
    view: &dyn StateView,
    id: &str,
    latest: u64,
    parsed: &Parsed,
) -> Result<Value, ContractError> {
    if parsed.header.content.operation == Operation::Delete {
        return Ok(Value::Object(Map::new()));
    }
    if !parsed.incremental {
        return Ok(parsed.body.clone());
    }
    let base = current(view, id, latest)?
        .ok_or_else(|| ContractError::Conflict(format!("snapshot {id}/{latest} is missing")))?;
    Ok(merged(&base.full_body, &parsed.body))
}

fn merged(base: &Value, patch: &Value) -> Value {
    let mut full = base.clone();
    merge_patch(&mut full, patch);
    full
}

/// Records one snapshot: its record, revision count, reverse references and event.
fn record(
    ctx: &BlockContext,
    tx: &CheckedTransaction,
    owner: &str,
    parsed: Parsed,
    revision: u32,
    full_body: Value,
    effects: &mut Effects,
) {
    let content = &parsed.header.content;
    let record = SnapshotRecord {
        object_id: content.object_id.clone(),
        version: content.version,
        revision,
        owner: owner.to_owned(),
        header: parsed.header_json,
        body: parsed.body,
        snapshot_digest: parsed.snapshot_digest,
        references: parsed.references.iter().map(ToString::to_string).collect(),
        height: ctx.height,
        tx_id: tx.id,
    };
    let (id, version) = (record.object_id.as_str(), record.version);
    effects
        .writes
        .push((revisions_key(id, version), encode(&(revision + 1))));
    let referrer = Referrer {
        object_id: id.to_owned(),
        version,
        revision,
    };
    for target in &parsed.references {
        effects
            .writes
            .push((referrer_key(target, &record), encode(&referrer)));
    }
    effects.events.push(Event {
        contract: CONTRACT.into(),
        kind: "written".into(),
        tx_id: tx.id,
        attributes: json!({
            "object_id": id,
            "version": version,
            "revision": revision,
            "operation": content.operation.name(),
            "owner": owner,
            "snapshot_digest": record.snapshot_digest,
        }),
    });
    let stored = StoredSnapshot {
        record: record.clone(),
        full_body,
    };
    effects
        .writes
        .push((snapshot_key(id, version, revision), stored_bytes(&stored)));
    effects.objects.push(record);
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    canonical_json(value).expect("heads and counts are plain data")
}

/// A stored snapshot holds bodies with decimal numbers: plain RFC 8785, not the chain's
/// integer-only form.
fn stored_bytes(stored: &StoredSnapshot) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(stored).expect("snapshots hold JSON parsed from text")
}
