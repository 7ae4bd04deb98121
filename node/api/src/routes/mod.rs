//! The route table: every route the API serves, in OpenAPI path form, with its handler.

pub(crate) mod admit;
pub(crate) mod auth;
pub(crate) mod blocks;
pub(crate) mod bridge;
pub(crate) mod commits;
pub(crate) mod consensus;
pub(crate) mod credentials;
pub(crate) mod did;
pub(crate) mod evidence;
pub(crate) mod governance;
pub(crate) mod objects;
pub(crate) mod snapshots;
pub(crate) mod status;
pub(crate) mod submit;
pub(crate) mod transactions;

use crate::state::{ApiLimits, NodeState};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;

/// The routes, built once; `served` lists each (method, OpenAPI path) so a test can hold the
/// OpenAPI document to it.
pub(crate) struct Table {
    pub(crate) router: Router<Arc<NodeState>>,
    pub(crate) served: Vec<(&'static str, &'static str)>,
}

impl Table {
    /// Each route template in axum form with its methods, upper case, e.g. `GET, HEAD`.
    pub(crate) fn allowed_methods(&self) -> HashMap<String, String> {
        let mut allowed: HashMap<String, Vec<String>> = HashMap::new();
        for (method, path) in &self.served {
            let methods = allowed.entry(axum_path(path)).or_default();
            methods.push(method.to_uppercase());
            if *method == "get" {
                methods.push("HEAD".into()); // axum answers HEAD wherever it answers GET
            }
        }
        allowed
            .into_iter()
            .map(|(path, methods)| (path, methods.join(", ")))
            .collect()
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<Arc<NodeState>>,
    ) -> Table {
        self.served.push((method, path));
        self.router = self.router.route(&axum_path(path), handler);
        self
    }
}

/// `/v1/blocks/{height}` in axum 0.7's syntax, `/v1/blocks/:height`.
fn axum_path(openapi_path: &str) -> String {
    openapi_path.replace('{', ":").replace('}', "")
}

/// Every route of the API.
pub(crate) fn table(limits: &ApiLimits) -> Table {
    let transaction_limit = DefaultBodyLimit::max(limits.transaction_body_bytes_max);
    let batch_limit = DefaultBodyLimit::max(limits.batch_body_bytes_max);
    let verify_limit = DefaultBodyLimit::max(credentials::VERIFY_BODY_BYTES_MAX);
    Table {
        router: Router::new(),
        served: Vec::new(),
    }
    .add(
        "post",
        "/v1/transactions",
        post(submit::submit).layer(transaction_limit),
    )
    .add(
        "post",
        "/v1/transactions/batch",
        post(submit::submit_batch).layer(batch_limit),
    )
    .add(
        "get",
        "/v1/transactions/{id}",
        get(transactions::transaction),
    )
    .add(
        "get",
        "/v1/transactions/{id}/receipt",
        get(transactions::receipt),
    )
    .add("get", "/v1/blocks/latest", get(blocks::latest))
    .add("get", "/v1/blocks/{height}", get(blocks::block))
    .add(
        "get",
        "/v1/consensus/{height}",
        get(consensus::consensus_state),
    )
    .add("get", "/v1/misbehaviour", get(consensus::misbehaviour))
    .add("get", "/v1/evidence/{digest}", get(evidence::by_digest))
    .add("get", "/v1/evidence/records/{seq}", get(evidence::record))
    .add(
        "get",
        "/v1/evidence/records/{seq}/proofs",
        get(evidence::proofs),
    )
    .add(
        "get",
        "/v1/governance/proposals/{id}",
        get(governance::proposal),
    )
    .add("get", "/v1/validators", get(governance::validators))
    .add(
        "get",
        "/v1/dids/{did}/versions/{version}",
        get(did::version),
    )
    .add("get", "/v1/objects/{id}", get(objects::object))
    .add("get", "/v1/objects/{id}/history", get(objects::history))
    .add(
        "get",
        "/v1/objects/{id}/versions/{version}",
        get(objects::version),
    )
    .add(
        "get",
        "/v1/objects/{id}/versions/{version}/proof",
        get(objects::proof),
    )
    .add(
        "post",
        "/v1/objects/stage",
        post(snapshots::stage).layer(DefaultBodyLimit::max(snapshots::STAGE_BODY_BYTES_MAX)),
    )
    .add(
        "get",
        "/v1/objects/{id}/versions/{version}/snapshot",
        get(snapshots::full),
    )
    .add(
        "get",
        "/v1/objects/{id}/versions/{version}/referrers",
        get(objects::referrers),
    )
    .add(
        "post",
        "/v1/bridge/{protocol}/{command}",
        post(bridge::command).layer(DefaultBodyLimit::max(bridge::COMMAND_BODY_BYTES_MAX)),
    )
    .add(
        "get",
        "/v1/bridge/asset_mapping/reconcile",
        get(bridge::reconcile),
    )
    .add(
        "get",
        "/v1/equity/holdings/{product}/{account}",
        get(bridge::holding),
    )
    .add("get", "/v1/equity/products/{product}", get(bridge::product))
    .add("get", "/v1/equity/funds/{account}", get(bridge::fund))
    .add("get", "/v1/credentials/status", get(credentials::status))
    .add(
        "get",
        "/v1/credentials/issuers/{did}",
        get(credentials::issuer),
    )
    .add(
        "post",
        "/v1/credentials/verify",
        post(credentials::verify_vc).layer(verify_limit),
    )
    .add(
        "post",
        "/v1/presentations/verify",
        post(credentials::verify_vp).layer(verify_limit),
    )
    .add(
        "post",
        "/v1/auth/challenge",
        post(auth::challenge).layer(DefaultBodyLimit::max(1024)),
    )
    .add(
        "post",
        "/v1/auth/login",
        post(auth::login).layer(verify_limit),
    )
    .add("get", "/v1/auth/session", get(auth::session))
    .add("get", "/v1/status", get(status::status))
    .add("get", "/v1/genesis", get(status::genesis))
    .add("get", "/v1/commits", get(commits::commits))
    .add("get", "/metrics", get(status::metrics))
    .add("get", "/healthz", get(status::healthz))
    .add("get", "/readyz", get(status::readyz))
    .add("get", "/openapi.json", get(status::openapi))
    .add(
        "get",
        "/1.0/identifiers/{did}",
        get(did::resolve_identifiers),
    )
    .add("get", "/{did}", get(did::resolve_root))
}
