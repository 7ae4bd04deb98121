//! Reads of the `did` contract's state as of the tip: a DID's head and any version of its
//! document (every version is kept), credential status, issuer registrations and the investor
//! allocator.

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

impl Ledger {
    /// The status record of credential `id` of `issuer`, if it was registered on this chain.
    pub fn credential_status(
        &self,
        issuer: &str,
        id: &str,
    ) -> Result<Option<zl_contracts::credential::StatusRecord>, LedgerError> {
        self.store
            .get_json::<State, _>(&zl_contracts::credential::status_key(issuer, id))
    }

    /// The registration of credential issuer `did`, if governance registered it.
    pub fn credential_issuer(
        &self,
        did: &str,
    ) -> Result<Option<zl_contracts::credential::IssuerRegistration>, LedgerError> {
        self.store
            .get_json::<State, _>(&zl_contracts::credential::issuer_key(did))
    }

    /// The investor-code allocator's key, if governance set one.
    pub fn investor_allocator(&self) -> Result<Option<zl_types::PublicKey>, LedgerError> {
        self.store
            .get_json::<State, _>(zl_contracts::did::governed::ALLOCATOR_KEY)
    }
}
