//! Writing a planned order: the order row, the numbers' assignment, the order lines and
//! the numbers' history (one statement each, over arrays), then the debit.
//!
//! The debit comes last and is guarded, so the only row an order ever waits for is its
//! payer's balance, after every other lock it needs is held: orders cannot deadlock,
//! and a balance never goes below zero.

use deadpool_postgres::GenericClient;

use super::accounts::load_account;
use super::ledger::{LedgerEntry, LedgerKind, apply_ledger_entry};
use crate::domain::billing;
use crate::domain::order::OrderPlan;
use crate::domain::order::OrderRequest;
use crate::domain::{Money, Timestamp};
use crate::store::rules::insufficient_funds;
use crate::store::{StoreError, StoreResult};

/// Writes the order planned in `plan`; returns its id.
pub(super) async fn commit_order(
    c: &impl GenericClient,
    request: &OrderRequest,
    plan: &OrderPlan,
    now: Timestamp,
) -> StoreResult<i64> {
    let holder = request.holder.as_str();
    let quantity = i32::try_from(request.quantity)
        .map_err(|_| StoreError::Backend("quantity out of range".into()))?;
    let insert = c
        .prepare_cached(
            "INSERT INTO orders (account_number, payer_account_number, caller_account_number,
               area_id, did_type, rate_plan_id, quantity, title, total100, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING order_id",
        )
        .await?;
    let order_id: i64 = c
        .query_one(
            &insert,
            &[
                &holder,
                &plan.payer.as_str(),
                &request.caller.account_number.as_str(),
                &request.area_id.as_str(),
                &request.did_type.as_str(),
                &request.rate_plan_id.as_str(),
                &quantity,
                &request.title,
                &plan.total.minor(),
                &now,
            ],
        )
        .await?
        .try_get(0)?;
    let numbers: Vec<&str> = plan.numbers.iter().map(|n| n.as_str()).collect();
    let r = &plan.routing;
    let assign = c
        .prepare_cached(
            "UPDATE numbers SET state = 'active', account_number = $2, order_id = $3,
               rate_plan_id = $4, monthly100 = $5, title = $6, sms_url = $7, sms_email = $8,
               sms_phone = $9, call_forward_type = $10, call_forward_to = $11,
               assigned_at = $12, canceled_at = NULL, release_at = NULL,
               paid_until = $13, periods_paid = 1, suspended_at = NULL
             WHERE e164 = ANY($1) AND state = 'available'",
        )
        .await?;
    let assigned = c
        .execute(
            &assign,
            &[
                &numbers,
                &holder,
                &order_id,
                &request.rate_plan_id.as_str(),
                &plan.monthly.minor(),
                &request.title,
                &r.sms_url,
                &r.sms_email,
                &r.sms_phone,
                &r.call_forward_type,
                &r.call_forward_to,
                &now,
                &billing::due(now, 1),
            ],
        )
        .await?;
    if assigned != numbers.len() as u64 {
        return Err(StoreError::Backend(format!(
            "{} of the order's numbers were no longer available",
            numbers.len() as u64 - assigned
        )));
    }
    let lines = c
        .prepare_cached(
            "INSERT INTO order_lines (order_id, e164, setup100, monthly100)
             SELECT $1, e164, $3, $4 FROM unnest($2::text[]) AS x (e164)",
        )
        .await?;
    c.execute(
        &lines,
        &[
            &order_id,
            &numbers,
            &plan.setup.minor(),
            &plan.monthly.minor(),
        ],
    )
    .await?;
    let events = c
        .prepare_cached(
            "INSERT INTO number_events (e164, event, account_number, order_id, at)
             SELECT e164, 'ordered', $2, $3, $4
             FROM unnest($1::text[]) WITH ORDINALITY AS x (e164, ord) ORDER BY ord",
        )
        .await?;
    c.execute(&events, &[&numbers, &holder, &order_id, &now])
        .await?;
    let debit = Money(-plan.total.minor());
    let memo = format!("order {order_id}");
    let payer = plan.payer.as_str();
    let entry = LedgerEntry {
        account: payer,
        amount: debit,
        kind: LedgerKind::Order,
        order_id: Some(order_id),
        e164: None,
        memo: &memo,
        at: now,
    };
    let debited = apply_ledger_entry(c, &entry).await?;
    if debited.is_none() {
        // A concurrent order of the same payer spent the money since the plan read it.
        let balance = load_account(c, payer)
            .await?
            .map_or(Money::ZERO, |a| a.balance);
        return Err(insufficient_funds(plan.total, balance));
    }
    Ok(order_id)
}
