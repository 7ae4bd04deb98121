//! The node's object store: opened from `[objects]`, its key created on first start, and the
//! task that publishes staged snapshots once their digests are committed.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use zl_api::NodeState;
use zl_config::{ObjectStoreConfig, StoreLocation};
use zl_store::{Backend, SnapshotStore, StoreKey};

/// Environment variable holding the S3 access key id.
pub(crate) const S3_ACCESS_KEY_ENV: &str = "ZL_S3_ACCESS_KEY_ID";
/// Environment variable holding the S3 secret access key.
pub(crate) const S3_SECRET_KEY_ENV: &str = "ZL_S3_SECRET_ACCESS_KEY";

/// Opens the configured store, creating its key file (0600) if there is none yet.
pub(crate) fn open(config: &ObjectStoreConfig) -> Result<Arc<SnapshotStore>> {
    let key = load_or_create_key(&config.key_path)?;
    let backend = match &config.location {
        StoreLocation::Local(dir) => Backend::Local { dir: dir.clone() },
        StoreLocation::S3 {
            bucket,
            endpoint,
            region,
        } => {
            let env = |name: &str| {
                std::env::var(name).with_context(|| {
                    format!("objects.store is \"s3\": set {name} in the node's environment")
                })
            };
            Backend::S3 {
                bucket: bucket.clone(),
                endpoint: endpoint.clone(),
                region: region.clone(),
                access_key_id: env(S3_ACCESS_KEY_ENV)?,
                secret_access_key: env(S3_SECRET_KEY_ENV)?,
            }
        }
    };
    let store = SnapshotStore::open(&backend, key)?;
    tracing::info!(store = store.location(), "object store open");
    Ok(Arc::new(store))
}

fn load_or_create_key(path: &Path) -> Result<StoreKey> {
    if path.exists() {
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "store key file is readable by others; chmod 600 it");
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read store key {}", path.display()))?;
        return StoreKey::from_hex(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a store key: {e}; restore the file the node wrote",
                path.display()
            )
        });
    }
    if let Some(dir) = path.parent() {
        if !dir.exists() {
            bail!(
                "cannot create store key {}: {} does not exist",
                path.display(),
                dir.display()
            );
        }
    }
    let key = StoreKey::generate();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create store key {}", path.display()))?;
    file.write_all(format!("{}\n", key.to_hex()).as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "created the object store key; back it up");
    Ok(key)
}

/// The bridge of `[bridge]`: the node's key signs, the seal key (SM2) seals as the owner.
pub(crate) fn bridge(
    config: &zl_config::BridgeConfig,
    signer: zl_types::SecretKey,
) -> Result<zl_api::bridge::Bridge> {
    let seal_key = crate::home::load_key(&config.seal_key_path).with_context(|| {
        format!(
            "bridge.seal_key {}: create it with `zl keys new --suite sm`",
            config.seal_key_path.display()
        )
    })?;
    if seal_key.suite() != zl_types::CryptoSuite::Sm {
        bail!(
            "bridge.seal_key {} is not an SM2 key; seals are SM2 (PROTOCOL §20)",
            config.seal_key_path.display()
        );
    }
    tracing::info!(owner = %config.owner, "bridge on");
    Ok(zl_api::bridge::Bridge::new(
        signer,
        config.owner.clone(),
        seal_key,
    ))
}

/// Publishes staged snapshots after every committed block, until shutdown. A store that fails
/// is logged and tried again after the next block.
pub(crate) async fn publish(state: Arc<NodeState>) {
    let Some(staging) = state.staging.clone() else {
        return;
    };
    let mut commits = state.commits.subscribe();
    let mut stop = state.shutdown.subscribe();
    loop {
        tokio::select! {
            notice = commits.recv() => {
                if let Err(tokio::sync::broadcast::error::RecvError::Closed) = notice {
                    return;
                }
            }
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
        match staging
            .publish_committed(&state.ledger, (state.now_ms)())
            .await
        {
            Ok(done) if done.published + done.discarded > 0 => {
                tracing::debug!(
                    published = done.published,
                    discarded = done.discarded,
                    waiting = done.waiting,
                    "object store"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "publishing staged snapshots failed; retrying after the next block")
            }
        }
    }
}
