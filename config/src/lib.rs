//! Node configuration in two layers: a lenient user layer (TOML with defaults) parsed into a
//! strict, validated layer. The defaults are `config/default.toml`, embedded in the binary.
#![forbid(unsafe_code)]

use serde::Deserialize;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The embedded default configuration file, written by `zld init`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../default.toml");
/// The config file's name inside a node home.
pub const CONFIG_FILE: &str = "config.toml";
/// A block's transaction bytes may not exceed this (JR/T 0314 §7.3: blocks are at most 16 MB).
pub const BLOCK_BYTES_MAX: usize = 16 * 1024 * 1024;
/// The proposer's gathering interval may not exceed this.
pub const BLOCK_INTERVAL_MS_MAX: u64 = 10_000;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}; run `zld init --home DIR` to create a node home")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("{path} is not a valid zld config: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and the allowed range.
        message: String,
    },
}

/// The user layer, as written in `config.toml` laid over the embedded defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserConfig {
    api: UserApi,
    chain: UserChain,
    node: UserNode,
    mempool: UserMempool,
    block: UserBlock,
    log: UserLog,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserApi {
    listen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChain {
    genesis: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserNode {
    key: String,
    data_dir: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserMempool {
    transactions_max: usize,
    bytes_max: usize,
    per_member_max: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBlock {
    interval_ms: u64,
    transactions_max: usize,
    bytes_max: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserLog {
    level: String,
}

/// Lays the user's tables over the defaults, key by key; unknown keys survive so that
/// deserialising refuses them by name.
fn merge(base: &mut toml::Table, user: toml::Table) {
    for (key, value) in user {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(user_table)) => {
                merge(base_table, user_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The validated configuration a node runs with. Paths are absolute (resolved against the home).
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The node's home directory.
    pub home: PathBuf,
    /// API listen address.
    pub api_listen: SocketAddr,
    /// Genesis file.
    pub genesis_path: PathBuf,
    /// The node's chain key file.
    pub key_path: PathBuf,
    /// Ledger directory.
    pub data_dir: PathBuf,
    /// Mempool: transactions at most.
    pub mempool_transactions_max: NonZeroUsize,
    /// Mempool: bytes at most.
    pub mempool_bytes_max: NonZeroUsize,
    /// Mempool: per member at most.
    pub mempool_per_member_max: NonZeroUsize,
    /// Proposer's gathering interval.
    pub block_interval: Duration,
    /// Transactions per block at most.
    pub block_transactions_max: NonZeroUsize,
    /// Transaction bytes per block at most.
    pub block_bytes_max: NonZeroUsize,
    /// tracing filter.
    pub log_level: String,
}

impl NodeConfig {
    /// Reads `home/config.toml` (defaults for anything missing) and validates it.
    pub fn load(home: &Path) -> Result<NodeConfig, ConfigError> {
        let path = home.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        NodeConfig::parse(home, &path, &text)
    }

    /// Parses and validates config text; `path` is only used in messages.
    pub fn parse(home: &Path, path: &Path, text: &str) -> Result<NodeConfig, ConfigError> {
        let parse_error = |e: toml::de::Error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut table: toml::Table =
            toml::from_str(DEFAULT_CONFIG_TOML).expect("the embedded default config parses");
        merge(&mut table, toml::from_str(text).map_err(parse_error)?);
        let user: UserConfig = table.try_into().map_err(parse_error)?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let api_listen: SocketAddr = user.api.listen.parse().map_err(|_| {
            invalid(format!(
                "api.listen {:?} is not an address like 127.0.0.1:8700",
                user.api.listen
            ))
        })?;
        let nonzero = |name: &str, value: usize| {
            NonZeroUsize::new(value).ok_or_else(|| invalid(format!("{name} must be at least 1")))
        };
        if user.block.bytes_max > BLOCK_BYTES_MAX {
            return Err(invalid(format!(
                "block.bytes_max must be at most {BLOCK_BYTES_MAX} (16 MiB)"
            )));
        }
        if user.block.interval_ms > BLOCK_INTERVAL_MS_MAX {
            return Err(invalid(format!(
                "block.interval_ms must be at most {BLOCK_INTERVAL_MS_MAX}"
            )));
        }
        Ok(NodeConfig {
            home: home.to_path_buf(),
            api_listen,
            genesis_path: home.join(&user.chain.genesis),
            key_path: home.join(&user.node.key),
            data_dir: home.join(&user.node.data_dir),
            mempool_transactions_max: nonzero(
                "mempool.transactions_max",
                user.mempool.transactions_max,
            )?,
            mempool_bytes_max: nonzero("mempool.bytes_max", user.mempool.bytes_max)?,
            mempool_per_member_max: nonzero("mempool.per_member_max", user.mempool.per_member_max)?,
            block_interval: Duration::from_millis(user.block.interval_ms),
            block_transactions_max: nonzero("block.transactions_max", user.block.transactions_max)?,
            block_bytes_max: nonzero("block.bytes_max", user.block.bytes_max)?,
            log_level: user.log.level,
        })
    }
}

/// The default config text with the API address replaced (for `zld init --api`).
pub fn default_config_with_listen(listen: &str) -> String {
    DEFAULT_CONFIG_TOML.replace(
        "listen = \"127.0.0.1:8700\"",
        &format!("listen = \"{listen}\""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NodeConfig, ConfigError> {
        NodeConfig::parse(Path::new("/home/n"), Path::new("/home/n/config.toml"), text)
    }

    #[test]
    fn embedded_defaults_and_empty_file_agree() {
        let full = parse(DEFAULT_CONFIG_TOML).unwrap();
        let empty = parse("").unwrap();
        assert_eq!(full.api_listen, empty.api_listen);
        assert_eq!(empty.api_listen.to_string(), "127.0.0.1:8700");
        assert_eq!(empty.genesis_path, PathBuf::from("/home/n/genesis.json"));
        assert_eq!(empty.block_interval, Duration::from_millis(50));
    }

    #[test]
    fn bad_configs_are_refused_with_the_field_named() {
        let table = [
            ("[api]\nlisten = \"nowhere\"", "api.listen"),
            ("[block]\nbytes_max = 99999999", "block.bytes_max"),
            (
                "[mempool]\ntransactions_max = 0",
                "mempool.transactions_max",
            ),
            ("[block]\ninterval_ms = 999999", "block.interval_ms"),
            (
                "[api]\nlisten = \"127.0.0.1:1\"\nextra = 1",
                "unknown field",
            ),
            ("not toml [", "not a valid zld config"),
        ];
        for (text, expected) in table {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn listen_override_is_applied() {
        let text = default_config_with_listen("127.0.0.1:9999");
        assert_eq!(
            parse(&text).unwrap().api_listen.to_string(),
            "127.0.0.1:9999"
        );
    }
}
