//! Node configuration in two layers: a lenient user layer (TOML with defaults) parsed into a
//! strict, validated layer. The defaults are `config/default.toml`, embedded in the binary.
#![forbid(unsafe_code)]

mod error;
mod generate;
mod user;

pub use error::ConfigError;
pub use generate::{default_config_with_addresses, default_config_with_listen};
pub use zl_consensus::Timeouts;

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use user::{UserConfig, UserConsensus};

/// The embedded default configuration file, written by `zld init`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../default.toml");
/// The config file's name inside a node home.
pub const CONFIG_FILE: &str = "config.toml";
/// A block's transaction bytes may not exceed this (JR/T 0314 §7.3: blocks are at most 16 MB).
pub const BLOCK_BYTES_MAX: usize = 16 * 1024 * 1024;
/// The proposer's gathering interval may not exceed this.
pub const BLOCK_INTERVAL_MS_MAX: u64 = 10_000;

/// A consensus timeout, its per-round growth or the rebroadcast interval may not exceed this.
pub const TIMEOUT_MS_MAX: u64 = 60_000;
/// A step's base timeout may not be below this: shorter, a step would end before a message
/// could cross even a local network, and no round would ever decide.
pub const TIMEOUT_MS_MIN: u64 = 10;
/// The rebroadcast interval may not be below this: more often, re-sent messages would crowd
/// out new ones.
pub const REBROADCAST_MS_MIN: u64 = 50;
/// Peers a config may list to dial, at most.
pub const P2P_PEERS_MAX: usize = 256;

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
    /// Peer-network listen address.
    pub p2p_listen: SocketAddr,
    /// Peers to dial at start (distinct, at most [`P2P_PEERS_MAX`]).
    pub p2p_peers: Vec<SocketAddr>,
    /// The node's Ed25519 transport key file.
    pub transport_key_path: PathBuf,
    /// Consensus round timeouts.
    pub timeouts: Timeouts,
    /// How often the node re-sends its own proposal and votes of the current height.
    pub rebroadcast: Duration,
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
    /// Where full snapshots of data objects are kept.
    pub objects: ObjectStoreConfig,
    /// The bridge, if this node runs one.
    pub bridge: Option<BridgeConfig>,
}

/// The bridge's settings (`[bridge]`), present when `owner` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeConfig {
    /// The market's DID, owner of every object the bridge writes.
    pub owner: String,
    /// The SM2 key file the bridge seals with.
    pub seal_key_path: PathBuf,
}

/// The object store's settings (`[objects]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectStoreConfig {
    /// The store key file (created at first start if missing).
    pub key_path: PathBuf,
    /// Where the files go.
    pub location: StoreLocation,
}

/// Where the object store keeps its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLocation {
    /// A directory of the node's disk.
    Local(PathBuf),
    /// An S3-compatible bucket; the credentials come from the environment.
    S3 {
        /// The bucket.
        bucket: String,
        /// The service's address; `None` for AWS.
        endpoint: Option<String>,
        /// The region.
        region: String,
    },
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
        user::merge(&mut table, toml::from_str(text).map_err(parse_error)?);
        let user: UserConfig = table.try_into().map_err(parse_error)?;
        validate(home, user).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }
}

/// The strict layer from the user layer; an error names the key, what is wrong and the range.
fn validate(home: &Path, user: UserConfig) -> Result<NodeConfig, String> {
    let nonzero = |name: &str, value: usize| {
        NonZeroUsize::new(value).ok_or_else(|| format!("{name} must be at least 1"))
    };
    if user.block.bytes_max > BLOCK_BYTES_MAX {
        return Err(format!(
            "block.bytes_max must be at most {BLOCK_BYTES_MAX} (16 MiB)"
        ));
    }
    if user.block.interval_ms > BLOCK_INTERVAL_MS_MAX {
        return Err(format!(
            "block.interval_ms must be at most {BLOCK_INTERVAL_MS_MAX}"
        ));
    }
    let (timeouts, rebroadcast) = consensus(&user.consensus)?;
    Ok(NodeConfig {
        home: home.to_path_buf(),
        api_listen: address("api.listen", &user.api.listen, "127.0.0.1:8700")?,
        genesis_path: home.join(&user.chain.genesis),
        key_path: home.join(&user.node.key),
        data_dir: home.join(&user.node.data_dir),
        p2p_listen: address("p2p.listen", &user.p2p.listen, "127.0.0.1:8800")?,
        p2p_peers: peers(&user.p2p.peers)?,
        transport_key_path: home.join(&user.p2p.transport_key),
        timeouts,
        rebroadcast,
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
        objects: objects(home, &user.objects)?,
        bridge: bridge(home, &user.bridge)?,
    })
}

