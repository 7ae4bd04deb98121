//! The DID resolver's answers when resolution fails (JR/T 0325 §5.4 table 4): the resolution
//! result as the body, `application/did+ld+json`, and the status of each error. (A found DID is
//! resolved in the ledger-backed end-to-end test.)

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::Node;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

async fn resolve(node: &Node, path: &str, accept: Option<&str>) -> (StatusCode, String, Value) {
    let mut request = Request::builder().uri(path);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = node
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

#[tokio::test]
async fn each_resolution_error_has_its_status_and_the_result_as_body() {
    let node = Node::new();
    let table: [(&str, Option<&str>, StatusCode, &str, &str); 7] = [
        (
            "/did:rem:shanghai:91310000564759688M",
            None,
            StatusCode::BAD_REQUEST,
            "InvalidDid",
            "GB 32100",
        ),
        (
            "/did:web:example.com",
            None,
            StatusCode::BAD_REQUEST,
            "InvalidDid",
            "did:rem",
        ),
        (
            "/1.0/identifiers/did:rem:nowhere:SH000001",
            None,
            StatusCode::BAD_REQUEST,
            "InvalidDid",
            "not a chain id",
        ),
        // This test chain is `api-test`: a valid DID of Shanghai's chain is not here.
        (
            "/did:rem:shanghai:SH000001F.S2101",
            None,
            StatusCode::NOT_FOUND,
            "notFound",
            "lives on chain \"shanghai\"",
        ),
        (
            "/1.0/identifiers/did:rem:shanghai:SH000001F.S2101?versionId=2",
            Some("application/ld+json"),
            StatusCode::NOT_FOUND,
            "notFound",
            "shanghai",
        ),
        (
            "/did:rem:shanghai:SH000001F.S2101",
            Some("text/html"),
            StatusCode::NOT_ACCEPTABLE,
            "representationNotSupported",
            "Accept",
        ),
        (
            "/did:rem:shanghai:SH000001F.S2101",
            Some("text/html, application/did+ld+json;q=0.9"),
            StatusCode::NOT_FOUND,
            "notFound",
            "shanghai",
        ),
    ];
    for (path, accept, status, error, why) in table {
        let (got, content_type, body) = resolve(&node, path, accept).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(content_type, "application/did+ld+json", "{path}");
        let metadata = &body["didResolutionMetadata"];
        assert_eq!(metadata["error"], error, "{path}: {body}");
        assert_eq!(metadata["contentType"], "application/did+ld+json");
        assert!(
            metadata["errorMessage"].as_str().unwrap().contains(why),
            "{path}: {body}"
        );
        assert!(body.get("didDocument").is_none(), "{path}");
    }
    // A root path that is not a DID is still an unknown route.
    let unknown = node.get("/x").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "unknown_route")
    );
}
