//! Placing orders: one write command picks the numbers, assigns them, records the order,
//! its lines and the numbers' history, debits the main account through the ledger, and
//! writes one `did.ordered` event per number.
//!
//! [`plan_order`] only reads: it resolves the holder, the order's terms (area, type and
//! price, see [`super::order_terms`]), the numbers to pick and the cost, and fails with
//! the customer's error. A dry run (TEST=TRUE) stops there, on a read connection; a real
//! order then runs [`commit_order`] on the writer.

use async_trait::async_trait;
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::accounts::account_in_tree;
use super::events::record_events;
use super::ledger::{LedgerEntry, apply_ledger_entry};
use super::order_terms::order_terms;
use crate::domain::billing;
use crate::domain::events::order_events;
use crate::domain::order::{OrderPlan, OrderReceipt, OrderRequest};
use crate::domain::{DomainError, E164, Money, Timestamp};
use crate::store::rules::{LedgerKind, order_memo, order_total};
use crate::store::{Orders, StoreError, StoreResult};

#[async_trait]
impl Orders for SqliteStore {
    async fn place_order(&self, request: OrderRequest) -> StoreResult<OrderReceipt> {
        let now = self.clock.now();
        if request.dry_run {
            return self
                .reads
                .read(move |conn| Ok(plan_order(conn, &request)?.0.receipt(&request, None, now)))
                .await;
        }
        // Replayable: planning only reads and finds every customer error before the
        // first write, so orders need no savepoint of their own (see `writer`).
        self.writer
            .write_replayable(move |conn| {
                let (plan, rows) = plan_order(conn, &request)?;
                let order_id = commit_order(conn, &request, &plan, &rows, now)?;
                let receipt = plan.receipt(&request, Some(order_id), now);
                record_events(
                    conn,
                    &order_events(&receipt.dids, &plan.payer, order_id, now),
                )?;
                Ok(receipt)
            })
            .await
    }
}

/// The plan, and the rowids of the numbers it picked (valid within this transaction).
fn plan_order(conn: &Connection, request: &OrderRequest) -> StoreResult<(OrderPlan, Vec<i64>)> {
    let holder = account_in_tree(conn, &request.caller, &request.holder)?;

    let area_id = request.area_id.as_str();
    let plan = request.rate_plan_id.as_str();
    let terms = order_terms(conn, area_id, request.did_type.as_str(), plan)?
        .ok_or_else(|| DomainError::AreaNotFound(area_id.to_owned()))?;
    if !terms.offered {
        return Err(DomainError::DidTypeNotOffered {
            area_id: area_id.to_owned(),
            did_type: request.did_type.to_string(),
        }
        .into());
    }
    let Some((monthly, setup)) = terms.price else {
        return Err(DomainError::RatePlanNotFound {
            area_id: area_id.to_owned(),
            rate_plan_id: plan.to_owned(),
        }
        .into());
    };

    let (rows, numbers) = pick_available(conn, request)?;
    if numbers.len() < request.quantity as usize {
        return Err(DomainError::NotEnoughStock {
            area_id: area_id.to_owned(),
            requested: request.quantity,
            available: numbers.len() as u64,
        }
        .into());
    }

    let (monthly, setup) = (Money(monthly), Money(setup));
    let total = order_total(monthly, setup, request.quantity, holder.balance)?;

    let plan = OrderPlan {
        payer: holder.payer().clone(),
        routing: holder.default_routing,
        country_name: terms.country_name,
        area_name: terms.area_name,
        area_code: terms.area_code,
        monthly,
        setup,
        numbers,
        total,
    };
    Ok((plan, rows))
}

