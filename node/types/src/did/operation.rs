//! What a DID's controller signs to change it (docs/PROTOCOL.md §18): the operation, the DID,
//! the version it saw (so a proof cannot be replayed on a later version) and the digest of the
//! new document, under the `zhenglian/did-operation/v1` domain of this chain.

use super::document::DidDocument;
use crate::canonical::{canonical_json, domain_bytes};
use crate::{Hash, HashAlgorithm, Signature, TypesError};
use serde::{Deserialize, Serialize};

/// Domain tag of DID operation signing bytes.
pub const DID_OPERATION_TAG: &str = "zhenglian/did-operation/v1";

/// Domain tag of investor-code allocations.
pub const INVESTOR_ALLOCATION_TAG: &str = "zhenglian/investor-allocation/v1";

/// The bytes the investor allocator signs to allocate `code` to the chain `chain_id` (whose
/// genesis hash is `genesis_hash`): `zhenglian/investor-allocation/v1 \n chain_id \n
/// genesis_hash_hex \n JCS({"code": code})`. Binding the chain makes one allocation usable on
/// one chain only.
pub fn investor_allocation_bytes(chain_id: &str, genesis_hash: &Hash, code: &str) -> Vec<u8> {
    let body = canonical_json(&serde_json::json!({ "code": code })).expect("a string is JCS-able");
    domain_bytes(INVESTOR_ALLOCATION_TAG, chain_id, genesis_hash, &body)
}

/// Domain tag of proof-of-control (login) signatures.
pub const DID_AUTH_TAG: &str = "zhenglian/did-auth/v1";

/// The bytes a DID holder signs to prove control (JR/T 0325 §9.3) in answer to `challenge`:
/// `zhenglian/did-auth/v1 \n chain_id \n genesis_hash_hex \n JCS({"challenge", "did",
/// "verification_method"})`. The chain binding keeps an answer from being used on another node's
/// chain; the single-use challenge keeps it from being used twice.
pub fn auth_bytes(
    chain_id: &str,
    genesis_hash: &Hash,
    did: &str,
    verification_method: &str,
    challenge: &str,
) -> Vec<u8> {
    let body = canonical_json(&serde_json::json!({
        "challenge": challenge,
        "did": did,
        "verification_method": verification_method,
    }))
    .expect("strings are JCS-able");
    domain_bytes(DID_AUTH_TAG, chain_id, genesis_hash, &body)
}

/// The change a controller authorises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationKind {
    /// Replace the document (new keys, services, controllers: rotation is an update).
    Update,
    /// Deactivate the DID (final).
    Deactivate,
}

/// The content a controller signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DidOperation {
    /// `update` or `deactivate`.
    pub operation: OperationKind,
    /// The DID changed.
    pub did: String,
    /// The version the change applies to (the current one).
    pub previous_version: u64,
    /// For an update: H(JCS(canonical form of the new document)); null for a deactivation.
    pub document_digest: Option<Hash>,
}

impl DidOperation {
    /// An update of `did` at `previous_version` to `document`, hashed with `alg`.
    pub fn update(
        did: &str,
        previous_version: u64,
        document: &DidDocument,
        alg: HashAlgorithm,
    ) -> DidOperation {
        let bytes = canonical_json(&document.to_json()).expect("a checked document is JCS-able");
        DidOperation {
            operation: OperationKind::Update,
            did: did.to_string(),
            previous_version,
            document_digest: Some(alg.digest(&bytes)),
        }
    }

    /// `zhenglian/did-operation/v1 \n chain_id \n genesis_hash_hex \n JCS(operation)`.
    pub fn signing_bytes(&self, chain_id: &str, genesis_hash: &Hash) -> Vec<u8> {
        let body = canonical_json(self).expect("operations hold only strings and small integers");
        domain_bytes(DID_OPERATION_TAG, chain_id, genesis_hash, &body)
    }
}

/// A controller's signature over an operation, by one of its verification methods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerProof {
    /// `<controller DID>#<fragment>`: a method in the `authentication` of the controller's
    /// current document.
    pub verification_method: String,
    /// The method's key's signature over [`DidOperation::signing_bytes`].
    pub signature: Signature,
}

impl ControllerProof {
    /// The controller DID the proof claims: the method id before `#`.
    pub fn controller(&self) -> Result<&str, TypesError> {
        self.verification_method
            .split_once('#')
            .map(|(did, _)| did)
            .ok_or_else(|| {
                TypesError::Format(format!(
                    "verification_method {:?} is not <DID>#<fragment>",
                    self.verification_method
                ))
            })
    }
}
