//! A market on a local business chain, as the object and bridge tests need it: the node's key
//! made validator, governor, DID authority and submitter, and the market's DID created with an
//! SM2 seal key as its assertion method.

use crate::{path_str, Node};
use std::path::{Path, PathBuf};

/// The market's DID (a valid unified social credit code on chain `shanghai`).
pub const MARKET_DID: &str = "did:rem:shanghai:91310000564759688N";

/// `zl --node NODE ARGS...`, which must exit 0; answers its stdout.
pub fn zl_ok(node: &Node, args: &[&str]) -> String {
    let output = node.zl_exit(args, 0);
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// Writes an SM2 key file at `path` with `zl keys new`.
pub fn new_sm2_key(node: &Node, path: &Path) {
    zl_ok(
        node,
        &["keys", "new", "--suite", "sm", "--out", path_str(path)],
    );
}

/// Gives the node's key every role the market needs, then creates [`MARKET_DID`] with the SM2
/// key at `seal_key` (created if missing) as its key. Answers the node key's path.
pub fn open_market(node: &Node, seal_key: &Path, scratch: &Path) -> PathBuf {
    let node_key = node.home.join("node.key");
    let public = zl_ok(node, &["keys", "show", path_str(&node_key)]);
    let roles = serde_json::json!({"type": "set_roles", "public_key": public.trim(),
        "roles": ["validator", "governor", "did_authority", "submitter"]});
    zl_ok(
        node,
        &[
            "governance",
            "propose",
            "--key",
            path_str(&node_key),
            "--action",
            &roles.to_string(),
        ],
    );
    if !seal_key.exists() {
        new_sm2_key(node, seal_key);
    }
    let document = scratch.join("market-did.json");
    zl_ok(
        node,
        &[
            "did",
            "doc",
            "--did",
            MARKET_DID,
            "--key-file",
            path_str(seal_key),
            "--out",
            path_str(&document),
        ],
    );
    zl_ok(
        node,
        &[
            "did",
            "create",
            "--document",
            path_str(&document),
            "--key",
            path_str(&node_key),
        ],
    );
    node_key
}

/// `zl login` as [`MARKET_DID`] with its seal key; answers the session token.
pub fn login_as_market(node: &Node, seal_key: &Path) -> String {
    let method = format!("{MARKET_DID}#keys-1");
    let answer = zl_ok(
        node,
        &[
            "login",
            "--did",
            MARKET_DID,
            "--method",
            &method,
            "--key",
            path_str(seal_key),
        ],
    );
    let session: serde_json::Value = serde_json::from_str(&answer).expect("zl login prints JSON");
    session["token"].as_str().expect("a token").to_string()
}
