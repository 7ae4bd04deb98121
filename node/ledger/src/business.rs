//! Reads of the business state as of the tip: the `equity` book (holdings, fund balances,
//! product totals) and the commands the `bridge` contract recorded under idempotency keys.

use zl_contracts::bridge::{command_key, CommandRecord};
use zl_contracts::equity::{fund_key, holding_key, product_key, Fund, Holding, Product};

use crate::ledger::Ledger;
use crate::tables::State;
use crate::LedgerError;

impl Ledger {
    /// `account`'s holding of `product` (all zero if it holds none).
    pub fn equity_holding(&self, product: &str, account: &str) -> Result<Holding, LedgerError> {
        Ok(self
            .store
            .get_json::<State, Holding>(&holding_key(product, account))?
            .unwrap_or_default())
    }

    /// A product registered in the equity book, if it is.
    pub fn equity_product(&self, product: &str) -> Result<Option<Product>, LedgerError> {
        self.store.get_json::<State, Product>(&product_key(product))
    }

    /// `account`'s mapped fund balance (zero if none).
    pub fn equity_fund(&self, account: &str) -> Result<Fund, LedgerError> {
        Ok(self
            .store
            .get_json::<State, Fund>(&fund_key(account))?
            .unwrap_or_default())
    }

    /// The bridge command recorded under an idempotency key, if any.
    pub fn bridge_command(&self, key: &str) -> Result<Option<CommandRecord>, LedgerError> {
        self.store
            .get_json::<State, CommandRecord>(&command_key(key))
    }
}
