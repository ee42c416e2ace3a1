//! Placing orders: one READ COMMITTED transaction picks the numbers, assigns them,
//! records the order, its lines and the numbers' history, debits the main account
//! through the ledger and writes one `did.ordered` event per number; any failure rolls
//! all of it back.
//!
//! [`plan_order`] resolves the holder, area, type, price, the numbers and the cost, and
//! fails with the customer's error, in the SQLite store's order (holder, area, type, plan,
//! stock, funds). A real order locks the numbers it picks with `FOR UPDATE SKIP LOCKED`:
//! orders running at the same moment, in this process or another, each get different
//! numbers without waiting for one another. A dry run (TEST=TRUE) plans in a read-only
//! snapshot and locks nothing. A real order then writes itself ([`commit_order`]).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::accounts::account_in_tree;
use super::dids::stored_e164;
use super::events::record_events;
use super::order_commit::commit_order;
use super::{PostgresStore, begin, begin_snapshot, finish};
use crate::domain::events::order_events;
use crate::domain::order::{OrderPlan, OrderReceipt, OrderRequest};
use crate::domain::{DomainError, E164, Money, Timestamp};
use crate::store::rules::order_total;
use crate::store::{Orders, StoreResult};

#[async_trait]
impl Orders for PostgresStore {
    async fn place_order(&self, request: OrderRequest) -> StoreResult<OrderReceipt> {
        let mut client = self.client().await?;
        let now = self.clock.now();
        if request.dry_run {
            let snapshot = begin_snapshot(&mut client).await?;
            let outcome = plan_order(&snapshot, &request, Pick::Look)
                .await
                .map(|plan| plan.receipt(&request, None, now));
            return finish(snapshot, outcome).await;
        }
        let tx = begin(&mut client).await?;
        let outcome = place(&tx, &request, now).await;
        finish(tx, outcome).await
    }
}

async fn place(
    c: &impl GenericClient,
    request: &OrderRequest,
    now: Timestamp,
) -> StoreResult<OrderReceipt> {
    let plan = plan_order(c, request, Pick::Lock).await?;
    let order_id = commit_order(c, request, &plan, now).await?;
    let receipt = plan.receipt(request, Some(order_id), now);
    record_events(c, &order_events(&receipt.dids, &plan.payer, order_id, now)).await?;
    Ok(receipt)
}

/// How the numbers are picked: locked for a real order, only looked at for a dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Lock,
    Look,
}

/// Everything an order needs to know about its area, type and plan, in one round trip:
/// the area's and country's names, whether the area sells the type, and the plan's price
/// there (the area's own, else the country's default for the type, as in
/// `pricing::AREA_PLANS`). No row: unknown area. The SQLite store's query.
const ORDER_TERMS: &str = "
    SELECT a.name, a.area_code, c.name,
           EXISTS (SELECT 1 FROM area_did_types t WHERE t.area_id = a.area_id AND t.did_type = $2),
           COALESCE(ap.monthly100, cp.monthly100), COALESCE(ap.setup100, cp.setup100)
    FROM areas a
    JOIN countries c ON c.country_id = a.country_id
    LEFT JOIN area_prices ap ON ap.area_id = a.area_id AND ap.rate_plan_id = $3
    LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = $2
                               AND cp.rate_plan_id = $3
    WHERE a.area_id = $1";

async fn plan_order(
    c: &impl GenericClient,
    request: &OrderRequest,
    pick: Pick,
) -> StoreResult<OrderPlan> {
    let holder = account_in_tree(c, &request.caller, &request.holder).await?;

    let area_id = request.area_id.as_str();
    let plan = request.rate_plan_id.as_str();
    let terms = c.prepare_cached(ORDER_TERMS).await?;
    let terms = c
        .query_opt(&terms, &[&area_id, &request.did_type.as_str(), &plan])
        .await?
        .ok_or_else(|| DomainError::AreaNotFound(area_id.to_owned()))?;
    let (area_name, area_code, country_name): (String, String, String) =
        (terms.try_get(0)?, terms.try_get(1)?, terms.try_get(2)?);
    if !terms.try_get::<_, bool>(3)? {
        return Err(DomainError::DidTypeNotOffered {
            area_id: area_id.to_owned(),
            did_type: request.did_type.to_string(),
        }
        .into());
    }
    let price: (Option<i64>, Option<i64>) = (terms.try_get(4)?, terms.try_get(5)?);
    let (Some(monthly), Some(setup)) = price else {
        return Err(DomainError::RatePlanNotFound {
            area_id: area_id.to_owned(),
            rate_plan_id: plan.to_owned(),
        }
        .into());
    };
    let (monthly, setup) = (Money(monthly), Money(setup));

    let numbers = pick_available(c, request, pick).await?;
    if numbers.len() < request.quantity as usize {
        return Err(DomainError::NotEnoughStock {
            area_id: area_id.to_owned(),
            requested: request.quantity,
            available: numbers.len() as u64,
        }
        .into());
    }

    let total = order_total(monthly, setup, request.quantity, holder.balance)?;

    Ok(OrderPlan {
        payer: holder.payer().clone(),
        routing: holder.default_routing,
        country_name,
        area_name,
        area_code,
        monthly,
        setup,
        numbers,
        total,
    })
}

/// The first QUANTITY available numbers in ascending E164 order (for a real order, the
/// first that no concurrent order holds, locked until this one ends). Fewer come back
/// when fewer are free, which is then exactly how many are available to this order.
async fn pick_available(
    c: &impl GenericClient,
    request: &OrderRequest,
    pick: Pick,
) -> StoreResult<Vec<E164>> {
    let lock = match pick {
        Pick::Lock => " FOR UPDATE SKIP LOCKED",
        Pick::Look => "",
    };
    let query = c
        .prepare_cached(&format!(
            "SELECT e164 FROM numbers
             WHERE area_id = $1 AND did_type = $2 AND state = 'available'
               AND (stock_rate_plan_id IS NULL OR stock_rate_plan_id = $3)
             ORDER BY e164 LIMIT $4{lock}"
        ))
        .await?;
    let rows = c
        .query(
            &query,
            &[
                &request.area_id.as_str(),
                &request.did_type.as_str(),
                &request.rate_plan_id.as_str(),
                &i64::from(request.quantity),
            ],
        )
        .await?;
    rows.iter()
        .map(|row| stored_e164(&row.try_get::<_, String>(0)?))
        .collect()
}
