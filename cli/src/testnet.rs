//! `zl testnet`: the keys, configs and genesis of a local network of validators and full nodes
//! on 127.0.0.1, one node home per node, ready for `zld start --home DIR/nodeI`.

use anyhow::{bail, Context as _};
use rand_core::OsRng;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use zl_types::{
    ChainRole, CryptoSuite, Genesis, KeyFile, Member, Role, SecretKey, Validator, ValidatorSet,
};

/// Validators a testnet may have, at most.
const VALIDATORS_MAX: u64 = 64;
/// Nodes (validators and full nodes) a testnet may have, at most: node I's peer port is
/// base + 100 + I, so more would collide with the API ports.
const NODES_MAX: u64 = 100;
/// The peer ports sit this far above the API ports.
const P2P_PORT_OFFSET: u16 = 100;
/// The first API port, by default.
const BASE_PORT_DEFAULT: u16 = 27_000;
/// The node's chain key, inside its home (zld's default `node.key`).
const NODE_KEY: &str = "node.key";
/// The node's transport key, inside its home (zld's default `p2p.transport_key`).
const TRANSPORT_KEY: &str = "transport.key";
/// The genesis file, inside the testnet directory and each home.
const GENESIS: &str = "genesis.json";
/// The submitter key, inside the testnet directory.
const CLIENT_KEY: &str = "client.key";

/// Options of `zl testnet`.
#[derive(clap::Args)]
pub(crate) struct TestnetArgs {
    /// Validators, 1 to 64 (nodes node0 … node{N-1}).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=VALIDATORS_MAX))]
    validators: u64,
    /// Full nodes that follow the chain without voting (nodes after the validators).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..NODES_MAX))]
    full_nodes: u64,
    /// The directory to write the testnet into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The chain's crypto suite (transport keys are Ed25519 on every chain).
    #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "sm"])]
    suite: String,
    /// Node I's API listens on 127.0.0.1:(P+I), its peer network on 127.0.0.1:(P+100+I).
    #[arg(long, value_name = "P", default_value_t = BASE_PORT_DEFAULT,
          value_parser = clap::value_parser!(u16).range(1024..))]
    base_port: u16,
    /// The chain id.
    #[arg(long, default_value = "testnet")]
    chain_id: String,
    /// Write into a non-empty DIR, replacing the node directories (ledgers included), the
    /// genesis and the client key a previous `zl testnet` wrote there.
    #[arg(long)]
    force: bool,
}

/// One node of the testnet, before it is written.
struct NodePlan {
    name: String,
    validator: bool,
    chain_key: SecretKey,
    transport_key: SecretKey,
    api: SocketAddr,
    p2p: SocketAddr,
}

/// `zl testnet`: plans every node, checks the genesis, then writes the files and a summary.
pub(crate) fn run(args: &TestnetArgs) -> anyhow::Result<()> {
    let suite = CryptoSuite::parse(&args.suite)?;
    zl_types::genesis::check_chain_id(&args.chain_id)?;
    let nodes = plan_nodes(args, suite)?;
    let client = SecretKey::generate(suite, &mut OsRng);
    let genesis = genesis(args, suite, &nodes, &client);
    genesis
        .check()
        .context("the generated genesis is not valid")?;
    prepare_out(args)?;
    let mut genesis_text = serde_json::to_string_pretty(&genesis)?;
    genesis_text.push('\n');
    write_file(&args.out.join(GENESIS), &genesis_text)?;
    write_key(&args.out.join(CLIENT_KEY), &client)?;
    for node in &nodes {
        let home = args.out.join(&node.name);
        std::fs::create_dir_all(&home)
            .with_context(|| format!("cannot create {}", home.display()))?;
        write_key(&home.join(NODE_KEY), &node.chain_key)?;
        write_key(&home.join(TRANSPORT_KEY), &node.transport_key)?;
        write_file(&home.join(GENESIS), &genesis_text)?;
        let peers: Vec<SocketAddr> = nodes
            .iter()
            .filter(|other| other.name != node.name)
            .map(|other| other.p2p)
            .collect();
        let config = zl_config::default_config_with_addresses(node.api, node.p2p, &peers);
        write_file(&home.join(zl_config::CONFIG_FILE), &config)?;
    }
    print_summary(args, &nodes);
    Ok(())
}

