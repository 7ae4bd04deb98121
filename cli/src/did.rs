//! `zl did`: write DID documents, create DIDs, update their documents, rotate keys, deactivate
//! and resolve them (JR/T 0325; docs/DID.md, PROTOCOL §18).

pub(crate) mod chain;
mod change;
mod document;
mod proof;
mod resolve;

use crate::client::Client;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// `zl did …`
#[derive(Subcommand)]
pub(crate) enum DidCommand {
    /// Write a DID document for a key file's public key (offline): one verification method
    /// `<DID>#<fragment>`, used for authentication and assertions. Use it for `create` and
    /// `update`.
    Doc {
        /// The DID, e.g. did:rem:shanghai:91310000564759688N.
        #[arg(long, value_name = "DID")]
        did: String,
        /// The key file whose public key the document holds (no passphrase needed).
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
        /// The verification method's fragment.
        #[arg(long, default_value = "keys-1")]
        fragment: String,
        /// A DID allowed to change the document (repeat for several) [default: the DID itself].
        #[arg(long, value_name = "DID")]
        controller: Vec<String>,
        /// A service, as id=URI,type=NAME,endpoint=URI (repeat type= for several types; repeat
        /// the option for several services).
        #[arg(long, value_name = "id=URI,type=T,endpoint=URI")]
        service: Vec<String>,
        /// The document file to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Create a DID with its document (the chain's DID authority only); waits for the commit
    /// and shows the DID at version 1.
    Create {
        /// The DID document (JSON; `zl did doc` writes one).
        #[arg(long, value_name = "FILE")]
        document: PathBuf,
        /// The DID authority's key file (ZL_PASSPHRASE opens an encrypted one).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// For an investor DID: the allocator's signature over the code (`zl did allocate`).
        #[arg(long, value_name = "HEX")]
        allocation: Option<String>,
    },
    /// Allocate an investor code to the node's chain: the allocator signs it (PROTOCOL §18.2)
    /// and the signature is printed, for `zl did create --allocation`.
    Allocate {
        /// The investor code, e.g. Q123456789.
        #[arg(long)]
        code: String,
        /// The allocator's key file (the key governance set with set_investor_allocator).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Replace a DID's document, authorised by a controller's key; waits for the commit and
    /// shows the new version.
    Update {
        /// The DID.
        #[arg(long, value_name = "DID")]
        did: String,
        /// The new document (its id stays the DID).
        #[arg(long, value_name = "FILE")]
        document: PathBuf,
        /// The controller's key file that signs the change.
        #[arg(long, value_name = "FILE")]
        controller_key: PathBuf,
        /// The controller's authentication method holding that key, <DID>#<fragment> [default:
        /// the one found in the controllers' current documents].
        #[arg(long, value_name = "ID")]
        method: Option<String>,
        /// The key file of the member that submits the transaction (a Submitter or the DID
        /// authority).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Replace the key of one of a DID's verification methods by a new key, signed with the old
    /// key; waits for the commit and shows the new version.
    Rotate {
        /// The DID.
        #[arg(long, value_name = "DID")]
        did: String,
        /// The old key's file: it signs the rotation.
        #[arg(long, value_name = "FILE")]
        controller_key: PathBuf,
        /// The method whose key is replaced, <DID>#<fragment> [default: the DID's method holding
        /// the old key].
        #[arg(long, value_name = "ID")]
        method: Option<String>,
        /// The new key's file (no passphrase needed: only its public key is read).
        #[arg(long, value_name = "FILE")]
        new_key: PathBuf,
        /// Give the method this new fragment [default: keep its id].
        #[arg(long, value_name = "FRAGMENT")]
        new_fragment: Option<String>,
        /// The key file of the member that submits the transaction.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Deactivate a DID (final): by the DID authority alone, or relayed with a controller's
    /// proof; waits for the commit and shows the DID.
    Deactivate {
        /// The DID.
        #[arg(long, value_name = "DID")]
        did: String,
        /// Why (1 to 1024 bytes, kept on chain).
        #[arg(long)]
        reason: String,
        /// The key file of the signer: the DID authority, or with --controller-key any member
        /// that submits.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// A controller's key file, to attach the controller's proof.
        #[arg(long, value_name = "FILE")]
        controller_key: Option<PathBuf>,
        /// The controller's authentication method holding that key [default: found].
        #[arg(long, value_name = "ID", requires = "controller_key")]
        method: Option<String>,
    },
    /// Resolve a DID: its document and metadata, now or at a version. Exit 0 found (deactivated
    /// too), 1 not found.
    Resolve {
        /// The DID.
        did: String,
        /// The version wanted [default: the newest].
        #[arg(long, value_name = "N")]
        version: Option<u64>,
        /// Print the JR/T 0325 resolution result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `zl did` command against the node at `node` (`doc` works offline).
pub(crate) fn run(command: DidCommand, node: &str) -> anyhow::Result<ExitCode> {
    // Offline commands never build a client, so a bad --node cannot get in their way.
    let client = || Client::new(node);
    match command {
        DidCommand::Doc {
            did,
            key_file,
            fragment,
            controller,
            service,
            out,
        } => {
            let spec = document::DocSpec {
                did,
                key_file,
                fragment,
                controllers: controller,
                services: service,
            };
            document::write(&spec, &out).map(|()| ExitCode::SUCCESS)
        }
        DidCommand::Create {
            document,
            key,
            allocation,
        } => change::create(&client()?, &document, &key, allocation.as_deref()),
        DidCommand::Allocate { code, key } => change::allocate(&client()?, &code, &key),
        DidCommand::Update {
            did,
            document,
            controller_key,
            method,
            key,
        } => {
            let signer = proof::ControllerSigner {
                key_path: controller_key,
                method,
            };
            change::update(&client()?, &did, &document, &signer, &key)
        }
        DidCommand::Rotate {
            did,
            controller_key,
            method,
            new_key,
            new_fragment,
            key,
        } => {
            let rotation = change::Rotation {
                old_key: controller_key,
                method,
                new_key,
                new_fragment,
            };
            change::rotate(&client()?, &did, &rotation, &key)
        }
        DidCommand::Deactivate {
            did,
            reason,
            key,
            controller_key,
            method,
        } => {
            let signer =
                controller_key.map(|key_path| proof::ControllerSigner { key_path, method });
            change::deactivate(&client()?, &did, &reason, signer.as_ref(), &key)
        }
        DidCommand::Resolve { did, version, json } => resolve::run(&client()?, &did, version, json),
    }
}
