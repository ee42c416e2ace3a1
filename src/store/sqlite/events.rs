//! The event log in SQLite: [`record_events`] writes events inside the caller's write
//! command (the transaction of their cause) and gives each one a delivery per webhook of
//! its account that subscribes to it; `events list` reads them back.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::SqliteStore;
use super::dids::stored_account_number;
use crate::domain::delivery::Channel;
use crate::domain::events::{Event, EventFilter, EventQuery, EventType};
use crate::store::events::{MAX_EVENTS_PAGE, unknown_event};
use crate::store::{Events, StoreError, StoreResult};

/// Writes `events` and their deliveries; due at once (`due_at_ms` 0).
pub(super) fn record_events(conn: &Connection, events: &[Event]) -> StoreResult<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (event_id, event_type, occurred_at, account_number, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut webhooks = conn.prepare_cached(
        "SELECT webhook_id, events FROM webhooks WHERE account_number = ?1 ORDER BY webhook_id",
    )?;
    let mut deliver = conn.prepare_cached(
        "INSERT INTO deliveries (event_id, channel, target, due_at_ms) VALUES (?1, ?2, ?3, 0)",
    )?;
    let mut subscribers: Option<(String, Vec<(String, EventFilter)>)> = None;
    for event in events {
        insert.execute(params![
            event.id,
            event.event_type.as_str(),
            event.occurred_at,
            event.account_number.as_str(),
            event.data
        ])?;
        let account = event.account_number.as_str();
        if subscribers.as_ref().is_none_or(|(of, _)| of != account) {
            let found = webhooks
                .query_map([account], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .map(|(id, filter)| Ok((id, stored_filter(&filter)?)))
                .collect::<StoreResult<Vec<_>>>()?;
            subscribers = Some((account.to_owned(), found));
        }
        let (_, hooks) = subscribers.as_ref().expect("just loaded");
        for (webhook_id, filter) in hooks {
            if filter.matches(event.event_type) {
                deliver.execute(params![event.id, Channel::Webhook.as_str(), webhook_id])?;
            }
        }
    }
    Ok(())
}

pub(super) fn stored_filter(text: &str) -> StoreResult<EventFilter> {
    EventFilter::parse("stored events", text).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Columns of [`event_from_row`], from `events e`.
pub(super) const EVENT_COLUMNS: &str =
    "e.event_id, e.event_type, e.occurred_at, e.account_number, e.data";

/// An event from [`EVENT_COLUMNS`] starting at column `at`.
pub(super) fn event_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Event> {
    let event_type: String = row.get(at + 1)?;
    Ok(Event {
        id: row.get(at)?,
        event_type: EventType::parse("stored event_type", &event_type).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                at + 1,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })?,
        occurred_at: row.get(at + 2)?,
        account_number: stored_account_number(row.get(at + 3)?)?,
        data: row.get(at + 4)?,
    })
}

#[async_trait]
impl Events for SqliteStore {
    async fn list_events(&self, query: EventQuery) -> StoreResult<Vec<Event>> {
        self.reads.read(move |conn| list_events(conn, &query)).await
    }
}

fn list_events(conn: &Connection, query: &EventQuery) -> StoreResult<Vec<Event>> {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(account) = &query.account {
        values.push(Value::Text(account.to_string()));
        clauses.push(format!("e.account_number = ?{}", values.len()));
    }
    if let Some(event_type) = query.event_type {
        values.push(Value::Text(event_type.as_str().to_owned()));
        clauses.push(format!("e.event_type = ?{}", values.len()));
    }
    if let Some(after) = &query.after {
        let seq: Option<i64> = conn
            .prepare_cached("SELECT seq FROM events WHERE event_id = ?1")?
            .query_row([after], |r| r.get(0))
            .optional()?;
        values.push(Value::Integer(seq.ok_or_else(|| unknown_event(after))?));
        clauses.push(format!("e.seq > ?{}", values.len()));
    }
    values.push(Value::Integer(i64::from(
        query.limit.clamp(1, MAX_EVENTS_PAGE),
    )));
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e {filter} ORDER BY e.seq LIMIT CAST(?{} AS INTEGER)",
        values.len()
    ))?;
    let events = stmt
        .query_map(params_from_iter(values.iter()), |r| event_from_row(r, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(events)
}
