//! A node home: creating one (`zld init`) and reading its key files.

use crate::InitArgs;
use anyhow::{bail, Context, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use zl_types::{CryptoSuite, Genesis, KeyFile, Member, Role, SecretKey, Validator, ValidatorSet};

/// The validator key's file name.
pub(crate) const NODE_KEY: &str = "node.key";
/// The node's peer-network (transport) key's file name; Ed25519 on every chain.
pub(crate) const TRANSPORT_KEY: &str = "transport.key";
/// The local member key's file name.
pub(crate) const CLIENT_KEY: &str = "client.key";
/// The genesis file's name.
pub(crate) const GENESIS: &str = "genesis.json";

/// Creates config.toml, node.key, transport.key, client.key and genesis.json in `args.home`.
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
    // libp2p's noise handshake knows no SM2, so the transport key is Ed25519 on every chain.
    let transport_key = SecretKey::generate(CryptoSuite::Ed25519, &mut rng);
    let client_key = SecretKey::generate(args.suite, &mut rng);
    write_private(
        &home.join(NODE_KEY),
        &serde_json::to_vec_pretty(&KeyFile::plain(&node_key))?,
    )?;
    write_private(
        &home.join(TRANSPORT_KEY),
        &serde_json::to_vec_pretty(&KeyFile::plain(&transport_key))?,
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
                transport_key: Some(transport_key.public_key()),
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
    let api = args
        .api
        .parse()
        .with_context(|| format!("--api {:?} is not an address like 127.0.0.1:8700", args.api))?;
    let p2p = args
        .p2p
        .parse()
        .with_context(|| format!("--p2p {:?} is not an address like 127.0.0.1:8800", args.p2p))?;
    let config = zl_config::default_config_with_addresses(api, p2p, &[]);
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

/// Reads the node's transport key file, which must hold an Ed25519 key.
pub(crate) fn load_transport_key(path: &Path) -> Result<SecretKey> {
    if !path.exists() {
        bail!(
            "transport key {} does not exist: homes made before the peer network have none. \
             Create one with `zl keys new --suite ed25519 --out {}` and register its public key as \
             the member's transport_key (governance), or point [p2p] transport_key in config.toml \
             at an existing key file; a throwaway dev home can simply be made again with `zld init`",
            path.display(),
            path.display()
        );
    }
    let key = load_key(path)?;
    if key.suite() != CryptoSuite::Ed25519 {
        bail!(
            "transport key {} is an {} key, but the peer network authenticates nodes with Ed25519 on every chain; \
             create one with `zl keys new --suite ed25519 --out {}` and register its public key as the member's transport_key",
            path.display(),
            key.suite().name(),
            path.display()
        );
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zl_types::ChainRole;

    /// A fresh directory under the system temp dir (zld has no tempfile dependency).
    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("zld-home-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn init_args(home: &Path, suite: CryptoSuite) -> InitArgs {
        InitArgs {
            home: home.to_path_buf(),
            chain_id: "dev".into(),
            role: ChainRole::LocalBusiness,
            suite,
            api: "127.0.0.1:8700".into(),
            p2p: "127.0.0.1:0".into(),
        }
    }

    #[test]
    fn init_writes_a_private_ed25519_transport_key_bound_to_node0() {
        for suite in [CryptoSuite::Ed25519, CryptoSuite::Sm] {
            let dir = temp_dir(suite.name());
            let home = dir.join("n");
            init(&init_args(&home, suite)).unwrap();
            for name in [NODE_KEY, TRANSPORT_KEY, CLIENT_KEY] {
                let mode = std::fs::metadata(home.join(name))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
            let transport = load_transport_key(&home.join(TRANSPORT_KEY)).unwrap();
            let node = load_key(&home.join(NODE_KEY)).unwrap();
            assert_eq!(node.suite(), suite);
            let text = std::fs::read_to_string(home.join(GENESIS)).unwrap();
            let genesis = Genesis::from_json(&text).unwrap();
            let member = genesis
                .member_by_transport_key(&transport.public_key())
                .unwrap();
            assert_eq!(member.public_key, node.public_key());
            assert_eq!(member.roles, [Role::Validator, Role::Governor]);
            let config = zl_config::NodeConfig::load(&home).unwrap();
            assert_eq!(config.transport_key_path, home.join(TRANSPORT_KEY));
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn a_home_without_a_transport_key_says_how_to_make_one() {
        let dir = temp_dir("no-transport");
        let error = load_transport_key(&dir.join(TRANSPORT_KEY))
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not exist"), "{error}");
        assert!(error.contains("zl keys new --suite ed25519"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_non_ed25519_transport_key_is_refused() {
        let dir = temp_dir("sm-transport");
        let path = dir.join(TRANSPORT_KEY);
        let sm = SecretKey::generate(CryptoSuite::Sm, &mut rand_core::OsRng);
        write_private(&path, &serde_json::to_vec(&KeyFile::plain(&sm)).unwrap()).unwrap();
        let message = load_transport_key(&path).unwrap_err().to_string();
        assert!(
            message.contains("Ed25519") && message.contains("zl keys new --suite ed25519"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
