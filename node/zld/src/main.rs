//! zld, the ZhengLian node daemon: `init`, `start` and `dev`.

mod clock;
mod driver;
mod home;
mod node;
mod store;
mod wire;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use zl_types::{ChainRole, CryptoSuite};

/// mimalloc instead of the system allocator: under the bridge's load glibc's malloc and free
/// were a sixth of the node's CPU (docs/BENCHMARKS.md, "Bridge").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The ZhengLian node.
#[derive(Parser)]
#[command(name = "zld", version, about = "ZhengLian (证链) node daemon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a node home: config.toml, genesis.json, node.key (validator) and client.key (member).
    Init(InitArgs),
    /// Run the node whose home is DIR (the API address lives in DIR/config.toml).
    Start {
        /// The node's home directory.
        #[arg(long)]
        home: PathBuf,
    },
    /// Create (or reuse) a single-validator development chain in DIR and run it.
    Dev {
        /// The chain's home directory.
        #[arg(long, default_value = "zl-dev")]
        home: PathBuf,
        /// API listen address (overrides the home's config).
        #[arg(long)]
        api: Option<String>,
        /// Crypto suite of a new chain.
        #[arg(long, default_value = "ed25519", value_parser = parse_suite)]
        suite: CryptoSuite,
    },
}

/// Options of `zld init` (and of the home `zld dev` creates).
#[derive(clap::Args, Clone)]
struct InitArgs {
    /// Directory to create the node home in.
    #[arg(long)]
    home: PathBuf,
    /// The chain id.
    #[arg(long, default_value = "dev")]
    chain_id: String,
    /// The chain's role in the dual-layer network.
    #[arg(long, default_value = "local_business", value_parser = parse_role)]
    role: ChainRole,
    /// Crypto suite of the chain's own signatures and hashes.
    #[arg(long, default_value = "ed25519", value_parser = parse_suite)]
    suite: CryptoSuite,
    /// API listen address written into config.toml.
    #[arg(long, default_value = "127.0.0.1:8700")]
    api: String,
    /// Peer-network listen address written into config.toml.
    #[arg(long, default_value = "127.0.0.1:8800")]
    p2p: String,
}

fn parse_suite(text: &str) -> Result<CryptoSuite, String> {
    CryptoSuite::parse(text).map_err(|e| e.to_string())
}

fn parse_role(text: &str) -> Result<ChainRole, String> {
    match text {
        "local_business" => Ok(ChainRole::LocalBusiness),
        "regulatory" => Ok(ChainRole::Regulatory),
        other => Err(format!(
            "unknown role {other:?}: use local_business or regulatory"
        )),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Init(args) => {
            home::init(&args)?;
            println!("created node home {}", args.home.display());
            Ok(())
        }
        Command::Start { home } => node::run(&home, None),
        Command::Dev { home, api, suite } => {
            if !home.join(zl_config::CONFIG_FILE).exists() {
                let args = InitArgs {
                    home: home.clone(),
                    chain_id: "dev".into(),
                    role: ChainRole::LocalBusiness,
                    suite,
                    api: api.clone().unwrap_or_else(|| "127.0.0.1:8700".into()),
                    // A lone development chain has no peers: any free port will do.
                    p2p: "127.0.0.1:0".into(),
                };
                home::init(&args)?;
                println!("zld: created a development chain in {}", home.display());
            } else {
                println!("zld: reusing the development chain in {}", home.display());
            }
            println!("zld: genesis {}", home.join("genesis.json").display());
            println!(
                "zld: member key for local use {}",
                home.join(home::CLIENT_KEY).display()
            );
            node::run(&home, api)
        }
    }
}
