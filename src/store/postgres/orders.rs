//! Placing orders in one round trip: a real order or a dry run (TEST=TRUE) is one call of
//! `didhub_place_order` (migration V13), which checks, picks, writes and debits in the
//! one statement, so it commits or rolls back as a whole.
//!
//! What the function cannot decide for itself comes from the domain, here: the event data
//! of each number (all of the DID's attributes that do not depend on the database, from
//! [`Event::did`]; the function adds the area, price, routing, E164 and order id it read),
//! the webhook patterns that take a `did.ordered` ([`EventFilter::patterns_matching`]),
//! the ledger's kind and memo, and the first period's end. A customer error comes back
//! as an SQLSTATE of class DH and becomes the [`DomainError`] of the same name; nothing
//! was changed. A deadlock (possible only when stock runs out under concurrent orders,
//! while they wait for each other's numbers) is retried.
//!
//! The pick rule (`docs/API.md`): from a random point of the area's available range,
//! upwards and wrapping, skipping numbers that concurrent orders hold.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::PostgresStore;
use super::dids::{stored_account_number, stored_e164};
use super::ledger::LedgerKind;
use crate::domain::delivery::Channel;
use crate::domain::events::{Event, EventFilter, EventType, new_id};
use crate::domain::order::{OrderPlan, OrderReceipt, OrderRequest};
use crate::domain::{DomainError, E164, Money, Routing, Timestamp, billing};
use crate::store::rules::{ORDER_MEMO_PREFIX, insufficient_funds};
use crate::store::{Orders, StoreError, StoreResult};

/// How many times an order that lost a deadlock is tried again.
const DEADLOCK_RETRIES: u32 = 3;

const PLACE_ORDER: &str = "SELECT * FROM didhub_place_order(
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::text::jsonb, $17, $18)";

#[async_trait]
impl Orders for PostgresStore {
    async fn place_order(&self, request: OrderRequest) -> StoreResult<OrderReceipt> {
        let client = self.client().await?;
        let now = self.clock.now();
        let mut retries = 0;
        loop {
            match place(&client, &request, now).await {
                Err(e)
                    if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
                        && retries < DEADLOCK_RETRIES =>
                {
                    retries += 1;
                }
                Err(e) => return Err(order_error(e, &request)),
                Ok(row) => return receipt(&row, &request, now),
            }
        }
    }
}

async fn place(
    c: &impl GenericClient,
    request: &OrderRequest,
    now: Timestamp,
) -> Result<Row, tokio_postgres::Error> {
    let quantity = i32::try_from(request.quantity).unwrap_or(i32::MAX);
    let event_ids: Vec<String> = if request.dry_run {
        Vec::new()
    } else {
        (0..request.quantity).map(|_| new_id("evt_")).collect()
    };
    let patterns = EventFilter::patterns_matching(EventType::DidOrdered);
    let statement = c.prepare_cached(PLACE_ORDER).await?;
    c.query_one(
        &statement,
        &[
            &request.caller.account_number.as_str(),
            &request.caller.is_main(),
            &request.holder.as_str(),
            &request.area_id.as_str(),
            &request.did_type.as_str(),
            &request.rate_plan_id.as_str(),
            &quantity,
            &request.title,
            &now,
            &billing::due(now, 1),
            &request.dry_run,
            &LedgerKind::Order.as_str(),
            &ORDER_MEMO_PREFIX,
            &EventType::DidOrdered.as_str(),
            &event_ids,
            &event_template(request, now),
            &patterns,
            &Channel::Webhook.as_str(),
        ],
    )
    .await
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

/// The customer's error for a DH exception of the function; any other error as it is.
fn order_error(e: tokio_postgres::Error, request: &OrderRequest) -> StoreError {
    let Some((code, detail)) = e.as_db_error().map(|db| {
        (
            db.code().clone(),
            db.detail().unwrap_or_default().to_owned(),
        )
    }) else {
        return e.into();
    };
    let detail = detail.as_str();
    let count = |text: &str| text.parse::<i64>().unwrap_or_default();
    let area_id = request.area_id.to_string();
    let error = match code.code() {
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
        _ if code == SqlState::NUMERIC_VALUE_OUT_OF_RANGE => {
            return StoreError::Backend("order total overflows".into());
        }
        _ => return e.into(),
    };
    error.into()
}
