//! One call of `didhub_place_orders` (migration V14): a batch of orders, or a dry run of
//! one, in one statement and so in one transaction. The function checks every order on
//! its own and answers one row per order; this module builds its arguments from the
//! requests and turns each row into the order's receipt or its customer error.
//!
//! What the function cannot decide for itself comes from the domain, here: the event data
//! of each number (all of the DID's attributes that do not depend on the database, from
//! [`Event::did`]; the function adds the area, price, routing, E164 and order id it read),
//! the webhook patterns that take a `did.ordered` ([`EventFilter::patterns_matching`]),
//! the ledger's kind and memo, and the first period's end.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::dids::{stored_account_number, stored_e164};
use super::ledger::LedgerKind;
use crate::domain::delivery::Channel;
use crate::domain::events::{Event, EventFilter, EventType, new_id};
use crate::domain::order::{OrderPlan, OrderReceipt, OrderRequest};
use crate::domain::{DomainError, E164, Money, Routing, Timestamp, billing};
use crate::store::rules::{ORDER_MEMO_PREFIX, insufficient_funds};
use crate::store::{StoreError, StoreResult};

/// The SQLSTATE of a batch that found a payer's balance spent by a concurrent batch at
/// its final debit (nothing was written).
pub(super) const BATCH_OVERDRAWN: &str = "DH007";

const PLACE_ORDERS: &str = "SELECT * FROM didhub_place_orders(
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[]::jsonb[], $12, $13, $14, $15, $16, $17, $18, $19)";

/// An order as the store received it: the request and the moment it arrived.
pub(super) struct Placement {
    pub request: OrderRequest,
    pub now: Timestamp,
}

/// How the batch treats its payers' balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Debit {
    /// Read without a lock, debited (guarded) at the end: [`BATCH_OVERDRAWN`] when a
    /// concurrent batch spent the money in between.
    AtTheEnd,
    /// The payers' rows locked before their balances are read: the checks hold.
    PayersLockedFirst,
}

/// Places `orders` (all real orders, or all dry runs) in one statement. `Err` is a failure
/// of the statement as a whole, which changed nothing; otherwise one result per order, in
/// order.
pub(super) async fn place_batch(
    c: &impl GenericClient,
    orders: &[Placement],
    debit: Debit,
) -> Result<Vec<StoreResult<OrderReceipt>>, tokio_postgres::Error> {
    let dry_run = orders.first().is_some_and(|o| o.request.dry_run);
    debug_assert!(orders.iter().all(|o| o.request.dry_run == dry_run));
    let requests = || orders.iter().map(|o| &o.request);
    let callers: Vec<&str> = requests()
        .map(|r| r.caller.account_number.as_str())
        .collect();
    let callers_are_main: Vec<bool> = requests().map(|r| r.caller.is_main()).collect();
    let holders: Vec<&str> = requests().map(|r| r.holder.as_str()).collect();
    let areas: Vec<&str> = requests().map(|r| r.area_id.as_str()).collect();
    let did_types: Vec<&str> = requests().map(|r| r.did_type.as_str()).collect();
    let rate_plans: Vec<&str> = requests().map(|r| r.rate_plan_id.as_str()).collect();
    let quantities: Vec<i32> = requests()
        .map(|r| i32::try_from(r.quantity).unwrap_or(i32::MAX))
        .collect();
    let titles: Vec<&str> = requests().map(|r| r.title.as_str()).collect();
    let nows: Vec<Timestamp> = orders.iter().map(|o| o.now).collect();
    let paid_until: Vec<Timestamp> = orders.iter().map(|o| billing::due(o.now, 1)).collect();
    let event_data: Vec<String> = orders
        .iter()
        .map(|o| event_template(&o.request, o.now))
        .collect();
    let event_ids: Vec<String> = if dry_run {
        Vec::new()
    } else {
        requests()
            .flat_map(|r| (0..r.quantity).map(|_| new_id("evt_")))
            .collect()
    };
    let patterns = EventFilter::patterns_matching(EventType::DidOrdered);
    let statement = c.prepare_cached(PLACE_ORDERS).await?;
    let rows = c
        .query(
            &statement,
            &[
                &callers,
                &callers_are_main,
                &holders,
                &areas,
                &did_types,
                &rate_plans,
                &quantities,
                &titles,
                &nows,
                &paid_until,
                &event_data,
                &event_ids,
                &dry_run,
                &(debit == Debit::PayersLockedFirst),
                &LedgerKind::Order.as_str(),
                &ORDER_MEMO_PREFIX,
                &EventType::DidOrdered.as_str(),
                &patterns,
                &Channel::Webhook.as_str(),
            ],
        )
        .await?;
    // One row per order, numbered from 1 in the orders' sequence.
    let mut results: Vec<Option<StoreResult<OrderReceipt>>> = orders.iter().map(|_| None).collect();
    for row in &rows {
        let ord: i32 = row.try_get("ord")?;
        let index = usize::try_from(ord)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .filter(|&i| i < orders.len());
        if let Some(i) = index {
            results[i] = Some(outcome(row, &orders[i]));
        }
    }
    Ok(results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(StoreError::Backend(
                    "didhub_place_orders answered no row for an order".into(),
                ))
            })
        })
        .collect())
}

