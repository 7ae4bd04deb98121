//! The commands of the six JR/T 0317 protocols and the pilot's supervision calls, each as the
//! objects it writes in business order and the `equity` calls that decide it (docs/BRIDGE.md).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use zl_types::object::ObjectType;

use super::{BridgeError, Planner, HOLDINGS_MAX};

/// One holding of an issue, import or board change: an account, a quantity, and the
/// registration object recording it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holding {
    account: String,
    quantity: u64,
    #[serde(default)]
    registration: Option<Value>,
}

/// Runs one command on `planner`.
pub(super) fn run(
    planner: &mut Planner<'_>,
    protocol: &str,
    command: &str,
    request: &Value,
) -> Result<(), BridgeError> {
    match (protocol, command) {
        ("user_registration", "subject") => subject(planner, parse(request)?),
        ("user_registration", "account") => account(planner, parse(request)?),
        ("asset_registration", "product") => product(planner, parse(request)?),
        ("asset_registration", "issue") => issue(planner, parse(request)?),
        ("asset_registration", "increase") => increase(planner, parse(request)?),
        ("fund_mapping", method @ ("deposit" | "withdraw")) => {
            fund(planner, parse(request)?, method)
        }
        ("asset_mapping", "import") => import(planner, parse(request)?),
        ("transfer_management", "transfer") => transfer(planner, parse(request)?),
        ("transfer_management", kind @ ("lock" | "unlock")) => lock(planner, parse(request)?, kind),
        ("transfer_management", "change") => change(planner, parse(request)?),
        ("transfer_management", "changeboard") => changeboard(planner, parse(request)?),
        ("transfer_management", "recycle") => recycle(planner, parse(request)?),
        ("settlement_management", "settle") => settle(planner, parse(request)?),
        ("supervision", "publish") => publish(planner, parse(request)?),
        ("supervision", "update") => supervise_update(planner, parse(request)?),
        ("supervision", "delete") => supervise_delete(planner, parse(request)?),
        _ => Err(BridgeError::UnknownCommand(format!("{protocol}/{command}"))),
    }
}

/// The request as `T`; `time` and `remark`, which the planner read, are allowed beside.
fn parse<T: DeserializeOwned>(request: &Value) -> Result<T, BridgeError> {
    let mut members = request.as_object().cloned().unwrap_or_default();
    members.remove("time");
    members.remove("remark");
    serde_json::from_value(Value::Object(members)).map_err(|e| {
        BridgeError::BadRequest(format!(
            "the request does not have the command's shape: {e}"
        ))
    })
}

fn check_holdings(holdings: &[Holding]) -> Result<(), BridgeError> {
    if holdings.is_empty() || holdings.len() > HOLDINGS_MAX {
        return Err(BridgeError::BadRequest(format!(
            "/holdings: list 1 to {HOLDINGS_MAX} holdings, not {}; split a larger register into chunks",
            holdings.len()
        )));
    }
    Ok(())
}

