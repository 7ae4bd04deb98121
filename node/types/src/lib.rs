//! ZhengLian's pure data types and formats: everything an outsider must reproduce.
//!
//! No I/O, no clock, no randomness drawn here: time and random bytes are parameters.
#![forbid(unsafe_code)]

pub mod block;
pub mod canonical;
pub mod consensus_state;
pub mod crypto;
pub mod did;
pub mod error;
pub mod event;
pub mod evidence;
pub mod genesis;
pub mod governance;
pub mod hash;
pub mod keyfile;
pub mod merkle;
pub mod object;
pub mod receipt;
pub mod signed;
mod sm2_comb;
pub mod transaction;
pub mod validator_change;

pub use block::{
    BlockHeader, CommitCertificate, CommitSignature, Validator, ValidatorSet, VoteContent, VoteKind,
};
pub use consensus_state::{ConsensusState, ValidatorVote};
pub use crypto::{CryptoSuite, PublicKey, SecretKey, Signature};
pub use error::TypesError;
pub use event::Event;
pub use evidence::{EvidenceKind, EvidenceRecord, NotarizeArgs, RevokeArgs};
pub use genesis::{ChainRole, Genesis, Member, Role};
pub use governance::{GovernanceAction, Proposal, ProposalStatus, ProposeArgs, VoteArgs};
pub use hash::{Hash, HashAlgorithm, Hasher};
pub use keyfile::KeyFile;
pub use receipt::{EvidenceReceipt, ReceiptError};
pub use signed::{DoubleVote, ProposalContent, SignedProposal, SignedVote};
pub use transaction::{Call, CheckedTransaction, Transaction, TransactionBody};
pub use validator_change::ValidatorSetChange;
