//! A held number's life after the sale: routing updates, moves inside an account tree,
//! cancellation into aging, and release back to stock. Every change writes a row to
//! `number_events` and an event (`did.updated`, `did.moved`, `did.canceled`,
//! `did.released`) in the same transaction.
//!
//! Each change locks the numbers it touches before it decides anything about them (in
//! ascending E164, so two updates of the same holder cannot deadlock), and re-reads them
//! under the lock: a number another process just moved or canceled is seen as it is now.

use deadpool_postgres::GenericClient;

use super::accounts::{account_in_tree, main_account_of};
use super::dids::{as_params, filter_clause, load_dids, sql_value, stored_e164};
use super::events::record_events;
use crate::domain::did_requests::{DidCancelRequest, DidMoveRequest, DidUpdateRequest};
use crate::domain::events::{Event, EventType};
use crate::domain::{AccountNumber, Did, DomainError, E164, Timestamp};
use crate::store::StoreResult;
use crate::store::rules::{Retirement, patch_columns};

pub(super) async fn record_event(
    c: &impl GenericClient,
    e164: &str,
    event: &str,
    account: Option<&str>,
    request_id: Option<&str>,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    let insert = c
        .prepare_cached(
            "INSERT INTO number_events (e164, event, account_number, request_id, detail, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    c.execute(
        &insert,
        &[&e164, &event, &account, &request_id, &detail, &at],
    )
    .await?;
    Ok(())
}

pub(super) async fn update_dids(
    c: &impl GenericClient,
    request: &DidUpdateRequest,
    now: Timestamp,
) -> StoreResult<Vec<Did>> {
    account_in_tree(c, &request.caller, &request.holder).await?;
    let (clause, mut values) = filter_clause(&request.holder, &request.filter);
    let patch = &request.patch;
    let mut set = Vec::new();
    for (column, value) in patch_columns(patch)? {
        values.push(sql_value(value));
        set.push(format!("{column} = ${}", values.len()));
    }
    let filter_values = values.len() - set.len();
    let matching: Vec<String> = c
        .query(
            &format!(
                "SELECT n.e164 FROM numbers n WHERE {clause} AND n.state = 'active'
                 ORDER BY n.e164 FOR UPDATE"
            ),
            &as_params(&values[..filter_values]),
        )
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    if matching.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = as_params(&values);
    params.push(&matching);
    let updated: Vec<String> = c
        .query(
            &format!(
                "UPDATE numbers AS n SET {} WHERE n.e164 = ANY(${}) AND {clause}
                   AND n.state = 'active'
                 RETURNING n.e164",
                set.join(", "),
                params.len()
            ),
            &params,
        )
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let detail = format!("changed {}", patch.changed_settings().join(", "));
    for e164 in &updated {
        record_event(
            c,
            e164,
            "updated",
            Some(request.holder.as_str()),
            Some(&request.request_id),
            &detail,
            now,
        )
        .await?;
    }
    let dids = load_dids(c, &updated).await?;
    let main = request.caller.main_account();
    let events: Vec<Event> = dids
        .iter()
        .map(|did| Event::did(EventType::DidUpdated, did, main, None, now))
        .collect();
    record_events(c, &events).await?;
    Ok(dids)
}

/// Locks the number if `holder` holds it Active; DID_NOT_FOUND otherwise.
async fn lock_active_number(
    c: &impl GenericClient,
    holder: &AccountNumber,
    e164: &E164,
) -> StoreResult<()> {
    let query = c
        .prepare_cached(
            "SELECT 1 FROM numbers WHERE e164 = $1 AND account_number = $2 AND state = 'active'
             FOR UPDATE",
        )
        .await?;
    match c
        .query_opt(&query, &[&e164.as_str(), &holder.as_str()])
        .await?
    {
        Some(_) => Ok(()),
        None => Err(DomainError::DidNotFound(e164.to_string()).into()),
    }
}

pub(super) async fn reload(c: &impl GenericClient, e164: &E164) -> StoreResult<Did> {
    load_dids(c, &[e164.to_string()])
        .await?
        .pop()
        .ok_or_else(|| DomainError::DidNotFound(e164.to_string()).into())
}

