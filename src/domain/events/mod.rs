//! Events: what changed, written in the same transaction as the change (`events.md`).
//!
//! An event has a stable id (`evt_` + a UUIDv7, so ids sort by creation), a type, the
//! instant it occurred, the main account it belongs to and its data. The data of a DID
//! event is the DID exactly as the API shows it ([`did_json`]) plus the order id where
//! there is one; every backend stores what [`Event::did`] and [`Event::credit`] build, so
//! no backend decides what an event says.

mod filter;
pub mod sms;

pub use filter::EventFilter;

use std::fmt;

use serde::Serialize;

use super::billing::{Period, utc_date};
use super::did_attributes::did_json;
use super::{AccountNumber, Did, DomainError, Money, Timestamp};

/// The kinds of event. Names are part of the contract: new ones may be added, none renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    DidOrdered,
    DidUpdated,
    DidMoved,
    DidCanceled,
    DidRenewed,
    DidSuspended,
    DidReactivated,
    DidReleased,
    AccountCredited,
    SmsReceived,
    SmsSent,
    SmsStatus,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        EventType::DidOrdered,
        EventType::DidUpdated,
        EventType::DidMoved,
        EventType::DidCanceled,
        EventType::DidRenewed,
        EventType::DidSuspended,
        EventType::DidReactivated,
        EventType::DidReleased,
        EventType::AccountCredited,
        EventType::SmsReceived,
        EventType::SmsSent,
        EventType::SmsStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::DidOrdered => "did.ordered",
            EventType::DidUpdated => "did.updated",
            EventType::DidMoved => "did.moved",
            EventType::DidCanceled => "did.canceled",
            EventType::DidRenewed => "did.renewed",
            EventType::DidSuspended => "did.suspended",
            EventType::DidReactivated => "did.reactivated",
            EventType::DidReleased => "did.released",
            EventType::AccountCredited => "account.credited",
            EventType::SmsReceived => "sms.received",
            EventType::SmsSent => "sms.sent",
            EventType::SmsStatus => "sms.status",
        }
    }

    pub fn parse(name: &str, text: &str) -> Result<EventType, DomainError> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| DomainError::invalid(name, text, "not an event type"))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fresh id with `prefix`: the prefix and a UUIDv7 in lower-case hex, which sorts by
/// the millisecond it was made.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// RFC 3339 in UTC (`2026-01-01T00:00:00Z`).
pub fn rfc3339(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `did.released`'s `REASON` when billing takes an unpaid number from its holder.
pub const RELEASED_UNPAID: &str = "unpaid";
/// `did.released`'s `REASON` when aging is over and the number is back in stock.
pub const RETURNED_TO_STOCK: &str = "returned_to_stock";

/// An event, as written and as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    /// The main account the event belongs to (a sub-account's events are its main's).
    pub account_number: AccountNumber,
    /// A JSON object, as text (the same bytes on every delivery).
    pub data: String,
}

impl Event {
    fn new(
        event_type: EventType,
        account_number: &AccountNumber,
        data: serde_json::Map<String, serde_json::Value>,
        at: Timestamp,
    ) -> Event {
        Event {
            id: new_id("evt_"),
            event_type,
            occurred_at: at,
            account_number: account_number.clone(),
            data: serde_json::Value::Object(data).to_string(),
        }
    }

    /// A DID event: the DID as the API shows it, plus ORDER_ID when there is one.
    /// `main_account` is the main account of the DID's holder.
    pub fn did(
        event_type: EventType,
        did: &Did,
        main_account: &AccountNumber,
        order_id: Option<i64>,
        at: Timestamp,
    ) -> Event {
        let mut data = did_json(did);
        if let Some(order_id) = order_id {
            data.insert("ORDER_ID".into(), order_id.into());
        }
        Event::new(event_type, main_account, data, at)
    }

    /// A billing event (`did.renewed`, `did.suspended`, `did.reactivated`, and
    /// `did.released` as unpaid): the DID, its order, and the period concerned with its
    /// price as `PERIOD` (`NUMBER`, `STARTS`, `ENDS` as UTC dates, `AMOUNT100`).
    pub fn did_period(
        event_type: EventType,
        did: &Did,
        main_account: &AccountNumber,
        order_id: i64,
        period: &Period,
        price: Money,
        at: Timestamp,
    ) -> Event {
        let mut data = did_json(did);
        data.insert("ORDER_ID".into(), order_id.into());
        data.insert(
            "PERIOD".into(),
            serde_json::json!({
                "NUMBER": period.number,
                "STARTS": utc_date(period.starts_at),
                "ENDS": utc_date(period.ends_at),
                "AMOUNT100": price.minor(),
            }),
        );
        if event_type == EventType::DidReleased {
            data.insert("REASON".into(), RELEASED_UNPAID.into());
        }
        Event::new(event_type, main_account, data, at)
    }

    /// `did.released` when a canceled or unpaid number's aging is over and it returns
    /// to stock: the DID as its holder last saw it, `REASON` `returned_to_stock`.
    pub fn did_returned_to_stock(did: &Did, main_account: &AccountNumber, at: Timestamp) -> Event {
        let mut data = did_json(did);
        data.insert("REASON".into(), RETURNED_TO_STOCK.into());
        Event::new(EventType::DidReleased, main_account, data, at)
    }

    /// `did.moved`: the DID as it is now, and the account it came from.
    pub fn did_moved(
        did: &Did,
        from: &AccountNumber,
        main_account: &AccountNumber,
        at: Timestamp,
    ) -> Event {
        let mut data = did_json(did);
        data.insert("FROM_ACCOUNT_NUMBER".into(), from.as_str().into());
        Event::new(EventType::DidMoved, main_account, data, at)
    }

    /// `account.credited`: a credit (or correction) of a main account's balance.
    pub fn credit(
        account: &AccountNumber,
        amount: Money,
        balance: Money,
        memo: &str,
        at: Timestamp,
    ) -> Event {
        let mut data = serde_json::Map::new();
        data.insert("ACCOUNT_NUMBER".into(), account.as_str().into());
        data.insert("AMOUNT100".into(), amount.minor().into());
        data.insert("BALANCE100".into(), balance.minor().into());
        data.insert("MEMO".into(), memo.into());
        Event::new(EventType::AccountCredited, account, data, at)
    }

    /// The event as receivers get it: `{"id", "type", "occurred_at", "account_number",
    /// "data"}`, always the same bytes for the same event.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            id: &'a str,
            #[serde(rename = "type")]
            event_type: &'a str,
            occurred_at: String,
            account_number: &'a str,
            data: serde_json::Value,
        }
        let data = serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null);
        serde_json::to_string(&Body {
            id: &self.id,
            event_type: self.event_type.as_str(),
            occurred_at: rfc3339(self.occurred_at),
            account_number: self.account_number.as_str(),
            data,
        })
        .expect("an event serializes")
    }
}

/// One `did.ordered` per number an order bought; `main_account` pays for them.
pub fn order_events(
    dids: &[Did],
    main_account: &AccountNumber,
    order_id: i64,
    at: Timestamp,
) -> Vec<Event> {
    dids.iter()
        .map(|did| Event::did(EventType::DidOrdered, did, main_account, Some(order_id), at))
        .collect()
}

/// Which events `didhub events list` reads, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    pub account: Option<AccountNumber>,
    pub event_type: Option<EventType>,
    /// Only events written after this one.
    pub after: Option<String>,
    pub limit: u32,
}

#[cfg(test)]
mod tests;