/// Keys and addresses of every node; refuses counts and ports that do not fit.
fn plan_nodes(args: &TestnetArgs, suite: CryptoSuite) -> anyhow::Result<Vec<NodePlan>> {
    let count = args.validators + args.full_nodes;
    if count > NODES_MAX {
        bail!(
            "{} validators and {} full nodes make {count} nodes; a testnet has at most {NODES_MAX} (the peer ports sit {P2P_PORT_OFFSET} above the API ports)",
            args.validators,
            args.full_nodes
        );
    }
    let last_port = u64::from(args.base_port) + u64::from(P2P_PORT_OFFSET) + count - 1;
    if last_port > u64::from(u16::MAX) {
        bail!(
            "--base-port {} leaves no room for {count} nodes: the last peer port would be {last_port}; choose a base port of at most {}",
            args.base_port,
            u64::from(u16::MAX) - u64::from(P2P_PORT_OFFSET) - (count - 1)
        );
    }
    let port = |offset: u64| {
        // In range: checked against u16::MAX above.
        let port = u16::try_from(u64::from(args.base_port) + offset).expect("port fits");
        SocketAddr::from((Ipv4Addr::LOCALHOST, port))
    };
    Ok((0..count)
        .map(|index| NodePlan {
            name: format!("node{index}"),
            validator: index < args.validators,
            chain_key: SecretKey::generate(suite, &mut OsRng),
            transport_key: SecretKey::generate(CryptoSuite::Ed25519, &mut OsRng),
            api: port(index),
            p2p: port(u64::from(P2P_PORT_OFFSET) + index),
        })
        .collect())
}

/// Validators with power 1; every node a member holding its transport key (validators also
/// govern; full nodes hold no role, which still lets them connect and sync); the client submits.
fn genesis(
    args: &TestnetArgs,
    suite: CryptoSuite,
    nodes: &[NodePlan],
    client: &SecretKey,
) -> Genesis {
    let validators = nodes
        .iter()
        .filter(|node| node.validator)
        .map(|node| Validator {
            name: node.name.clone(),
            public_key: node.chain_key.public_key(),
            power: 1,
        })
        .collect();
    let mut members: Vec<Member> = nodes
        .iter()
        .map(|node| Member {
            name: node.name.clone(),
            public_key: node.chain_key.public_key(),
            roles: if node.validator {
                vec![Role::Validator, Role::Governor]
            } else {
                Vec::new()
            },
            transport_key: Some(node.transport_key.public_key()),
        })
        .collect();
    members.push(Member {
        name: "testnet client".into(),
        public_key: client.public_key(),
        roles: vec![Role::Submitter],
        transport_key: None,
    });
    Genesis {
        chain_id: args.chain_id.clone(),
        role: ChainRole::LocalBusiness,
        crypto_suite: suite,
        genesis_time: crate::time::now_ms(),
        validators: ValidatorSet { validators },
        members,
    }
}

/// Makes `out` ready: refuses a non-empty one without `--force`; with it, removes only what a
/// testnet writes (the `nodeI` homes, the genesis, the client key), so a stale ledger cannot
/// meet the new genesis.
fn prepare_out(args: &TestnetArgs) -> anyhow::Result<()> {
    let out = &args.out;
    let occupied = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    if occupied && !args.force {
        bail!(
            "{} is not empty; choose another --out, or pass --force to replace the testnet in it (its nodes' ledgers included)",
            out.display()
        );
    }
    if occupied {
        // Every nodeI, not only this size's: a leftover node of a larger testnet would hold
        // the old genesis and dial peers that no longer exist.
        for entry in std::fs::read_dir(out)? {
            let entry = entry?;
            if is_node_dir_name(&entry.file_name().to_string_lossy()) && entry.path().is_dir() {
                std::fs::remove_dir_all(entry.path())
                    .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            }
        }
    }
    for name in [GENESIS, CLIENT_KEY] {
        let path = out.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}

/// `node` followed by digits: a node home `zl testnet` writes.
fn is_node_dir_name(name: &str) -> bool {
    name.strip_prefix("node")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes a key file readable by its owner only (0600 from creation, never wider).
fn write_key(path: &Path, key: &SecretKey) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(&KeyFile::plain(key))?;
    text.push('\n');
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create key file {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write key file {}", path.display()))
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn print_summary(args: &TestnetArgs, nodes: &[NodePlan]) {
    let out = args.out.display();
    let plural = |count: u64, noun: &str| match count {
        1 => format!("1 {noun}"),
        _ => format!("{count} {noun}s"),
    };
    println!(
        "wrote testnet {:?} ({} suite): {}, {}, in {out}",
        args.chain_id,
        args.suite,
        plural(args.validators, "validator"),
        plural(args.full_nodes, "full node")
    );
    println!();
    println!("  {:<8} {:<10} {:<24} p2p", "node", "role", "API");
    for node in nodes {
        let role = if node.validator {
            "validator"
        } else {
            "full node"
        };
        let api = format!("http://{}", node.api);
        println!("  {:<8} {role:<10} {api:<24} {}", node.name, node.p2p);
    }
    println!();
    println!("start each node (one terminal each, or in the background):");
    for node in nodes {
        println!("  zld start --home {out}/{}", node.name);
    }
    println!();
    println!("submitter key: {out}/{CLIENT_KEY}");
    println!("genesis (verifiers need it): {out}/{GENESIS}");
    if let Some(first) = nodes.first() {
        println!("then: zl --node http://{} status", first.api);
    }
}
