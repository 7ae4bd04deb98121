//! Config files written by tools (`zld init`, `zl testnet`): the embedded defaults with a few
//! addresses replaced, so the operator still sees every key and its comment.

use std::net::SocketAddr;

use crate::DEFAULT_CONFIG_TOML;

/// The default `api.listen` line.
const API_LISTEN_LINE: &str = "listen = \"127.0.0.1:8700\"";
/// The default `p2p.listen` line.
const P2P_LISTEN_LINE: &str = "listen = \"127.0.0.1:8800\"";
/// The default `p2p.peers` line.
const P2P_PEERS_LINE: &str = "peers = []";

/// The default config text with the API address replaced (for `zld init --api`).
pub fn default_config_with_listen(listen: &str) -> String {
    replace_once(
        DEFAULT_CONFIG_TOML,
        API_LISTEN_LINE,
        &format!("listen = \"{listen}\""),
    )
}

/// The default config text with the API address, the peer-network address and the peers to
/// dial replaced (for `zl testnet`).
pub fn default_config_with_addresses(
    api_listen: SocketAddr,
    p2p_listen: SocketAddr,
    p2p_peers: &[SocketAddr],
) -> String {
    let text = replace_once(
        DEFAULT_CONFIG_TOML,
        API_LISTEN_LINE,
        &format!("listen = \"{api_listen}\""),
    );
    let text = replace_once(
        &text,
        P2P_LISTEN_LINE,
        &format!("listen = \"{p2p_listen}\""),
    );
    let peers: Vec<String> = p2p_peers.iter().map(|peer| format!("\"{peer}\"")).collect();
    replace_once(
        &text,
        P2P_PEERS_LINE,
        &format!("peers = [{}]", peers.join(", ")),
    )
}

/// Replaces the one occurrence of `line` (a line of the embedded defaults).
fn replace_once(text: &str, line: &str, with: &str) -> String {
    // The embedded defaults are ours; a missing line is a bug the tests catch.
    assert_eq!(
        text.matches(line).count(),
        1,
        "default.toml holds {line:?} once"
    );
    text.replacen(line, with, 1)
}
