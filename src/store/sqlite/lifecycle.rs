//! A held number's life after the sale: routing updates, moves inside an account tree,
//! cancellation into aging, and release back to stock. Every change writes a row to
//! `number_events` and an event (`did.updated`, `did.moved`, `did.canceled`,
//! `did.released`) in the same transaction.

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::accounts::{account_in_tree, main_account_of};
use super::dids::{filter_clause, load_dids, sql_value};
use super::events::record_events;
use crate::domain::did_requests::{DidCancelRequest, DidMoveRequest, DidUpdateRequest};
use crate::domain::events::{Event, EventType};
use crate::domain::{AccountNumber, Did, DomainError, E164, Timestamp};
use crate::store::rules::{Retirement, patch_columns};
use crate::store::{StoreError, StoreResult};

fn stored_e164(text: &str) -> StoreResult<E164> {
    E164::parse("stored e164", text).map_err(|e| StoreError::Backend(e.to_string()))
}

pub(super) fn record_event(
    conn: &Connection,
    e164: &str,
    event: &str,
    account: Option<&str>,
    request_id: Option<&str>,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO number_events (e164, event, account_number, request_id, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![e164, event, account, request_id, detail, at])?;
    Ok(())
}

pub(super) fn update_dids(
    conn: &Connection,
    request: &DidUpdateRequest,
    now: Timestamp,
) -> StoreResult<Vec<Did>> {
    account_in_tree(conn, &request.caller, &request.holder)?;
    let (clause, mut values) = filter_clause(&request.holder, &request.filter);
    let patch = &request.patch;
    let mut set = Vec::new();
    for (column, value) in patch_columns(patch)? {
        values.push(sql_value(value));
        set.push(format!("{column} = ?{}", values.len()));
    }
    let mut stmt = conn.prepare(&format!(
        "UPDATE numbers AS n SET {} WHERE {clause} AND n.state = 'active' RETURNING e164",
        set.join(", ")
    ))?;
    let updated = stmt
        .query_map(params_from_iter(values.iter()), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let detail = format!("changed {}", patch.changed_settings().join(", "));
    for e164 in &updated {
        record_event(
            conn,
            e164,
            "updated",
            Some(request.holder.as_str()),
            Some(&request.request_id),
            &detail,
            now,
        )?;
    }
    let dids = load_dids(conn, &updated)?;
    let main = request.caller.main_account();
    let events: Vec<Event> = dids
        .iter()
        .map(|did| Event::did(EventType::DidUpdated, did, main, None, now))
        .collect();
    record_events(conn, &events)?;
    Ok(dids)
}

/// The number, if `holder` holds it Active; DID_NOT_FOUND otherwise.
fn active_number_of(conn: &Connection, holder: &AccountNumber, e164: &E164) -> StoreResult<()> {
    let held = conn
        .prepare_cached(
            "SELECT 1 FROM numbers WHERE e164 = ?1 AND account_number = ?2 AND state = 'active'",
        )?
        .query_row(params![e164.as_str(), holder.as_str()], |_| Ok(()))
        .optional()?;
    held.ok_or_else(|| DomainError::DidNotFound(e164.to_string()).into())
}

pub(super) fn reload(conn: &Connection, e164: &E164) -> StoreResult<Did> {
    load_dids(conn, &[e164.to_string()])?
        .pop()
        .ok_or_else(|| DomainError::DidNotFound(e164.to_string()).into())
}

pub(super) fn move_did(
    conn: &Connection,
    request: &DidMoveRequest,
    now: Timestamp,
) -> StoreResult<Did> {
    account_in_tree(conn, &request.caller, &request.holder)?;
    account_in_tree(conn, &request.caller, &request.to)?;
    active_number_of(conn, &request.holder, &request.e164)?;
    if request.holder != request.to {
        conn.prepare_cached("UPDATE numbers SET account_number = ?2 WHERE e164 = ?1")?
            .execute(params![request.e164.as_str(), request.to.as_str()])?;
        let detail = format!("from {} to {}", request.holder, request.to);
        record_event(
            conn,
            request.e164.as_str(),
            "moved",
            Some(request.to.as_str()),
            Some(&request.request_id),
            &detail,
            now,
        )?;
        let did = reload(conn, &request.e164)?;
        let main = request.caller.main_account();
        record_events(conn, &[Event::did_moved(&did, &request.holder, main, now)])?;
        return Ok(did);
    }
    reload(conn, &request.e164)
}

pub(super) fn cancel_did(
    conn: &Connection,
    request: &DidCancelRequest,
    now: Timestamp,
) -> StoreResult<Did> {
    account_in_tree(conn, &request.caller, &request.holder)?;
    active_number_of(conn, &request.holder, &request.e164)?;
    retire(
        conn,
        &Retirement {
            e164: request.e164.as_str(),
            holder: request.holder.as_str(),
            request_id: Some(&request.request_id),
            history_event: "canceled",
            reason: None,
            at: now,
            release_at: now.saturating_add(request.aging_seconds),
        },
    )?;
    let did = reload(conn, &request.e164)?;
    let main = request.caller.main_account();
    record_events(
        conn,
        &[Event::did(EventType::DidCanceled, &did, main, None, now)],
    )?;
    Ok(did)
}

/// Takes a held number from its holder into aging, with its history row.
pub(super) fn retire(conn: &Connection, retirement: &Retirement<'_>) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE numbers SET state = 'aging', canceled_at = ?2, release_at = ?3,
           suspended_at = NULL
         WHERE e164 = ?1",
    )?
    .execute(params![
        retirement.e164,
        retirement.at,
        retirement.release_at
    ])?;
    record_event(
        conn,
        retirement.e164,
        retirement.history_event,
        Some(retirement.holder),
        retirement.request_id,
        &retirement.detail(),
        retirement.at,
    )
}

pub(super) fn release_aged(conn: &Connection, now: Timestamp) -> StoreResult<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT e164, account_number FROM numbers WHERE state = 'aging' AND release_at <= ?1",
    )?;
    let due = stmt
        .query_map([now], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut release = conn.prepare_cached(
        "UPDATE numbers SET state = 'available', account_number = NULL, order_id = NULL,
           rate_plan_id = NULL, monthly100 = NULL, title = '', sms_url = '', sms_email = '',
           sms_phone = '', call_forward_type = '', call_forward_to = '', assigned_at = NULL,
           channels_limit = NULL, channels_ondemand = NULL,
           paid_until = NULL, periods_paid = NULL, suspended_at = NULL,
           canceled_at = NULL, release_at = NULL
         WHERE e164 = ?1 AND state = 'aging'",
    )?;
    for (e164, former_holder) in &due {
        // The event shows the number as its holder last saw it.
        let did = reload(conn, &stored_e164(e164)?)?;
        let main = main_account_of(conn, did.account_number.as_str())?;
        release.execute([e164])?;
        record_events(conn, &[Event::did_returned_to_stock(&did, &main, now)])?;
        record_event(
            conn,
            e164,
            "released",
            former_holder.as_deref(),
            None,
            "aging over",
            now,
        )?;
    }
    Ok(due.len() as u64)
}
