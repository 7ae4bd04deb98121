//! The snapshot store: full sealed data-object snapshots kept off chain (DESIGN §9), encrypted
//! at rest, on the local filesystem or any S3-compatible service through `object_store`.
//!
//! A write goes through three steps so that consensus never waits on storage: the entry node
//! *stages* the full snapshot under its digest, the chain *commits* the digest (the `objects`
//! contract), then the node *publishes* the staged file under `<object_id>/<version>`. A
//! snapshot whose transaction never commits stays in staging and is never published.
#![forbid(unsafe_code)]

mod cipher;

pub use cipher::{decrypt, encrypt, StoreKey, MAGIC, NONCE_BYTES, STORE_KEY_BYTES};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use zl_types::object::snapshot_digest;
use zl_types::Hash;

/// A stored file may hold at most this many bytes (a full object is at most
/// `zl_types::object::OBJECT_BYTES_MAX`; the rest is the salt, JSON framing and the cipher's).
pub const STORED_BYTES_MAX: usize = zl_types::object::OBJECT_BYTES_MAX + 4096;

/// Retries of a failed S3 request at most: a store that is down answers its caller within
/// seconds (the caller retries the whole write) instead of holding an API request for minutes.
pub const S3_RETRIES_MAX: usize = 2;
/// A failed S3 request is not retried after this long.
pub const S3_RETRY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Connecting to the S3 service may take this long at most.
pub const S3_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// One S3 request may take this long at most.
pub const S3_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Where the store keeps its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A directory on the node's disk (created if missing).
    Local {
        /// The directory.
        dir: std::path::PathBuf,
    },
    /// A bucket of an S3-compatible service.
    S3 {
        /// The bucket (it must exist).
        bucket: String,
        /// The service's address, e.g. `https://s3.example.cn`; `None` for AWS itself.
        endpoint: Option<String>,
        /// The region name the service expects.
        region: String,
        /// The access key id.
        access_key_id: String,
        /// The secret access key.
        secret_access_key: String,
    },
}

/// What the store keeps of one snapshot: the full sealed object, and the salt its redaction
/// drew (hex), with which the owner or a regulator can show that a redacted digest on chain
/// hides a given value (PROTOCOL.md §21).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredSnapshot {
    /// The full sealed object, personal fields in clear.
    pub object: Value,
    /// The snapshot salt, 64 hex digits.
    pub salt: String,
}

/// Why the store could not do what was asked. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The service is down, unreachable, or refused the request.
    #[error("the object store ({location}) failed: {source}; check that it runs and that the node's [objects] settings name it, then retry")]
    Unavailable {
        /// The store's description.
        location: String,
        /// What `object_store` reported.
        source: object_store::Error,
    },
    /// A file does not open under this node's key as the snapshot with the digest asked for.
    #[error("{path} in the object store does not decrypt with this node's store key as the snapshot the chain records there (another key, another snapshot's file, or altered bytes); restore the file or the key file the node wrote it with")]
    Undecryptable {
        /// The file.
        path: String,
    },
    /// A file opens but is not a stored snapshot, or its digest is not the one asked for.
    #[error("{path} in the object store holds {problem}; restore it from a backup of the store")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The settings do not describe a usable store.
    #[error("object store settings: {0}")]
    Config(String),
}

/// The snapshot store of one node.
pub struct SnapshotStore {
    store: Arc<dyn ObjectStore>,
    key: StoreKey,
    location: String,
}

impl std::fmt::Debug for SnapshotStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SnapshotStore({})", self.location)
    }
}

/// Where a snapshot staged under `digest` waits for its transaction to commit.
pub fn staging_path(digest: &Hash) -> Path {
    Path::from_iter(["staging", &digest.to_hex()])
}

/// Where a published snapshot lives: `objects/<object_id>/<version>` for a version's first
/// revision, `objects/<object_id>/<version>-r<revision>` beside it for each overwrite.
pub fn published_path(object_id: &str, version: u64, revision: u32) -> Path {
    let name = if revision == 0 {
        version.to_string()
    } else {
        format!("{version}-r{revision}")
    };
    Path::from_iter(["objects", object_id, &name])
}

