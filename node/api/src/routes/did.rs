//! The DID resolver (JR/T 0325 §5.3, §5.4): `GET /<did>` and `GET /1.0/identifiers/<did>`, with
//! `?versionId=` for history. The body is the resolution result in every case, with content
//! type `application/did+ld+json` and the HTTP status of its error (docs/DID.md §6).

use crate::error::PathParam;
use crate::state::NodeState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use zl_types::did::resolution::date_time;
use zl_types::did::{Did, DocumentMetadata, ResolutionError, ResolutionResult, DID_CONTENT_TYPE};
use zl_types::ChainRole;

/// Media types a client may ask for; the answer is always `application/did+ld+json`.
const ACCEPTED: [&str; 6] = [
    "*/*",
    "application/*",
    DID_CONTENT_TYPE,
    "application/ld+json",
    "application/json",
    "application/did+json",
];

/// `GET /{did}`: a path segment that is not a DID is an unknown route, as before the resolver.
pub(crate) async fn resolve_root(
    State(state): State<Arc<NodeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    PathParam(did): PathParam,
    RawQuery(query): RawQuery,
) -> Response {
    if !did.starts_with("did:") {
        return crate::observe::unknown_route(method, uri)
            .await
            .into_response();
    }
    answer(resolve(&state, &headers, &did, query.as_deref()))
}

/// `GET /1.0/identifiers/{did}` (the DIF universal resolver's path).
pub(crate) async fn resolve_identifiers(
    State(state): State<Arc<NodeState>>,
    headers: HeaderMap,
    PathParam(did): PathParam,
    RawQuery(query): RawQuery,
) -> Response {
    answer(resolve(&state, &headers, &did, query.as_deref()))
}

fn answer(result: ResolutionResult) -> Response {
    let status =
        StatusCode::from_u16(result.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&result).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(DID_CONTENT_TYPE),
    );
    response
}

fn resolve(
    state: &NodeState,
    headers: &HeaderMap,
    text: &str,
    query: Option<&str>,
) -> ResolutionResult {
    let failed = ResolutionResult::failed;
    if !acceptable(headers) {
        return failed(
            ResolutionError::RepresentationNotSupported,
            format!("this resolver answers only {DID_CONTENT_TYPE}; ask for it (or application/ld+json, application/json) in Accept"),
        );
    }
    let genesis = state.ledger.genesis();
    let regulatory = (genesis.role == ChainRole::Regulatory).then_some(genesis.chain_id.as_str());
    let did = match Did::parse(text, regulatory) {
        Ok(did) => did,
        Err(e) => return failed(ResolutionError::InvalidDid, e.to_string()),
    };
    if did.chain != genesis.chain_id {
        return failed(
            ResolutionError::NotFound,
            format!("{text} lives on chain {:?}, not on this chain ({:?}); resolve it there or through the regulatory chain's resolver", did.chain, genesis.chain_id),
        );
    }
    match lookup(state, text, query) {
        Ok(result) => result,
        Err(e) => failed(
            ResolutionError::InternalError,
            format!("the node could not read its ledger ({e}); retry later and tell the operator"),
        ),
    }
}

fn lookup(
    state: &NodeState,
    did: &str,
    query: Option<&str>,
) -> Result<ResolutionResult, zl_ledger::LedgerError> {
    let not_found = |why: String| Ok(ResolutionResult::failed(ResolutionError::NotFound, why));
    let Some(head) = state.ledger.did_head(did)? else {
        return not_found(format!("{did} has no document on this chain; check the DID, or ask the chain's DID authority to create it"));
    };
    let wanted = match version_id(query) {
        None => head.version,
        Some(Some(n)) if (1..=head.version).contains(&n) => n,
        Some(_) => {
            return not_found(format!(
                "{did} has versions 1 to {}; give versionId as one of those decimal numbers",
                head.version
            ))
        }
    };
    let Some(version) = state.ledger.did_version(did, wanted)? else {
        return not_found(format!("version {wanted} of {did} is missing"));
    };
    let metadata = DocumentMetadata {
        created: date_time(head.created),
        updated: date_time(version.time),
        deactivated: head.deactivated,
        version_id: wanted.to_string(),
    };
    Ok(ResolutionResult::found(version.document, metadata))
}

/// `versionId` from the query: `None` if absent, `Some(None)` if not a decimal number. Other
/// parameters are ignored (docs/DID.md).
fn version_id(query: Option<&str>) -> Option<Option<u64>> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("versionId="))
        .map(|value| {
            value
                .parse()
                .ok()
                .filter(|_| value.bytes().all(|c| c.is_ascii_digit()))
        })
}

fn acceptable(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return true;
    };
    let Ok(accept) = accept.to_str() else {
        return false;
    };
    accept
        .split(',')
        .map(|part| part.split(';').next().unwrap_or("").trim())
        .any(|media| ACCEPTED.contains(&media))
}

/// `GET /v1/dids/{did}/versions/{n}`: how version `n` was written (kind, height, time, the
/// transaction, the document's digest), so that its transaction receipt proves it.
pub(crate) async fn version(
    State(state): State<Arc<NodeState>>,
    axum::extract::Path((did, number)): axum::extract::Path<(String, String)>,
) -> Result<Response, crate::error::ApiError> {
    use crate::error::{ApiError, ErrorCode};
    let number: u64 = number.parse().map_err(|_| {
        ApiError::bad_request(
            ErrorCode::BadQuery,
            "the version is a decimal number from 1",
        )
    })?;
    let version = state
        .ledger
        .did_version(&did, number)
        .map_err(ApiError::ledger)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{did} has no version {number} on this chain; resolve it to see its versions"
            ))
        })?;
    let bytes = zl_types::canonical::canonical_json(&version.document)
        .map_err(|e| ApiError::ledger(format!("a stored document does not encode: {e}")))?;
    let digest = state
        .ledger
        .genesis()
        .crypto_suite
        .hash_algorithm()
        .digest(&bytes);
    Ok(axum::Json(serde_json::json!({
        "did": did,
        "version": number,
        "kind": version.kind,
        "height": version.height,
        "time": date_time(version.time),
        "tx_id": version.tx_id,
        "document_digest": digest,
        "receipt": format!("/v1/transactions/{}/receipt", version.tx_id),
    }))
    .into_response())
}
