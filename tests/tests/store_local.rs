//! The snapshot store on the local filesystem: stage, publish, fetch, discard; files encrypted
//! at rest and bound to their key and snapshot digest.

mod store_common;

use store_common::snapshot;
use zl_store::{published_path, staging_path, Backend, SnapshotStore, StoreError, StoreKey};

fn open(dir: &std::path::Path, key: &StoreKey) -> SnapshotStore {
    SnapshotStore::open(
        &Backend::Local {
            dir: dir.to_path_buf(),
        },
        key.clone(),
    )
    .unwrap()
}

fn file(dir: &std::path::Path, path: &object_store::path::Path) -> std::path::PathBuf {
    dir.join(path.as_ref())
}

#[tokio::test]
async fn stage_publish_fetch_and_discard() {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::generate();
    let store = open(dir.path(), &key);
    let (first, digest) = snapshot("张三");
    store.stage(&digest, &first).await.unwrap();
    let staged = std::fs::read(file(dir.path(), &staging_path(&digest))).unwrap();
    assert!(
        !staged.windows("张三".len()).any(|w| w == "张三".as_bytes()),
        "the staged file holds the name in clear"
    );
    assert!(store.publish("SUBJ-1", 0, 0, &digest).await.unwrap());
    assert!(
        !file(dir.path(), &staging_path(&digest)).exists(),
        "staging emptied"
    );
    assert!(file(dir.path(), &published_path("SUBJ-1", 0, 0)).exists());
    assert!(
        !store.publish("SUBJ-1", 0, 0, &digest).await.unwrap(),
        "second publish: nothing staged"
    );
    assert_eq!(
        store.fetch("SUBJ-1", 0, 0, &digest).await.unwrap(),
        Some(first)
    );

    // An overwrite's revision lands beside the first, which stays.
    let (second, digest2) = snapshot("李四");
    store.stage(&digest2, &second).await.unwrap();
    // fetch publishes a staged snapshot the node had not published yet.
    assert_eq!(
        store.fetch("SUBJ-1", 0, 1, &digest2).await.unwrap(),
        Some(second)
    );
    assert!(file(dir.path(), &published_path("SUBJ-1", 0, 1)).ends_with("SUBJ-1/0-r1"));
    assert!(store
        .fetch("SUBJ-1", 0, 0, &digest)
        .await
        .unwrap()
        .is_some());

    let (third, digest3) = snapshot("王五");
    store.stage(&digest3, &third).await.unwrap();
    store.discard(&digest3).await.unwrap();
    assert_eq!(store.fetch("SUBJ-1", 1, 0, &digest3).await.unwrap(), None);
    store.discard(&digest3).await.unwrap();
}

#[tokio::test]
async fn a_file_under_another_key_or_for_another_snapshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::generate();
    let store = open(dir.path(), &key);
    let (stored, digest) = snapshot("张三");
    store.stage(&digest, &stored).await.unwrap();
    store.publish("SUBJ-1", 0, 0, &digest).await.unwrap();

    let other = open(dir.path(), &StoreKey::generate());
    let err = other.fetch("SUBJ-1", 0, 0, &digest).await.unwrap_err();
    assert!(matches!(err, StoreError::Undecryptable { .. }), "{err}");
    assert!(err.to_string().contains("store key"), "{err}");

    // The same file copied to another version's path does not open as the snapshot the chain
    // records there: the file is bound to its own snapshot's digest.
    let (_, recorded_there) = snapshot("李四");
    std::fs::create_dir_all(
        file(dir.path(), &published_path("SUBJ-1", 1, 0))
            .parent()
            .unwrap(),
    )
    .unwrap();
    std::fs::copy(
        file(dir.path(), &published_path("SUBJ-1", 0, 0)),
        file(dir.path(), &published_path("SUBJ-1", 1, 0)),
    )
    .unwrap();
    let err = store
        .fetch("SUBJ-1", 1, 0, &recorded_there)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Undecryptable { .. }), "{err}");
    assert!(err.to_string().contains("SUBJ-1/1"), "{err}");

    // Its own path and digest still open it.
    assert!(store
        .fetch("SUBJ-1", 0, 0, &digest)
        .await
        .unwrap()
        .is_some());

    // A file that opens for the recorded digest but holds another snapshot is corrupt.
    let (other_snapshot, _) = snapshot("王五");
    let forged = zl_store::encrypt(
        &key,
        &recorded_there,
        &serde_json::to_vec(&other_snapshot).unwrap(),
    );
    std::fs::write(file(dir.path(), &published_path("SUBJ-1", 1, 0)), forged).unwrap();
    let err = store
        .fetch("SUBJ-1", 1, 0, &recorded_there)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&recorded_there.to_hex()), "{err}");
}
