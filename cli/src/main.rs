//! `zl`, the ZhengLian client: keys, evidence notarisation and offline verification, node queries.
//!
//! Exit codes: 0 success; 1 a negative answer (an invalid receipt, a transaction the node
//! refused or that failed, no records found); 2 the command could not be carried out (bad usage,
//! unreadable files, node unreachable, a query the node refused).

mod bench;
mod bridge;
mod client;
mod commits;
mod did;
mod digest;
mod files;
mod governance;
mod keys;
mod login;
mod notarize;
mod object;
mod plan;
mod progress;
mod receipt_writer;
mod receipts;
mod show;
mod sign;
mod status;
mod submit;
mod testnet;
mod time;
mod tx;
mod vc;
mod verify;
mod work;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code of a negative answer: invalid receipt, failed transaction, nothing found.
const EXIT_NEGATIVE: u8 = 1;
/// Exit code of a command that could not be carried out.
const EXIT_ERROR: u8 = 2;

/// zl, the ZhengLian client and operator tool.
#[derive(Parser)]
#[command(
    name = "zl",
    version,
    about,
    after_help = "Exit codes: 0 ok, 1 negative answer (invalid receipt, failed transaction, nothing found), 2 error."
)]
struct Cli {
    /// The node's API address.
    #[arg(long, global = true, env = "ZL_NODE", default_value = client::NODE_URL_DEFAULT, value_name = "URL")]
    node: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and show key files.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Notarise files, verify receipts, look evidence up.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Show the node's status.
    Status {
        /// Print the node's raw JSON.
        #[arg(long)]
        json: bool,
    },
    /// Submit and look up transactions.
    #[command(subcommand)]
    Tx(TxCommand),
    /// Propose and vote on changes to the members and validators (governors), show proposals.
    #[command(subcommand)]
    Governance(governance::GovernanceCommand),
    /// Make DID documents; create, update, rotate, deactivate and resolve DIDs (JR/T 0325).
    #[command(subcommand)]
    Did(did::DidCommand),
    /// Issue, verify and revoke verifiable credentials (JR/T 0325 §9.4, §9.5, §9.7).
    #[command(subcommand)]
    Vc(vc::VcCommand),
    /// Create and verify verifiable presentations (JR/T 0325 §9.6).
    #[command(subcommand)]
    Vp(vc::VpCommand),
    /// Prove control of a DID to a node (JR/T 0325 §9.3) and get a session token.
    Login(login::LoginArgs),
    /// Seal and verify business data objects offline (docs/DATA-MODEL.md).
    #[command(subcommand)]
    Object(object::ObjectCommand),
    /// Send one command of the communication bridge (通讯桥, JR/T 0317) and print its answer.
    /// Exit 1 when the node refuses it (its message on stderr); `replayed` on stderr when the
    /// node answers a retry of a command it committed before.
    Bridge {
        /// The protocol: user_registration, asset_registration, fund_mapping, asset_mapping,
        /// transfer_management, settlement_management or supervision.
        protocol: String,
        /// The command, e.g. subject, account, product, issue, deposit, transfer, settle.
        command: String,
        /// The request body (JSON), sent byte for byte.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The business event's idempotency key (1-128 of 0-9 A-Z a-z . _ : -): a retry with
        /// the same key and the same file answers the first answer again.
        #[arg(long, value_name = "KEY")]
        idempotency_key: String,
    },
    /// Benchmarks against a throw-away local node (see docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Write the keys, configs and genesis of a local network of N validators (127.0.0.1).
    Testnet(testnet::TestnetArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key file (mode 0600; never overwrites) and print its public key.
    New {
        /// The key file to create.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The crypto suite: the chain's (see `zl status`).
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "sm"])]
        suite: String,
        /// Encrypt the key with the passphrase in ZL_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
    /// Print the public key of a key file.
    Show {
        /// The key file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Notarise files and folders and write one receipt per file.
    Notarize {
        /// The signing key file (ZL_PASSPHRASE opens an encrypted one).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Category of the records, e.g. contract, invoice, snapshot.
        #[arg(long, default_value = "file")]
        category: String,
        /// Title of the records [default: the file name, or "<n> files" for a batch].
        #[arg(long)]
        title: Option<String>,
        /// Your business reference.
        #[arg(long, default_value = "")]
        reference: String,
        /// Data security level 1-4 (JR/T 0158).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
        security_level: u8,
        /// Distinct documents per transaction (one evidence record each).
        #[arg(long, default_value_t = plan::DOCUMENTS_PER_TRANSACTION_DEFAULT as u64,
              value_parser = clap::value_parser!(u64).range(1..=plan::DOCUMENTS_PER_TRANSACTION_MAX as u64))]
        documents_per_tx: u64,
        /// Write receipts under DIR, mirroring the files' paths, instead of beside the files.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Files and folders to notarise (folders recursively).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Verify a file against its receipt and the chain's genesis, offline.
    Verify {
        /// The file.
        file: PathBuf,
        /// Its receipt [default: FILE.receipt.json].
        #[arg(long, value_name = "FILE")]
        receipt: Option<PathBuf>,
        /// The chain's genesis file.
        #[arg(long, value_name = "FILE")]
        genesis: PathBuf,
    },
    /// Show every record holding a digest (online), corrections and revocations included.
    Show {
        /// The document digest, 64 hex characters.
        digest: String,
        /// Print the node's raw JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TxCommand {
    /// Submit a signed transaction JSON file.
    Submit {
        /// The transaction file.
        file: PathBuf,
        /// Wait for the commit and print the outcome.
        #[arg(long)]
        wait: bool,
    },
    /// Print a transaction's status, outcome and events.
    Get {
        /// The transaction id, 64 hex characters.
        id: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Offline commands never build a client, so a bad --node cannot get in their way.
    let client = || client::Client::new(&cli.node);
    match cli.command {
        Command::Keys(KeysCommand::New {
            out,
            suite,
            encrypt,
        }) => keys::new(&out, &suite, encrypt).map(|()| ExitCode::SUCCESS),
        Command::Keys(KeysCommand::Show { file }) => keys::show(&file).map(|()| ExitCode::SUCCESS),
        Command::Evidence(EvidenceCommand::Notarize {
            key,
            category,
            title,
            reference,
            security_level,
            documents_per_tx,
            out_dir,
            paths,
        }) => {
            let options = notarize::NotarizeOptions {
                key,
                category,
                title,
                reference,
                security_level,
                // The value parser bounds it by DOCUMENTS_PER_TRANSACTION_MAX.
                documents_per_transaction: documents_per_tx as usize,
                out_dir,
                paths,
            };
            notarize::run(&client()?, &options)
        }
        Command::Evidence(EvidenceCommand::Verify {
            file,
            receipt,
            genesis,
        }) => {
            let receipt =
                receipt.unwrap_or_else(|| files::with_suffix(&file, files::RECEIPT_SUFFIX));
            verify::run(&file, &receipt, &genesis)
        }
        Command::Evidence(EvidenceCommand::Show { digest, json }) => {
            show::run(&client()?, &digest, json)
        }
        Command::Status { json } => status::run(&client()?, json).map(|()| ExitCode::SUCCESS),
        Command::Tx(TxCommand::Submit { file, wait }) => tx::submit(&client()?, &file, wait),
        Command::Tx(TxCommand::Get { id }) => tx::get(&client()?, &id).map(|()| ExitCode::SUCCESS),
        Command::Governance(command) => governance::run(command, &client()?),
        Command::Did(command) => did::run(command, &cli.node),
        Command::Vc(command) => vc::run_vc(command, &client()?),
        Command::Vp(command) => vc::run_vp(command, &client()?),
        Command::Login(args) => login::run(args, &client()?),
        Command::Object(command) => object::run(command, &cli.node),
        Command::Bridge {
            protocol,
            command,
            file,
            idempotency_key,
        } => bridge::run(&client()?, &protocol, &command, &file, &idempotency_key),
        Command::Bench(command) => bench::run(command, &cli.node),
        Command::Testnet(args) => testnet::run(&args).map(|()| ExitCode::SUCCESS),
    }
}