impl SnapshotStore {
    /// Opens the store `backend` names, encrypting with `key`. Connects to nothing yet: an
    /// S3 service that is down shows on the first request.
    pub fn open(backend: &Backend, key: StoreKey) -> Result<SnapshotStore, StoreError> {
        let (store, location): (Arc<dyn ObjectStore>, String) = match backend {
            Backend::Local { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", dir.display()))
                })?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| StoreError::Config(format!("{}: {e}", dir.display())))?;
                (Arc::new(fs), format!("directory {}", dir.display()))
            }
            Backend::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key)
                    .with_retry(object_store::RetryConfig {
                        backoff: object_store::BackoffConfig::default(),
                        max_retries: S3_RETRIES_MAX,
                        retry_timeout: S3_RETRY_TIMEOUT,
                    })
                    .with_client_options(
                        object_store::ClientOptions::new()
                            .with_connect_timeout(S3_CONNECT_TIMEOUT)
                            .with_timeout(S3_REQUEST_TIMEOUT),
                    );
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                let s3 = builder
                    .build()
                    .map_err(|e| StoreError::Config(format!("S3 bucket {bucket}: {e}")))?;
                let at = endpoint.as_deref().unwrap_or("AWS");
                (Arc::new(s3), format!("S3 bucket {bucket} at {at}"))
            }
        };
        Ok(SnapshotStore {
            store,
            key,
            location,
        })
    }

    /// The store's description for messages (no secrets).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Stages a full snapshot under its digest, which the caller has computed and will commit.
    pub async fn stage(&self, digest: &Hash, snapshot: &StoredSnapshot) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(snapshot).expect("a stored snapshot serialises");
        self.put(&staging_path(digest), digest, &bytes).await
    }

    /// Publishes the snapshot staged under `digest` as (object id, version, revision): the
    /// staged file is renamed, not rewritten (its associated data is the digest, not the path).
    /// Publishing twice is harmless. `Ok(false)`: nothing is staged under `digest` (another
    /// node took the write, or it was published already).
    pub async fn publish(
        &self,
        object_id: &str,
        version: u64,
        revision: u32,
        digest: &Hash,
    ) -> Result<bool, StoreError> {
        let published = published_path(object_id, version, revision);
        match self.store.rename(&staging_path(digest), &published).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(self.unavailable(source)),
        }
    }

    /// The full snapshot recorded as (object id, version, revision) with `digest`: the
    /// published file, or the staged one (published now) if the node has not got to it yet.
    /// `None` if the store holds neither.
    pub async fn fetch(
        &self,
        object_id: &str,
        version: u64,
        revision: u32,
        digest: &Hash,
    ) -> Result<Option<StoredSnapshot>, StoreError> {
        let published = published_path(object_id, version, revision);
        if let Some(snapshot) = self.read(&published, digest).await? {
            return Ok(Some(snapshot));
        }
        // Publish it now; if the node's publisher got there first, it is published anyway.
        self.publish(object_id, version, revision, digest).await?;
        self.read(&published, digest).await
    }

    /// Removes what is staged under `digest` (a write whose transaction will not commit).
    pub async fn discard(&self, digest: &Hash) -> Result<(), StoreError> {
        match self.store.delete(&staging_path(digest)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(self.unavailable(source)),
        }
    }

    async fn put(&self, path: &Path, digest: &Hash, plaintext: &[u8]) -> Result<(), StoreError> {
        let file = encrypt(&self.key, digest, plaintext);
        self.store
            .put(path, file.into())
            .await
            .map(|_| ())
            .map_err(|source| self.unavailable(source))
    }

    /// The snapshot at `path`, checked to open under the key and to have `digest`.
    async fn read(&self, path: &Path, digest: &Hash) -> Result<Option<StoredSnapshot>, StoreError> {
        let file = match self.store.get(path).await {
            Ok(found) => found
                .bytes()
                .await
                .map_err(|source| self.unavailable(source))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(source) => return Err(self.unavailable(source)),
        };
        let corrupt = |problem: String| StoreError::Corrupt {
            path: path.to_string(),
            problem,
        };
        if file.len() > STORED_BYTES_MAX + MAGIC.len() + NONCE_BYTES + 16 {
            return Err(corrupt(format!(
                "{} bytes, more than a snapshot can be",
                file.len()
            )));
        }
        let plain = decrypt(&self.key, digest, &file).ok_or_else(|| StoreError::Undecryptable {
            path: path.to_string(),
        })?;
        let snapshot: StoredSnapshot = serde_json::from_slice(&plain)
            .map_err(|e| corrupt(format!("no stored snapshot ({e})")))?;
        let found = snapshot_digest(&snapshot.object)
            .map_err(|e| corrupt(format!("an object without a digest ({e:?})")))?;
        if &found != digest {
            return Err(corrupt(format!(
                "a snapshot with digest {found}, not the recorded {digest}"
            )));
        }
        Ok(Some(snapshot))
    }

    fn unavailable(&self, source: object_store::Error) -> StoreError {
        StoreError::Unavailable {
            location: self.location.clone(),
            source,
        }
    }
}
