//! The state keys of the `equity` contract. `0x00` ends the product id in a holding key; ids
//! are data-model object ids (`[0-9A-Za-z._:-]`), which never hold one, so keys cannot collide.

/// Prefix of every key of this contract.
pub const PREFIX: &[u8] = b"equity/";

/// State key of a product's totals: `equity/product/` ‖ product id.
pub fn product_key(product: &str) -> Vec<u8> {
    [b"equity/product/".as_slice(), product.as_bytes()].concat()
}

/// Prefix of a product's holdings: `equity/holding/` ‖ product id ‖ 0x00. Scanning it lists
/// the product's register, by account id.
pub fn holding_prefix(product: &str) -> Vec<u8> {
    [b"equity/holding/".as_slice(), product.as_bytes(), &[0]].concat()
}

/// State key of one account's holding of a product: [`holding_prefix`] ‖ account id.
pub fn holding_key(product: &str, account: &str) -> Vec<u8> {
    [holding_prefix(product).as_slice(), account.as_bytes()].concat()
}

/// State key of an account's mapped fund balance: `equity/fund/` ‖ account id.
pub fn fund_key(account: &str) -> Vec<u8> {
    [b"equity/fund/".as_slice(), account.as_bytes()].concat()
}
