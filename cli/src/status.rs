//! `zl status`: what the node says about itself and its chain.

use crate::client::Client;
use crate::time::rfc3339_from_ms;
use serde::Deserialize;
use serde_json::Value;
use zl_types::{CryptoSuite, Hash};

/// The fields of `GET /v1/status` that zl uses.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NodeStatus {
    /// The chain's id.
    pub(crate) chain_id: String,
    /// The node's (or chain's) role, as the node words it.
    #[serde(default)]
    pub(crate) role: Value,
    /// The chain's crypto suite.
    pub(crate) crypto_suite: CryptoSuite,
    /// The chain's genesis hash.
    pub(crate) genesis_hash: Hash,
    /// The latest committed height.
    #[serde(default)]
    pub(crate) height: u64,
    /// The latest block's hash, once there is a block.
    #[serde(default)]
    pub(crate) latest_block_hash: Option<Value>,
    /// The latest block's time, Unix ms.
    #[serde(default)]
    pub(crate) latest_block_time: Option<u64>,
    /// Records in the evidence log.
    #[serde(default)]
    pub(crate) evidence_log_size: u64,
    /// Transactions waiting in the mempool.
    #[serde(default)]
    pub(crate) mempool_transactions: u64,
}

impl NodeStatus {
    /// Fetches the node's status.
    pub(crate) fn fetch(client: &Client) -> anyhow::Result<NodeStatus> {
        client.get_json("/v1/status")
    }
}

/// `zl status`: prints the node's status, or its raw JSON.
pub(crate) fn run(client: &Client, json: bool) -> anyhow::Result<()> {
    let raw: Value = client.get_json("/v1/status")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&raw)?);
        return Ok(());
    }
    let status: NodeStatus = serde_json::from_value(raw).map_err(|e| {
        anyhow::anyhow!("the node's status is not understood ({e}); try `zl status --json`")
    })?;
    print!("{}", render(client.base(), &status));
    Ok(())
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn render(node: &str, status: &NodeStatus) -> String {
    let latest = match (&status.latest_block_hash, status.latest_block_time) {
        (Some(hash), Some(time)) => format!("{} at {}", text(hash), rfc3339_from_ms(time)),
        (None, Some(time)) => rfc3339_from_ms(time),
        (Some(hash), None) => text(hash),
        (None, None) => "none yet".into(),
    };
    format!(
        "node:          {node}\n\
         chain:         {} ({})\n\
         crypto suite:  {}\n\
         genesis:       {}\n\
         height:        {}\n\
         latest block:  {latest}\n\
         evidence log:  {} records\n\
         mempool:       {} transactions\n",
        status.chain_id,
        text(&status.role),
        status.crypto_suite.name(),
        status.genesis_hash,
        status.height,
        status.evidence_log_size,
        status.mempool_transactions,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_a_status() {
        let status: NodeStatus = serde_json::from_value(json!({
            "chain_id": "shanghai", "role": "validator", "crypto_suite": "sm",
            "genesis_hash": Hash([1; 32]), "height": 12, "latest_block_hash": Hash([2; 32]),
            "latest_block_time": 1_714_552_200_123u64, "evidence_log_size": 40,
            "mempool_transactions": 3, "peers": 4
        }))
        .unwrap();
        let text = render("http://n:8700", &status);
        assert!(
            text.contains("chain:         shanghai (validator)"),
            "{text}"
        );
        assert!(text.contains("crypto suite:  sm"), "{text}");
        assert!(
            text.contains(&format!(
                "latest block:  {} at 2024-05-01T08:30:00.123Z",
                Hash([2; 32])
            )),
            "{text}"
        );
        assert!(text.contains("evidence log:  40 records"), "{text}");
        assert!(text.contains("mempool:       3 transactions"), "{text}");
    }
}
