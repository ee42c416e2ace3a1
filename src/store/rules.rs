//! Rules both backends apply the same way inside their transactions: who may open an
//! account under whom, the kinds of ledger rows, what an order costs, and which columns
//! a DID filter or routing patch touches.

use super::{StoreError, StoreResult};
use crate::domain::account::{Account, NewAccount};
use crate::domain::did_requests::{DidFilter, RoutingPatch};
use crate::domain::{DidStatus, DomainError, Money};

/// Why a ledger row was written (the `ledger.kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Credit,
    Order,
    /// A monthly period of a number (`billing_periods` names it).
    Renewal,
    /// An outbound SMS's fee (`ledger.e164` names the sending number).
    Sms,
    /// An outbound SMS's fee given back (Kannel refused it).
    Refund,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Credit => "credit",
            LedgerKind::Order => "order",
            LedgerKind::Renewal => "renewal",
            LedgerKind::Sms => "sms",
            LedgerKind::Refund => "refund",
        }
    }
}

/// One balance change of a main account, as its ledger row records it.
#[derive(Debug, Clone, Copy)]
pub struct LedgerEntry<'a> {
    pub account: &'a str,
    /// Negative for a debit.
    pub amount: Money,
    pub kind: LedgerKind,
    pub order_id: Option<i64>,
    /// The number the row is about (a renewal, an SMS).
    pub e164: Option<&'a str>,
    pub memo: &'a str,
    pub at: crate::domain::Timestamp,
}

/// A credit (or correction) of `account`'s balance.
pub fn credit_entry<'a>(
    account: &'a str,
    amount: Money,
    memo: &'a str,
    at: crate::domain::Timestamp,
) -> LedgerEntry<'a> {
    LedgerEntry {
        account,
        amount,
        kind: LedgerKind::Credit,
        order_id: None,
        e164: None,
        memo,
        at,
    }
}

/// A held number leaving its holder into aging, before it returns to stock: DID.CANCEL,
/// or billing's release of an unpaid number. Both backends write it the same way (a
/// Suspended number stops being Suspended: it is Canceled).
#[derive(Debug, Clone)]
pub struct Retirement<'a> {
    pub e164: &'a str,
    /// The holder it leaves (named on the history row).
    pub holder: &'a str,
    pub request_id: Option<&'a str>,
    /// The history row's event: `canceled` or `released`.
    pub history_event: &'static str,
    /// Why, when it is not the holder's own request (`unpaid: period 2, ...`).
    pub reason: Option<String>,
    pub at: crate::domain::Timestamp,
    pub release_at: crate::domain::Timestamp,
}

impl Retirement<'_> {
    /// The history row's detail.
    pub fn detail(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{reason}; returns to stock at {}", self.release_at),
            None => format!("returns to stock at {}", self.release_at),
        }
    }
}

/// A ledger entry that was applied: the balance after it and its row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedEntry {
    pub balance: Money,
    pub entry_id: i64,
}

/// Checks a new account against its parent as stored (`parent_account` is the account
/// `new.parent` names, if it exists): a sub-account belongs to a main account and has
/// no balance of its own; an opening credit is never negative.
pub fn check_new_account(new: &NewAccount, parent_account: Option<&Account>) -> StoreResult<()> {
    if let Some(parent) = &new.parent {
        let parent_account =
            parent_account.ok_or_else(|| DomainError::AccountNotFound(parent.to_string()))?;
        if parent_account.parent.is_some() {
            return Err(StoreError::Rejected(format!(
                "account {parent} is itself a sub-account; sub-accounts belong to a main account"
            )));
        }
        if new.credit != Money::ZERO {
            return Err(StoreError::Rejected(
                "a sub-account has no balance of its own; credit its main account".into(),
            ));
        }
    }
    if new.credit.minor() < 0 {
        return Err(StoreError::Rejected(
            "the opening credit must not be negative".into(),
        ));
    }
    Ok(())
}

/// A value for a `numbers` column, as a filter compares it or a patch writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnValue {
    Text(String),
    Int(i64),
    /// SQL NULL: a filter matches it with `IS NULL`, a patch writes it.
    Null,
}

impl ColumnValue {
    fn count(count: Option<u32>) -> ColumnValue {
        count.map_or(ColumnValue::Null, |c| ColumnValue::Int(i64::from(c)))
    }
}

