//! The user layer: `config.toml` as written, laid over the embedded defaults, before validation.

use serde::Deserialize;

/// The user layer, as written in `config.toml` laid over the embedded defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserConfig {
    pub(crate) api: UserApi,
    pub(crate) chain: UserChain,
    pub(crate) node: UserNode,
    pub(crate) objects: UserObjects,
    pub(crate) bridge: UserBridge,
    pub(crate) p2p: UserP2p,
    pub(crate) consensus: UserConsensus,
    pub(crate) mempool: UserMempool,
    pub(crate) block: UserBlock,
    pub(crate) log: UserLog,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserApi {
    pub(crate) listen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChain {
    pub(crate) genesis: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserNode {
    pub(crate) key: String,
    pub(crate) data_dir: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserBridge {
    pub(crate) owner: String,
    pub(crate) seal_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserObjects {
    pub(crate) store: String,
    pub(crate) dir: String,
    pub(crate) key: String,
    pub(crate) s3_bucket: String,
    pub(crate) s3_endpoint: String,
    pub(crate) s3_region: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserP2p {
    pub(crate) listen: String,
    pub(crate) peers: Vec<String>,
    pub(crate) transport_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserConsensus {
    pub(crate) timeout_propose_ms: u64,
    pub(crate) timeout_propose_delta_ms: u64,
    pub(crate) timeout_prevote_ms: u64,
    pub(crate) timeout_prevote_delta_ms: u64,
    pub(crate) timeout_precommit_ms: u64,
    pub(crate) timeout_precommit_delta_ms: u64,
    pub(crate) rebroadcast_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserMempool {
    pub(crate) transactions_max: usize,
    pub(crate) bytes_max: usize,
    pub(crate) per_member_max: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserBlock {
    pub(crate) interval_ms: u64,
    pub(crate) transactions_max: usize,
    pub(crate) bytes_max: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserLog {
    pub(crate) level: String,
}

/// Lays the user's tables over the defaults, key by key; unknown keys survive so that
/// deserialising refuses them by name.
pub(crate) fn merge(base: &mut toml::Table, user: toml::Table) {
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
