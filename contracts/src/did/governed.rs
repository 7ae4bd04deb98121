//! The governed side of the `did` contract: key recovery (a new document version decided by
//! the governors on the DID authority's proposal) and the investor-code allocator (docs/DID.md
//! §3: until cross-chain allocation lands, a governed key allocates investor codes).

use super::{check_controllers, current_head, regulatory_chain, write_version, DidHead};
use crate::{BlockContext, ContractError, Effects, StateView};
use serde_json::{json, Value};
use zl_types::canonical::canonical_json;
use zl_types::did::{investor_allocation_bytes, DidDocument};
use zl_types::{CheckedTransaction, PublicKey, Signature};

/// State key of the investor-code allocator's public key (its text form, JCS).
pub const ALLOCATOR_KEY: &[u8] = b"did/allocator";

/// The allocator's key, if governance has set one.
pub fn allocator(view: &dyn StateView) -> Option<PublicKey> {
    view.get(ALLOCATOR_KEY)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// The write of `set_investor_allocator` (an empty value removes the key).
pub fn allocator_write(key: Option<&PublicKey>) -> (Vec<u8>, Vec<u8>) {
    let value = key.map_or_else(Vec::new, |k| canonical_json(k).expect("a key is a string"));
    (ALLOCATOR_KEY.to_vec(), value)
}

/// Checks the allocator's signature over the allocation of investor `code` to this chain.
pub(super) fn check_allocation(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    did: &str,
    code: &str,
    allocation: Option<&Signature>,
) -> Result<(), ContractError> {
    let key = allocator(view).ok_or_else(|| {
        ContractError::Unauthorized(format!(
            "{did}: investor codes are allocated network-wide and this chain has no investor allocator yet; governance sets one (set_investor_allocator)"
        ))
    })?;
    let signature = allocation.ok_or_else(|| {
        ContractError::BadArguments(format!(
            "did.create {did}: an investor DID needs the allocator's signature over its code (`allocation`; `zl did allocate` makes it)"
        ))
    })?;
    let bytes = investor_allocation_bytes(&ctx.chain_id, &tx.transaction.body.genesis_hash, code);
    key.verify(&bytes, signature).map_err(|_| {
        ContractError::Unauthorized(format!(
            "did.create {did}: the allocation does not verify with the allocator key {key} for code {code} on chain {} (PROTOCOL §18.2)",
            ctx.chain_id
        ))
    })
}

/// Applies `recover_did`: version n+1 of an active DID with a new document, kind `recover`.
pub fn recover(
    ctx: &BlockContext,
    view: &dyn StateView,
    tx: &CheckedTransaction,
    did: &str,
    document: &Value,
) -> Result<Effects, ContractError> {
    let bad = |e: String| ContractError::BadArguments(format!("recover_did: {e}"));
    let current: DidHead = {
        let head = super::head(view, did)?.ok_or_else(|| {
            ContractError::NotFound(format!("{did} does not exist on this chain"))
        })?;
        current_head(view, did, head.version)?
    };
    let document =
        DidDocument::from_json(document, regulatory_chain(ctx)).map_err(|e| bad(e.to_string()))?;
    if document.id != did {
        return Err(bad(format!(
            "the document's id is {}, not {did}; a DID keeps its id",
            document.id
        )));
    }
    check_controllers(view, &document)?;
    let new_head = DidHead {
        version: current.version + 1,
        updated: ctx.time,
        ..current
    };
    Ok(write_version(
        ctx,
        tx,
        did,
        &new_head,
        document.to_json(),
        "recover",
        json!({"by": "governance"}),
    ))
}