/// A stored number's status for `number show`: none while it is in stock.
pub fn stored_status(state: &str, suspended_at: Option<i64>) -> Option<String> {
    (state != "available").then(|| {
        DidStatus::from_stored(state, suspended_at.is_some())
            .as_str()
            .to_owned()
    })
}

/// The condition over `numbers n` that selects numbers of `status`, in SQL both
/// backends run (the rule of `DidStatus::from_stored`, as a query).
pub fn status_condition(status: DidStatus) -> &'static str {
    match status {
        DidStatus::Active => "n.state = 'active' AND n.suspended_at IS NULL",
        DidStatus::Suspended => "n.state = 'active' AND n.suspended_at IS NOT NULL",
        DidStatus::Canceled => "n.state = 'aging'",
    }
}

/// The `numbers` columns a DID filter matches exactly, with their values (only the
/// filters that are set), in a fixed order.
pub fn filter_columns(filter: &DidFilter) -> Vec<(&'static str, ColumnValue)> {
    let text = |value: &Option<String>| value.clone().map(ColumnValue::Text);
    [
        (
            "did_type",
            filter
                .did_type
                .map(|t| ColumnValue::Text(t.as_str().to_owned())),
        ),
        (
            "e164",
            filter
                .e164
                .as_ref()
                .map(|e| ColumnValue::Text(e.to_string())),
        ),
        ("sms_email", text(&filter.sms_email)),
        ("sms_url", text(&filter.sms_url)),
        ("call_forward_type", text(&filter.call_forward_type)),
        ("call_forward_to", text(&filter.call_forward_to)),
        ("title", text(&filter.title)),
        (
            "channels_limit",
            filter.channels_limit.map(ColumnValue::count),
        ),
        (
            "channels_ondemand",
            filter.channels_ondemand.map(ColumnValue::count),
        ),
    ]
    .into_iter()
    .filter_map(|(column, value)| value.map(|v| (column, v)))
    .collect()
}

/// The `numbers` columns a routing patch sets, with their values; at least one, or
/// MISSING_PARAMETER.
pub fn patch_columns(patch: &RoutingPatch) -> StoreResult<Vec<(&'static str, ColumnValue)>> {
    let text = |value: &Option<String>| value.clone().map(ColumnValue::Text);
    let columns: Vec<(&'static str, ColumnValue)> = [
        ("sms_url", text(&patch.sms_url)),
        ("sms_email", text(&patch.sms_email)),
        ("sms_phone", text(&patch.sms_phone)),
        ("call_forward_type", text(&patch.call_forward_type)),
        ("call_forward_to", text(&patch.call_forward_to)),
        ("title", text(&patch.title)),
        (
            "channels_limit",
            patch.channels_limit.map(ColumnValue::count),
        ),
        (
            "channels_ondemand",
            patch.channels_ondemand.map(ColumnValue::count),
        ),
    ]
    .into_iter()
    .filter_map(|(column, value)| value.map(|v| (column, v)))
    .collect();
    if columns.is_empty() {
        return Err(DomainError::missing("a setting to change").into());
    }
    Ok(columns)
}

/// What `quantity` numbers cost at `monthly` + `setup` each, if `balance` covers it;
/// INSUFFICIENT_FUNDS otherwise.
pub fn order_total(
    monthly: Money,
    setup: Money,
    quantity: u32,
    balance: Money,
) -> StoreResult<Money> {
    let total = monthly
        .checked_add(setup)
        .and_then(|each| each.checked_mul(i64::from(quantity)))
        .ok_or_else(|| StoreError::Backend("order total overflows".into()))?;
    if balance < total {
        return Err(insufficient_funds(total, balance));
    }
    Ok(total)
}

/// The memo of an order's debit: this and the order id (`order 42`).
pub const ORDER_MEMO_PREFIX: &str = "order ";

/// The memo of order `order_id`'s debit.
pub fn order_memo(order_id: i64) -> String {
    format!("{ORDER_MEMO_PREFIX}{order_id}")
}

/// INSUFFICIENT_FUNDS for an order of `cost` against `balance`.
pub fn insufficient_funds(cost: Money, balance: Money) -> StoreError {
    DomainError::InsufficientFunds {
        cost: cost.to_string(),
        balance: balance.to_string(),
    }
    .into()
}
