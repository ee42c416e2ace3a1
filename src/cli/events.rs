//! `didhub events list [--account N] [--type T] [--after ID] [--limit N]`: the event log,
//! oldest first.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::domain::AccountNumber;
use crate::domain::events::{EventQuery, EventType, rfc3339};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print events, oldest first.
    List {
        /// Only this main account's events.
        #[arg(long)]
        account: Option<String>,
        /// Only events of this type (e.g. did.ordered).
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only events written after the event with this id.
        #[arg(long)]
        after: Option<String>,
        /// At most this many (default 100, at most 10,000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub async fn run(command: EventsCommand, store: &dyn Store) -> anyhow::Result<Report> {
    let EventsCommand::List {
        account,
        event_type,
        after,
        limit,
    } = command;
    let query = EventQuery {
        account: account
            .map(|a| AccountNumber::parse("--account", &a))
            .transpose()?,
        event_type: event_type
            .map(|t| EventType::parse("--type", &t))
            .transpose()?,
        after,
        limit,
    };
    let events = store.list_events(query).await?;
    let mut text = String::new();
    let mut rows = Vec::with_capacity(events.len());
    for event in &events {
        let data: serde_json::Value = serde_json::from_str(&event.data)?;
        text.push_str(&format!(
            "{}  {}  {:<16}  account {}  {}\n",
            event.id,
            rfc3339(event.occurred_at),
            event.event_type,
            event.account_number,
            event.data
        ));
        rows.push(json!({
            "id": event.id,
            "type": event.event_type.as_str(),
            "occurred_at": rfc3339(event.occurred_at),
            "account_number": event.account_number.as_str(),
            "data": data,
        }));
    }
    if events.is_empty() {
        text.push_str("no events\n");
    }
    Ok(Report::ok(json!({ "events": rows }), text))
}