/// The `[bridge]` table: off unless `owner` names a DID.
fn bridge(home: &Path, user: &user::UserBridge) -> Result<Option<BridgeConfig>, String> {
    if user.owner.is_empty() {
        return Ok(None);
    }
    if !user.owner.starts_with("did:") {
        return Err(format!(
            "bridge.owner {:?} is not a DID; name the market's DID, e.g. did:rem:<chain>:<code>",
            user.owner
        ));
    }
    Ok(Some(BridgeConfig {
        owner: user.owner.clone(),
        seal_key_path: home.join(&user.seal_key),
    }))
}

/// The `[objects]` table: a local directory, or an S3 bucket with its endpoint and region.
fn objects(home: &Path, user: &user::UserObjects) -> Result<ObjectStoreConfig, String> {
    let location = match user.store.as_str() {
        "local" => StoreLocation::Local(home.join(&user.dir)),
        "s3" => {
            if user.s3_bucket.is_empty() {
                return Err(
                    "objects.store is \"s3\" but objects.s3_bucket is empty; name the bucket"
                        .into(),
                );
            }
            let endpoint = (!user.s3_endpoint.is_empty()).then(|| user.s3_endpoint.clone());
            if let Some(e) = &endpoint {
                if !(e.starts_with("http://") || e.starts_with("https://")) {
                    return Err(format!(
                        "objects.s3_endpoint {e:?} is not an http:// or https:// address"
                    ));
                }
            }
            StoreLocation::S3 {
                bucket: user.s3_bucket.clone(),
                endpoint,
                region: user.s3_region.clone(),
            }
        }
        other => {
            return Err(format!(
                "objects.store {other:?} is not a store; use \"local\" or \"s3\""
            ))
        }
    };
    Ok(ObjectStoreConfig {
        key_path: home.join(&user.key),
        location,
    })
}

/// An `ip:port` address (host names are not resolved: a node's peers are fixed addresses).
fn address(name: &str, text: &str, example: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{name} {text:?} is not an address like {example}"))
}

/// The peers to dial: addresses, distinct, at most [`P2P_PEERS_MAX`].
fn peers(texts: &[String]) -> Result<Vec<SocketAddr>, String> {
    if texts.len() > P2P_PEERS_MAX {
        return Err(format!(
            "p2p.peers lists {} peers; list at most {P2P_PEERS_MAX} (a few per node suffice, the rest are found by sync)",
            texts.len()
        ));
    }
    let mut peers = Vec::with_capacity(texts.len());
    for text in texts {
        let peer = address("p2p.peers entry", text, "10.0.0.2:8800 (ip:port)")?;
        if peers.contains(&peer) {
            return Err(format!("p2p.peers lists {peer} twice; list each peer once"));
        }
        peers.push(peer);
    }
    Ok(peers)
}

