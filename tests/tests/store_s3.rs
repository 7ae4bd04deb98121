//! The snapshot store against a real S3-protocol server (moto, installed by
//! scripts/setup-system.sh) on 127.0.0.1, and with that server gone.

mod store_common;

use futures::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use store_common::snapshot;
use zl_store::{published_path, Backend, SnapshotStore, StoreError, StoreKey};
use zl_tests::moto::Moto;

fn store(moto: &Moto, key: &StoreKey) -> SnapshotStore {
    SnapshotStore::open(
        &Backend::S3 {
            bucket: "snapshots".into(),
            endpoint: Some(moto.endpoint()),
            region: "cn-north-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
        },
        key.clone(),
    )
    .unwrap()
}

#[tokio::test]
async fn snapshots_round_trip_through_s3_encrypted() {
    let moto = Moto::start("snapshots");
    let key = StoreKey::generate();
    let store = store(&moto, &key);
    let (stored, digest) = snapshot("张三");
    store.stage(&digest, &stored).await.unwrap();
    assert!(store.publish("SUBJ-1", 0, 0, &digest).await.unwrap());
    assert_eq!(
        store.fetch("SUBJ-1", 0, 0, &digest).await.unwrap(),
        Some(stored)
    );

    // What the service holds is ciphertext: the name is not in it.
    let raw_store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("snapshots")
        .with_region("cn-north-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .with_endpoint(moto.endpoint())
        .with_allow_http(true)
        .build()
        .unwrap();
    let raw = raw_store
        .get(&published_path("SUBJ-1", 0, 0))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(raw.starts_with(zl_store::MAGIC));
    assert!(!raw.windows("张三".len()).any(|w| w == "张三".as_bytes()));
    // Staging is empty after publishing.
    let staged: Vec<_> = raw_store
        .list(Some(&object_store::path::Path::from("staging")))
        .collect()
        .await;
    assert!(staged.is_empty(), "staging not emptied: {staged:?}");
}

#[tokio::test]
async fn a_store_that_is_down_is_a_clear_error_and_stages_nothing() {
    let mut moto = Moto::start("snapshots");
    let store = store(&moto, &StoreKey::generate());
    moto.stop();
    let (stored, digest) = snapshot("张三");
    let err = store.stage(&digest, &stored).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&moto.endpoint()),
        "names the store: {message}"
    );
    assert!(message.contains("retry"), "says what to do: {message}");
    let err = store.fetch("SUBJ-1", 0, 0, &digest).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
}