/// The first QUANTITY available numbers in ascending E164 order, with their rowids (so
/// the assignment finds each row without another index lookup). Fewer come back when
/// the area has fewer, which is then exactly how many are available.
fn pick_available(conn: &Connection, request: &OrderRequest) -> StoreResult<(Vec<i64>, Vec<E164>)> {
    // `LIMIT CAST(?4 AS INTEGER)`, not `LIMIT ?4`: SQLite's planner reads a bare bound
    // LIMIT and then re-prepares the statement whenever it is bound again, which cost
    // the writer a parse and plan per order (see `statement_tests`).
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, e164 FROM numbers
         WHERE area_id = ?1 AND did_type = ?2 AND state = 'available'
           AND (stock_rate_plan_id IS NULL OR stock_rate_plan_id = ?3)
         ORDER BY e164 LIMIT CAST(?4 AS INTEGER)",
    )?;
    let rows = stmt.query_map(
        params![
            request.area_id.as_str(),
            request.did_type.as_str(),
            request.rate_plan_id.as_str(),
            request.quantity
        ],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )?;
    let mut rowids = Vec::with_capacity(request.quantity as usize);
    let mut numbers = Vec::with_capacity(request.quantity as usize);
    for row in rows {
        let (rowid, text) = row?;
        rowids.push(rowid);
        numbers.push(
            E164::parse("stored e164", &text).map_err(|e| StoreError::Backend(e.to_string()))?,
        );
    }
    Ok((rowids, numbers))
}

fn commit_order(
    conn: &Connection,
    request: &OrderRequest,
    plan: &OrderPlan,
    rows: &[i64],
    now: Timestamp,
) -> StoreResult<i64> {
    let holder = request.holder.as_str();
    conn.prepare_cached(
        "INSERT INTO orders (account_number, payer_account_number, caller_account_number,
           area_id, did_type, rate_plan_id, quantity, title, total100, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        holder,
        plan.payer.as_str(),
        request.caller.account_number.as_str(),
        request.area_id.as_str(),
        request.did_type.as_str(),
        request.rate_plan_id.as_str(),
        request.quantity,
        request.title,
        plan.total.minor(),
        now
    ])?;
    // `order_id` is the table's INTEGER PRIMARY KEY: the rowid just inserted.
    let order_id = conn.last_insert_rowid();
    let r = &plan.routing;
    let mut assign = conn.prepare_cached(
        "UPDATE numbers SET state = 'active', account_number = ?2, order_id = ?3,
           rate_plan_id = ?4, monthly100 = ?5, title = ?6, sms_url = ?7, sms_email = ?8,
           sms_phone = ?9, call_forward_type = ?10, call_forward_to = ?11, assigned_at = ?12,
           canceled_at = NULL, release_at = NULL,
           paid_until = ?13, periods_paid = 1, suspended_at = NULL
         WHERE rowid = ?1 AND state = 'available'",
    )?;
    let mut line = conn.prepare_cached(
        "INSERT INTO order_lines (order_id, e164, setup100, monthly100) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut event = conn.prepare_cached(
        "INSERT INTO number_events (e164, event, account_number, order_id, at)
         VALUES (?1, 'ordered', ?2, ?3, ?4)",
    )?;
    let paid_until = billing::due(now, 1);
    for (e164, rowid) in plan.numbers.iter().zip(rows) {
        let assigned = assign.execute(params![
            rowid,
            holder,
            order_id,
            request.rate_plan_id.as_str(),
            plan.monthly.minor(),
            request.title,
            r.sms_url,
            r.sms_email,
            r.sms_phone,
            r.call_forward_type,
            r.call_forward_to,
            now,
            paid_until
        ])?;
        if assigned != 1 {
            return Err(StoreError::Backend(format!(
                "number {e164} was no longer available"
            )));
        }
        line.execute(params![
            order_id,
            e164.as_str(),
            plan.setup.minor(),
            plan.monthly.minor()
        ])?;
        event.execute(params![e164.as_str(), holder, order_id, now])?;
    }
    let memo = order_memo(order_id);
    let debit = Money(-plan.total.minor());
    let entry = LedgerEntry {
        account: plan.payer.as_str(),
        amount: debit,
        kind: LedgerKind::Order,
        order_id: Some(order_id),
        e164: None,
        memo: &memo,
        at: now,
    };
    apply_ledger_entry(conn, &entry)?.ok_or_else(|| DomainError::InsufficientFunds {
        cost: plan.total.to_string(),
        balance: "less".into(),
    })?;
    Ok(order_id)
}