/// Round timeouts and the rebroadcast interval, each within its range.
fn consensus(user: &UserConsensus) -> Result<(Timeouts, Duration), String> {
    let ranges = [
        (
            "timeout_propose_ms",
            user.timeout_propose_ms,
            TIMEOUT_MS_MIN,
        ),
        ("timeout_propose_delta_ms", user.timeout_propose_delta_ms, 0),
        (
            "timeout_prevote_ms",
            user.timeout_prevote_ms,
            TIMEOUT_MS_MIN,
        ),
        ("timeout_prevote_delta_ms", user.timeout_prevote_delta_ms, 0),
        (
            "timeout_precommit_ms",
            user.timeout_precommit_ms,
            TIMEOUT_MS_MIN,
        ),
        (
            "timeout_precommit_delta_ms",
            user.timeout_precommit_delta_ms,
            0,
        ),
        ("rebroadcast_ms", user.rebroadcast_ms, REBROADCAST_MS_MIN),
    ];
    for (name, value, min) in ranges {
        if !(min..=TIMEOUT_MS_MAX).contains(&value) {
            return Err(format!(
                "consensus.{name} is {value}; it must be between {min} and {TIMEOUT_MS_MAX} milliseconds"
            ));
        }
    }
    let timeouts = Timeouts {
        propose_ms: user.timeout_propose_ms,
        propose_delta_ms: user.timeout_propose_delta_ms,
        prevote_ms: user.timeout_prevote_ms,
        prevote_delta_ms: user.timeout_prevote_delta_ms,
        precommit_ms: user.timeout_precommit_ms,
        precommit_delta_ms: user.timeout_precommit_delta_ms,
    };
    Ok((timeouts, Duration::from_millis(user.rebroadcast_ms)))
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
        assert_eq!(full.p2p_listen, empty.p2p_listen);
        assert_eq!(empty.p2p_listen.to_string(), "127.0.0.1:8800");
        assert!(empty.p2p_peers.is_empty());
        assert_eq!(
            empty.transport_key_path,
            PathBuf::from("/home/n/transport.key")
        );
        assert_eq!(full.timeouts, empty.timeouts);
        assert_eq!(empty.timeouts, Timeouts::default());
        assert_eq!(empty.rebroadcast, Duration::from_millis(1000));
    }

    #[test]
    fn p2p_and_consensus_values_are_read() {
        let text =
            "[p2p]\nlisten = \"0.0.0.0:9800\"\npeers = [\"10.0.0.2:8800\", \"[::1]:8801\"]\n\
                    transport_key = \"/keys/t.key\"\n\
                    [consensus]\ntimeout_propose_ms = 3000\ntimeout_prevote_delta_ms = 0\n\
                    timeout_precommit_ms = 10\nrebroadcast_ms = 60000\n";
        let config = parse(text).unwrap();
        assert_eq!(config.p2p_listen.to_string(), "0.0.0.0:9800");
        let peers: Vec<String> = config.p2p_peers.iter().map(|p| p.to_string()).collect();
        assert_eq!(peers, ["10.0.0.2:8800", "[::1]:8801"]);
        // An absolute path stays as written; the node key stays relative to the home.
        assert_eq!(config.transport_key_path, PathBuf::from("/keys/t.key"));
        assert_eq!(config.key_path, PathBuf::from("/home/n/node.key"));
        let expected = Timeouts {
            propose_ms: 3000,
            prevote_delta_ms: 0,
            precommit_ms: 10,
            ..Timeouts::default()
        };
        assert_eq!(config.timeouts, expected);
        assert_eq!(config.rebroadcast, Duration::from_secs(60));
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
            ("[p2p]\nlisten = \"localhost\"", "p2p.listen"),
            (
                "[p2p]\npeers = [\"node1.example:8800\"]",
                "p2p.peers entry \"node1.example:8800\" is not an address",
            ),
            (
                "[p2p]\npeers = [\"10.0.0.2:8800\", \"10.0.0.2:8800\"]",
                "p2p.peers lists 10.0.0.2:8800 twice",
            ),
            ("[p2p]\npeers = \"10.0.0.2:8800\"", "not a valid zld config"),
            ("[p2p]\nseeds = []", "unknown field `seeds`"),
            (
                "[consensus]\ntimeout_propose_ms = 0",
                "consensus.timeout_propose_ms is 0; it must be between 10 and 60000",
            ),
            (
                "[consensus]\ntimeout_prevote_ms = 60001",
                "consensus.timeout_prevote_ms",
            ),
            (
                "[consensus]\ntimeout_precommit_delta_ms = 70000",
                "consensus.timeout_precommit_delta_ms",
            ),
            (
                "[consensus]\nrebroadcast_ms = 10",
                "consensus.rebroadcast_ms is 10; it must be between 50 and 60000",
            ),
            (
                "[consensus]\ntimeout_propose_ms = -1",
                "not a valid zld config",
            ),
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

    #[test]
    fn too_many_peers_are_refused() {
        let peers: Vec<String> = (0..=P2P_PEERS_MAX)
            .map(|i| format!("\"10.0.{}.{}:8800\"", i / 250, i % 250))
            .collect();
        let text = format!("[p2p]\npeers = [{}]", peers.join(", "));
        let message = parse(&text).unwrap_err().to_string();
        assert!(
            message.contains("p2p.peers lists 257 peers; list at most 256"),
            "{message}"
        );
    }

    #[test]
    fn addresses_override_is_applied_and_keeps_the_comments() {
        let api: SocketAddr = "127.0.0.1:27003".parse().unwrap();
        let p2p: SocketAddr = "127.0.0.1:27103".parse().unwrap();
        let peers: Vec<SocketAddr> = ["127.0.0.1:27100", "127.0.0.1:27101"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        let text = default_config_with_addresses(api, p2p, &peers);
        assert!(text.contains("# Peers to dial at start"));
        let config = parse(&text).unwrap();
        assert_eq!(
            (config.api_listen, config.p2p_listen, config.p2p_peers),
            (api, p2p, peers)
        );
        let none = parse(&default_config_with_addresses(api, p2p, &[])).unwrap();
        assert!(none.p2p_peers.is_empty());
    }
}