/// Whether the statement failed with `code` (an SQLSTATE).
pub(super) fn failed_with(e: &tokio_postgres::Error, code: &str) -> bool {
    e.code().is_some_and(|c| c.code() == code)
}

/// Whether the statement lost a deadlock (possible only when stock runs out under
/// concurrent orders, while they wait for each other's numbers): worth trying again.
pub(super) fn deadlocked(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
}

/// The data of the order's `did.ordered` events as far as it does not depend on the
/// database: the domain's event of a DID with this order's terms, in which the function
/// replaces the values it reads (the E164, area, country, price, routing and order id).
fn event_template(request: &OrderRequest, now: Timestamp) -> String {
    let placeholder = E164::parse("E164", "10000000").expect("eight digits are an E164");
    let plan = OrderPlan {
        payer: request.holder.clone(),
        routing: Routing::default(),
        country_name: String::new(),
        area_name: String::new(),
        area_code: String::new(),
        monthly: Money::ZERO,
        setup: Money::ZERO,
        numbers: vec![placeholder],
        total: Money::ZERO,
    };
    let receipt = plan.receipt(request, Some(0), now);
    Event::did(
        EventType::DidOrdered,
        &receipt.dids[0],
        &plan.payer,
        Some(0),
        now,
    )
    .data
}

/// One order's row: its receipt, or its customer error.
fn outcome(row: &Row, order: &Placement) -> StoreResult<OrderReceipt> {
    let code: Option<String> = row.try_get("error_code")?;
    match code {
        Some(code) => {
            let detail: Option<String> = row.try_get("error_detail")?;
            Err(order_error(
                &code,
                detail.as_deref().unwrap_or_default(),
                &order.request,
            ))
        }
        None => receipt(row, &order.request, order.now),
    }
}

/// The receipt from the function's row.
fn receipt(row: &Row, request: &OrderRequest, now: Timestamp) -> StoreResult<OrderReceipt> {
    let numbers: Vec<String> = row.try_get("numbers")?;
    let plan = OrderPlan {
        payer: stored_account_number(row.try_get("payer")?)?,
        routing: Routing {
            sms_url: row.try_get("sms_url")?,
            sms_email: row.try_get("sms_email")?,
            sms_phone: row.try_get("sms_phone")?,
            call_forward_type: row.try_get("call_forward_type")?,
            call_forward_to: row.try_get("call_forward_to")?,
        },
        country_name: row.try_get("country_name")?,
        area_name: row.try_get("area_name")?,
        area_code: row.try_get("area_code")?,
        monthly: Money(row.try_get("monthly100")?),
        setup: Money(row.try_get("setup100")?),
        numbers: numbers
            .iter()
            .map(|n| stored_e164(n))
            .collect::<StoreResult<_>>()?,
        total: Money(row.try_get("total100")?),
    };
    let order_id: Option<i64> = row.try_get("order_id")?;
    Ok(plan.receipt(request, order_id, now))
}

/// The customer's error for an order's error code (`V14__place_orders.sql`).
fn order_error(code: &str, detail: &str, request: &OrderRequest) -> StoreError {
    let count = |text: &str| text.parse::<i64>().unwrap_or_default();
    let area_id = request.area_id.to_string();
    let error = match code {
        "DH001" => DomainError::AccountNotFound(request.holder.to_string()),
        "DH002" => DomainError::AreaNotFound(area_id),
        "DH003" => DomainError::DidTypeNotOffered {
            area_id,
            did_type: request.did_type.to_string(),
        },
        "DH004" => DomainError::RatePlanNotFound {
            area_id,
            rate_plan_id: request.rate_plan_id.to_string(),
        },
        "DH005" => DomainError::NotEnoughStock {
            area_id,
            requested: request.quantity,
            available: count(detail) as u64,
        },
        "DH006" => {
            let (cost, balance) = detail.split_once(' ').unwrap_or_default();
            return insufficient_funds(Money(count(cost)), Money(count(balance)));
        }
        "22003" => return StoreError::Backend("order total overflows".into()),
        other => return StoreError::Backend(format!("unknown order error code {other}")),
    };
    error.into()
}
