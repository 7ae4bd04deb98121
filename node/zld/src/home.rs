//! A node home: creating one (`zld init`) and reading its key files.

use crate::InitArgs;
use anyhow::{bail, Context, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use zl_types::{Genesis, KeyFile, Member, Role, SecretKey, Validator, ValidatorSet};

/// The validator key's file name.
pub(crate) const NODE_KEY: &str = "node.key";
/// The local member key's file name.
pub(crate) const CLIENT_KEY: &str = "client.key";
/// The genesis file's name.
pub(crate) const GENESIS: &str = "genesis.json";

/// Creates config.toml, node.key, client.key and genesis.json in `args.home`.
pub(crate) fn init(args: &InitArgs) -> Result<()> {
    let home = &args.home;
    if home.join(zl_config::CONFIG_FILE).exists() {
        bail!(
            "{} already holds a node (config.toml exists); use another --home or `zld start`",
            home.display()
        );
    }
    zl_types::genesis::check_chain_id(&args.chain_id)?;
    std::fs::create_dir_all(home).with_context(|| format!("cannot create {}", home.display()))?;
    let mut rng = rand_core::OsRng;
    let node_key = SecretKey::generate(args.suite, &mut rng);
    let client_key = SecretKey::generate(args.suite, &mut rng);
    write_private(
        &home.join(NODE_KEY),
        &serde_json::to_vec_pretty(&KeyFile::plain(&node_key))?,
    )?;
    write_private(
        &home.join(CLIENT_KEY),
        &serde_json::to_vec_pretty(&KeyFile::plain(&client_key))?,
    )?;
    let genesis = Genesis {
        chain_id: args.chain_id.clone(),
        role: args.role,
        crypto_suite: args.suite,
        genesis_time: crate::clock::now_ms(),
        validators: ValidatorSet {
            validators: vec![Validator {
                name: "node0".into(),
                public_key: node_key.public_key(),
                power: 1,
            }],
        },
        members: vec![
            Member {
                name: "node0 operator".into(),
                public_key: node_key.public_key(),
                roles: vec![Role::Validator, Role::Governor],
                transport_key: None,
            },
            Member {
                name: "local client".into(),
                public_key: client_key.public_key(),
                roles: vec![Role::Submitter],
                transport_key: None,
            },
        ],
    };
    genesis.check()?;
    std::fs::write(home.join(GENESIS), serde_json::to_vec_pretty(&genesis)?)?;
    let config = zl_config::default_config_with_listen(&args.api);
    std::fs::write(home.join(zl_config::CONFIG_FILE), config)?;
    Ok(())
}

/// Writes a new file readable by its owner only (0600 from creation, never wider).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create key file {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

/// Reads a key file; the passphrase of an encrypted one comes from `ZL_PASSPHRASE`.
pub(crate) fn load_key(path: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "key file is readable by others; chmod 600 it");
    }
    let file: KeyFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a key file", path.display()))?;
    let passphrase = std::env::var("ZL_PASSPHRASE").ok();
    Ok(file.secret_key(passphrase.as_deref())?)
}