fn positive(source: &str, value: u64) -> Result<(), BridgeError> {
    if value == 0 {
        return Err(BridgeError::BadRequest(format!(
            "{source}: must be at least 1"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectRequest {
    subject: Value,
}

/// 用户登记: a subject (enterprise, institution or investor), created or updated.
fn subject(p: &mut Planner<'_>, r: SubjectRequest) -> Result<(), BridgeError> {
    p.upsert(ObjectType::Subject, "/subject", &r.subject)
        .map(drop)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRequest {
    #[serde(default)]
    investor: Option<Value>,
    accounts: Vec<Value>,
}

/// 用户登记: the investor's subject (if given), then its accounts (securities, fund).
fn account(p: &mut Planner<'_>, r: AccountRequest) -> Result<(), BridgeError> {
    if r.accounts.is_empty() || r.accounts.len() > 8 {
        return Err(BridgeError::BadRequest(
            "/accounts: list 1 to 8 accounts".into(),
        ));
    }
    if let Some(investor) = &r.investor {
        p.upsert(ObjectType::Subject, "/investor", investor)?;
    }
    for (i, spec) in r.accounts.iter().enumerate() {
        p.create(ObjectType::Account, &format!("/accounts/{i}"), spec)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductRequest {
    #[serde(default)]
    issuer: Option<Value>,
    product: Value,
}

/// 资产登记 (the pilot's enterprise/issue): the issuer's subject (if given), the product, and
/// the product in the equity book.
fn product(p: &mut Planner<'_>, r: ProductRequest) -> Result<(), BridgeError> {
    if let Some(issuer) = &r.issuer {
        p.upsert(ObjectType::Subject, "/issuer", issuer)?;
    }
    let id = p.create(ObjectType::Product, "/product", &r.product)?;
    p.equity("register_product", json!({"product": id}));
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueRequest {
    product: String,
    holdings: Vec<Holding>,
}

/// 资产登记, initial registration (share/issue): a registration per holder and its shares.
fn issue(p: &mut Planner<'_>, r: IssueRequest) -> Result<(), BridgeError> {
    p.require(ObjectType::Product, "/product", &r.product)?;
    register_holdings(p, &r.product, &r.holdings, "issue")
}

/// For each holding: the account must exist, its registration is created, and `method`
/// (`issue`) credits the quantity.
fn register_holdings(
    p: &mut Planner<'_>,
    product: &str,
    holdings: &[Holding],
    method: &str,
) -> Result<(), BridgeError> {
    check_holdings(holdings)?;
    for (i, h) in holdings.iter().enumerate() {
        let at = format!("/holdings/{i}");
        positive(&format!("{at}/quantity"), h.quantity)?;
        p.require(ObjectType::Account, &format!("{at}/account"), &h.account)?;
        let registration = h.registration.as_ref().ok_or_else(|| {
            BridgeError::BadRequest(format!(
                "{at}/registration: give the holding's registration object"
            ))
        })?;
        p.create(
            ObjectType::Registration,
            &format!("{at}/registration"),
            registration,
        )?;
        p.equity(
            method,
            json!({"product": product, "account": h.account, "quantity": h.quantity}),
        );
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncreaseRequest {
    product: String,
    #[serde(default)]
    product_update: Option<Value>,
    #[serde(default)]
    issuer_update: Option<Value>,
    holdings: Vec<Holding>,
}

/// 资产登记, additional issue (share/increase): the product and issuer updated (if given), a
/// registration per new holding, and the shares credited.
fn increase(p: &mut Planner<'_>, r: IncreaseRequest) -> Result<(), BridgeError> {
    p.require(ObjectType::Product, "/product", &r.product)?;
    if let Some(spec) = &r.product_update {
        let id = p.update(ObjectType::Product, "/product_update", spec)?;
        if id != r.product {
            return Err(BridgeError::BadRequest(format!(
                "/product_update: updates {id:?}, but the command increases {:?}",
                r.product
            )));
        }
    }
    if let Some(spec) = &r.issuer_update {
        p.update(ObjectType::Subject, "/issuer_update", spec)?;
    }
    register_holdings(p, &r.product, &r.holdings, "issue")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FundRequest {
    account: String,
    amount: u64,
}

/// 资金映射: the custodian bank's movement on a fund account, mapped onto the chain's balance.
fn fund(p: &mut Planner<'_>, r: FundRequest, method: &str) -> Result<(), BridgeError> {
    positive("/amount", r.amount)?;
    p.require(ObjectType::Account, "/account", &r.account)?;
    p.equity(
        &format!("fund_{method}"),
        json!({"account": r.account, "amount": r.amount}),
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRequest {
    product: String,
    batch: String,
    chunk: u32,
    holdings: Vec<Holding>,
}

/// 资产映射: one chunk of an existing register; `GET /v1/bridge/asset_mapping/reconcile`
/// ends the import with the reconciliation report.
fn import(p: &mut Planner<'_>, r: ImportRequest) -> Result<(), BridgeError> {
    if r.batch.is_empty() || r.batch.len() > 128 {
        return Err(BridgeError::BadRequest(
            "/batch: name the import in 1 to 128 bytes".into(),
        ));
    }
    let _ = r.chunk;
    p.require(ObjectType::Product, "/product", &r.product)?;
    register_holdings(p, &r.product, &r.holdings, "issue")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    product: String,
    from: String,
    to: String,
    quantity: u64,
    report: Value,
    from_registration: Value,
    to_registration: Value,
}

/// 转让管理, a transfer (过户): its transaction report, both holders' registrations, and the
/// shares moved, which the equity book refuses beyond what `from` holds available.
fn transfer(p: &mut Planner<'_>, r: TransferRequest) -> Result<(), BridgeError> {
    positive("/quantity", r.quantity)?;
    p.require(ObjectType::Product, "/product", &r.product)?;
    p.require(ObjectType::Account, "/from", &r.from)?;
    p.require(ObjectType::Account, "/to", &r.to)?;
    p.create(ObjectType::TransactionReport, "/report", &r.report)?;
    p.create(
        ObjectType::Registration,
        "/from_registration",
        &r.from_registration,
    )?;
    p.create(
        ObjectType::Registration,
        "/to_registration",
        &r.to_registration,
    )?;
    p.equity(
        "transfer",
        json!({"product": r.product, "from": r.from, "to": r.to, "quantity": r.quantity}),
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockRequest {
    product: String,
    account: String,
    quantity: u64,
    kind: String,
    registration: Value,
    #[serde(default)]
    report: Option<Value>,
}

/// 转让管理, a lock or unlock (冻结/质押/限售 and their release): the report (if any), the
/// registration, and the shares moved between available and the `kind` bucket.
fn lock(p: &mut Planner<'_>, r: LockRequest, command: &str) -> Result<(), BridgeError> {
    positive("/quantity", r.quantity)?;
    if !matches!(r.kind.as_str(), "locked" | "frozen" | "pledged") {
        return Err(BridgeError::BadRequest(format!(
            "/kind: {:?} is not locked, frozen or pledged",
            r.kind
        )));
    }
    p.require(ObjectType::Product, "/product", &r.product)?;
    p.require(ObjectType::Account, "/account", &r.account)?;
    if let Some(report) = &r.report {
        p.create(ObjectType::TransactionReport, "/report", report)?;
    }
    p.create(ObjectType::Registration, "/registration", &r.registration)?;
    let method = if command == "lock" {
        "restrict"
    } else {
        "release"
    };
    p.equity(
        method,
        json!({"product": r.product, "account": r.account, "quantity": r.quantity, "kind": r.kind}),
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRequest {
    registrations: Vec<Value>,
}

/// 转让管理, a change of the shares' nature (股份性质变更): new registrations; quantities stay.
fn change(p: &mut Planner<'_>, r: ChangeRequest) -> Result<(), BridgeError> {
    if r.registrations.is_empty() || r.registrations.len() > HOLDINGS_MAX {
        return Err(BridgeError::BadRequest(format!(
            "/registrations: list 1 to {HOLDINGS_MAX}"
        )));
    }
    for (i, spec) in r.registrations.iter().enumerate() {
        p.create(
            ObjectType::Registration,
            &format!("/registrations/{i}"),
            spec,
        )?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeboardRequest {
    old_product: String,
    new_product: Value,
    holdings: Vec<Holding>,
}

/// 转让管理, a board change (转板): the old product deleted, the new one created, each holding
/// re-registered under it and moved in the equity book.
fn changeboard(p: &mut Planner<'_>, r: ChangeboardRequest) -> Result<(), BridgeError> {
    p.delete(ObjectType::Product, "/old_product", &r.old_product)?;
    let new = p.create(ObjectType::Product, "/new_product", &r.new_product)?;
    p.equity("register_product", json!({"product": new}));
    for h in &r.holdings {
        p.equity(
            "recycle",
            json!({"product": r.old_product, "account": h.account, "quantity": h.quantity}),
        );
    }
    register_holdings(p, &new, &r.holdings, "issue")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecycleRequest {
    product: String,
    holdings: Vec<Holding>,
    #[serde(default)]
    issuer_update: Option<Value>,
}

/// 转让管理, share recycling (回收): the issuer updated (if given) and the shares removed.
fn recycle(p: &mut Planner<'_>, r: RecycleRequest) -> Result<(), BridgeError> {
    check_holdings(&r.holdings)?;
    p.require(ObjectType::Product, "/product", &r.product)?;
    if let Some(spec) = &r.issuer_update {
        p.update(ObjectType::Subject, "/issuer_update", spec)?;
    }
    for (i, h) in r.holdings.iter().enumerate() {
        positive(&format!("/holdings/{i}/quantity"), h.quantity)?;
        if let Some(spec) = &h.registration {
            p.create(
                ObjectType::Registration,
                &format!("/holdings/{i}/registration"),
                spec,
            )?;
        }
        p.equity(
            "recycle",
            json!({"product": r.product, "account": h.account, "quantity": h.quantity}),
        );
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleRequest {
    product: String,
    seller: String,
    buyer: String,
    quantity: u64,
    amount: u64,
    report: Value,
    settlement: Value,
    seller_registration: Value,
    buyer_registration: Value,
}

/// 结算管理, delivery versus payment: the trade's report, its settlement, both registrations,
/// and one `equity.settle` that moves the shares and the funds together or not at all.
fn settle(p: &mut Planner<'_>, r: SettleRequest) -> Result<(), BridgeError> {
    positive("/quantity", r.quantity)?;
    positive("/amount", r.amount)?;
    p.require(ObjectType::Product, "/product", &r.product)?;
    p.require(ObjectType::Account, "/seller", &r.seller)?;
    p.require(ObjectType::Account, "/buyer", &r.buyer)?;
    p.create(ObjectType::TransactionReport, "/report", &r.report)?;
    p.create(ObjectType::Settlement, "/settlement", &r.settlement)?;
    p.create(
        ObjectType::Registration,
        "/seller_registration",
        &r.seller_registration,
    )?;
    p.create(
        ObjectType::Registration,
        "/buyer_registration",
        &r.buyer_registration,
    )?;
    p.equity(
        "settle",
        json!({"product": r.product, "seller": r.seller, "buyer": r.buyer,
               "quantity": r.quantity, "amount": r.amount}),
    );
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    disclosure: Value,
}

/// The pilot's infodisclosure/publish: a disclosure object.
fn publish(p: &mut Planner<'_>, r: PublishRequest) -> Result<(), BridgeError> {
    p.create(ObjectType::InfoDisclosure, "/disclosure", &r.disclosure)
        .map(drop)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuperviseUpdate {
    #[serde(rename = "type")]
    object_type: String,
    object: Value,
}

/// The pilot's superviseinfo/update: the next full version of any object.
fn supervise_update(p: &mut Planner<'_>, r: SuperviseUpdate) -> Result<(), BridgeError> {
    let object_type = object_type(&r.object_type)?;
    p.update(object_type, "/object", &r.object).map(drop)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuperviseDelete {
    #[serde(rename = "type")]
    object_type: String,
    object_id: String,
}

/// The pilot's superviseinfo/delete: the object deleted (an empty body at the next version).
fn supervise_delete(p: &mut Planner<'_>, r: SuperviseDelete) -> Result<(), BridgeError> {
    let object_type = object_type(&r.object_type)?;
    p.delete(object_type, "/object_id", &r.object_id)
}

fn object_type(name: &str) -> Result<ObjectType, BridgeError> {
    ObjectType::from_name(name).ok_or_else(|| {
        BridgeError::BadRequest(format!(
            "/type: {name:?} is not an object type: subject, account, product, transactionreport, registration, settlement or infodisclosure"
        ))
    })
}
