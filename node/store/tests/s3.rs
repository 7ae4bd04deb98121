//! The snapshot store against a real S3-protocol server (moto, installed by
//! scripts/setup-system.sh) on 127.0.0.1, and with that server gone.

mod common;

use common::snapshot;
use futures::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use zl_store::{published_path, Backend, SnapshotStore, StoreError, StoreKey};

/// A moto S3 server on a free port of 127.0.0.1, stopped on drop.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Moto {
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs (make setup installs moto[server])");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        // The server prints its address once it listens: no sleeping, no guessing.
        let port = loop {
            let line = lines
                .next()
                .expect("moto printed its address before exiting (is moto[server] installed? run make setup)")
                .unwrap();
            if let Some(at) = line.split("http://127.0.0.1:").nth(1) {
                break at.trim().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Moto { child, port }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A plain HTTP request to the server; answers its status.
    fn request(&self, method: &str, path: &str) -> u16 {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..end]).to_string();
        head.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

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
    let moto = Moto::start();
    assert_eq!(moto.request("PUT", "/snapshots"), 200, "bucket created");
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
    let mut moto = Moto::start();
    assert_eq!(moto.request("PUT", "/snapshots"), 200);
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
