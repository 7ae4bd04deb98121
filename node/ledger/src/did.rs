//! Reads of the `did` contract's state as of the tip: a DID's head and any version of its
//! document (every version is kept).

use crate::ledger::Ledger;
use crate::tables::State;
use crate::LedgerError;
use zl_contracts::did::{head_key, version_key, DidHead, DidVersion};

impl Ledger {
    /// A DID's head (current version, times, deactivation), if the DID exists on this chain.
    pub fn did_head(&self, did: &str) -> Result<Option<DidHead>, LedgerError> {
        self.store.get_json::<State, DidHead>(&head_key(did))
    }

    /// Version `version` of a DID's document, if it exists.
    pub fn did_version(&self, did: &str, version: u64) -> Result<Option<DidVersion>, LedgerError> {
        self.store
            .get_json::<State, DidVersion>(&version_key(did, version))
    }
}