pub(super) async fn move_did(
    c: &impl GenericClient,
    request: &DidMoveRequest,
    now: Timestamp,
) -> StoreResult<Did> {
    account_in_tree(c, &request.caller, &request.holder).await?;
    account_in_tree(c, &request.caller, &request.to).await?;
    lock_active_number(c, &request.holder, &request.e164).await?;
    if request.holder != request.to {
        let update = c
            .prepare_cached("UPDATE numbers SET account_number = $2 WHERE e164 = $1")
            .await?;
        c.execute(&update, &[&request.e164.as_str(), &request.to.as_str()])
            .await?;
        let detail = format!("from {} to {}", request.holder, request.to);
        record_event(
            c,
            request.e164.as_str(),
            "moved",
            Some(request.to.as_str()),
            Some(&request.request_id),
            &detail,
            now,
        )
        .await?;
        let did = reload(c, &request.e164).await?;
        let main = request.caller.main_account();
        record_events(c, &[Event::did_moved(&did, &request.holder, main, now)]).await?;
        return Ok(did);
    }
    reload(c, &request.e164).await
}

pub(super) async fn cancel_did(
    c: &impl GenericClient,
    request: &DidCancelRequest,
    now: Timestamp,
) -> StoreResult<Did> {
    account_in_tree(c, &request.caller, &request.holder).await?;
    lock_active_number(c, &request.holder, &request.e164).await?;
    let retirement = Retirement {
        e164: request.e164.as_str(),
        holder: request.holder.as_str(),
        request_id: Some(&request.request_id),
        history_event: "canceled",
        reason: None,
        at: now,
        release_at: now.saturating_add(request.aging_seconds),
    };
    retire(c, &retirement).await?;
    let did = reload(c, &request.e164).await?;
    let main = request.caller.main_account();
    record_events(
        c,
        &[Event::did(EventType::DidCanceled, &did, main, None, now)],
    )
    .await?;
    Ok(did)
}

/// Takes a held number from its holder into aging, with its history row.
pub(super) async fn retire(c: &impl GenericClient, retirement: &Retirement<'_>) -> StoreResult<()> {
    let update = c
        .prepare_cached(
            "UPDATE numbers SET state = 'aging', canceled_at = $2, release_at = $3,
               suspended_at = NULL
             WHERE e164 = $1",
        )
        .await?;
    c.execute(
        &update,
        &[&retirement.e164, &retirement.at, &retirement.release_at],
    )
    .await?;
    record_event(
        c,
        retirement.e164,
        retirement.history_event,
        Some(retirement.holder),
        retirement.request_id,
        &retirement.detail(),
        retirement.at,
    )
    .await
}

/// Returns due numbers to stock. Numbers another process is releasing at this moment
/// are skipped (it will record them), so concurrent sweeps never double a release.
pub(super) async fn release_aged(c: &impl GenericClient, now: Timestamp) -> StoreResult<u64> {
    let due = c
        .prepare_cached(
            "SELECT e164, account_number FROM numbers
             WHERE state = 'aging' AND release_at <= $1
             ORDER BY e164 FOR UPDATE SKIP LOCKED",
        )
        .await?;
    let due = c.query(&due, &[&now]).await?;
    let release = c
        .prepare_cached(
            "UPDATE numbers SET state = 'available', account_number = NULL, order_id = NULL,
               rate_plan_id = NULL, monthly100 = NULL, title = '', sms_url = '', sms_email = '',
               sms_phone = '', call_forward_type = '', call_forward_to = '', assigned_at = NULL,
               channels_limit = NULL, channels_ondemand = NULL,
           paid_until = NULL, periods_paid = NULL, suspended_at = NULL,
               canceled_at = NULL, release_at = NULL
             WHERE e164 = $1 AND state = 'aging'",
        )
        .await?;
    let mut released = 0;
    for row in &due {
        let e164: String = row.try_get(0)?;
        let former_holder: Option<String> = row.try_get(1)?;
        // The event shows the number as its holder last saw it.
        let did = reload(c, &stored_e164(&e164)?).await?;
        // Locked above, so this changes the row; the guard keeps the event honest anyway.
        if c.execute(&release, &[&e164]).await? == 0 {
            continue;
        }
        let main = main_account_of(c, did.account_number.as_str()).await?;
        record_events(c, &[Event::did_returned_to_stock(&did, &main, now)]).await?;
        record_event(
            c,
            &e164,
            "released",
            former_holder.as_deref(),
            None,
            "aging over",
            now,
        )
        .await?;
        released += 1;
    }
    Ok(released)
}
