//! The event log in PostgreSQL: [`record_events`] writes events inside the caller's
//! transaction (the one of their cause) and gives each one a delivery per webhook of its
//! account that subscribes to it; `events list` reads them back.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStore;
use super::dids::{SqlValue, as_params, stored_account_number};
use crate::domain::delivery::Channel;
use crate::domain::events::{Event, EventFilter, EventQuery, EventType};
use crate::store::events::{MAX_EVENTS_PAGE, unknown_event};
use crate::store::{Events, StoreError, StoreResult};

/// Writes `events` and their deliveries (due at once, `due_at_ms` 0). The events and the
/// read of the accounts' webhooks are one round trip; deliveries, when any webhook
/// subscribes, one more.
pub(super) async fn record_events(c: &impl GenericClient, events: &[Event]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    let times: Vec<i64> = events.iter().map(|e| e.occurred_at).collect();
    let accounts: Vec<&str> = events.iter().map(|e| e.account_number.as_str()).collect();
    let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
    let mut distinct = accounts.clone();
    distinct.dedup();
    let write = c
        .prepare_cached(
            "WITH written AS (
               INSERT INTO events (event_id, event_type, occurred_at, account_number, data)
               SELECT i, t, o, a, d
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
                    WITH ORDINALITY AS x (i, t, o, a, d, ord)
               ORDER BY ord)
             SELECT webhook_id, account_number, events FROM webhooks
             WHERE account_number = ANY($6) ORDER BY webhook_id",
        )
        .await?;
    let hooks = c
        .query(&write, &[&ids, &types, &times, &accounts, &data, &distinct])
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let hooks = hooks
        .iter()
        .map(|row| {
            let filter: String = row.try_get(2)?;
            Ok((
                row.try_get::<_, String>(0)?,
                row.try_get::<_, String>(1)?,
                stored_filter(&filter)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut event_ids = Vec::new();
    let mut targets = Vec::new();
    for event in events {
        for (webhook_id, account, filter) in &hooks {
            if account == event.account_number.as_str() && filter.matches(event.event_type) {
                event_ids.push(event.id.as_str());
                targets.push(webhook_id.as_str());
            }
        }
    }
    let deliver = c
        .prepare_cached(
            "INSERT INTO deliveries (event_id, channel, target, due_at_ms)
             SELECT e, $3, t, 0 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x (e, t, ord)
             ORDER BY ord",
        )
        .await?;
    c.execute(
        &deliver,
        &[&event_ids, &targets, &Channel::Webhook.as_str()],
    )
    .await?;
    Ok(())
}

pub(super) fn stored_filter(text: &str) -> StoreResult<EventFilter> {
    EventFilter::parse("stored events", text).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Columns of [`event_from_row`], from `events e`.
pub(super) const EVENT_COLUMNS: &str =
    "e.event_id, e.event_type, e.occurred_at, e.account_number, e.data";

/// An event from [`EVENT_COLUMNS`] starting at column `at`.
pub(super) fn event_from_row(row: &Row, at: usize) -> StoreResult<Event> {
    let event_type: String = row.try_get(at + 1)?;
    Ok(Event {
        id: row.try_get(at)?,
        event_type: EventType::parse("stored event_type", &event_type)
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        occurred_at: row.try_get(at + 2)?,
        account_number: stored_account_number(row.try_get(at + 3)?)?,
        data: row.try_get(at + 4)?,
    })
}

#[async_trait]
impl Events for PostgresStore {
    async fn list_events(&self, query: EventQuery) -> StoreResult<Vec<Event>> {
        let client = self.client().await?;
        let mut clauses = Vec::new();
        let mut values: Vec<SqlValue> = Vec::new();
        if let Some(account) = &query.account {
            values.push(Box::new(account.to_string()));
            clauses.push(format!("e.account_number = ${}", values.len()));
        }
        if let Some(event_type) = query.event_type {
            values.push(Box::new(event_type.as_str().to_owned()));
            clauses.push(format!("e.event_type = ${}", values.len()));
        }
        if let Some(after) = &query.after {
            let seq: i64 = client
                .query_opt("SELECT seq FROM events WHERE event_id = $1", &[after])
                .await?
                .ok_or_else(|| unknown_event(after))?
                .try_get(0)?;
            values.push(Box::new(seq));
            clauses.push(format!("e.seq > ${}", values.len()));
        }
        values.push(Box::new(i64::from(query.limit.clamp(1, MAX_EVENTS_PAGE))));
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let rows = client
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events e {filter} ORDER BY e.seq LIMIT ${}",
                    values.len()
                ),
                &as_params(&values),
            )
            .await?;
        rows.iter().map(|row| event_from_row(row, 0)).collect()
    }
}
