//! The SMS events (`sms.md`): `sms.received` (a message to a number, with its channel
//! states), `sms.sent` (a message queued for Kannel, paid) and `sms.status` (a delivery
//! report or Kannel's refusal changed an outbound message's state).

use serde_json::{Map, Value, json};

use super::{Event, EventType};
use crate::domain::sms::OutboundState;
use crate::domain::{AccountNumber, Money, Timestamp};

/// An inbound message and what became of it.
pub struct Received<'a> {
    pub smsid: i64,
    pub from: &'a str,
    pub to: &'a str,
    pub text: &'a str,
    /// `None`: stored for delivery; `Some(reason)`: undeliverable.
    pub undeliverable: Option<&'a str>,
    /// `(name, state)` of each channel (`SMS_URL`: `pending`, ...).
    pub channels: Vec<(&'static str, String)>,
    /// The `SMS_PHONE` forward: its smsid, from and to.
    pub forward: Option<(i64, &'a str, &'a str)>,
}

/// An outbound message as queued.
pub struct Sent<'a> {
    pub smsid: i64,
    pub from: &'a str,
    pub to: &'a str,
    pub text: &'a str,
    pub parts: u32,
    pub fee: Money,
    /// The inbound message an `SMS_PHONE` forward carries on.
    pub forwarded_from: Option<i64>,
}

impl Event {
    pub fn sms_received(m: &Received<'_>, main_account: &AccountNumber, at: Timestamp) -> Event {
        let mut data = Map::new();
        data.insert("SMSID".into(), m.smsid.into());
        data.insert("FROM".into(), m.from.into());
        data.insert("TO".into(), m.to.into());
        data.insert("MESSAGE".into(), m.text.into());
        let state = if m.undeliverable.is_some() {
            "undeliverable"
        } else {
            "stored"
        };
        data.insert("STATE".into(), state.into());
        data.insert("REASON".into(), m.undeliverable.unwrap_or("").into());
        let channels: Map<String, Value> = m
            .channels
            .iter()
            .map(|(name, state)| ((*name).to_owned(), Value::from(state.as_str())))
            .collect();
        data.insert("CHANNELS".into(), Value::Object(channels));
        if let Some((smsid, from, to)) = m.forward {
            data.insert(
                "FORWARD".into(),
                json!({"SMSID": smsid, "FROM": from, "TO": to}),
            );
        }
        Event::new(EventType::SmsReceived, main_account, data, at)
    }

    pub fn sms_sent(m: &Sent<'_>, main_account: &AccountNumber, at: Timestamp) -> Event {
        let mut data = Map::new();
        data.insert("SMSID".into(), m.smsid.into());
        data.insert("FROM".into(), m.from.into());
        data.insert("TO".into(), m.to.into());
        data.insert("MESSAGE".into(), m.text.into());
        data.insert("PARTS".into(), m.parts.into());
        data.insert("FEE".into(), m.fee.to_string().into());
        data.insert("STATE".into(), OutboundState::Queued.as_str().into());
        if let Some(inbound) = m.forwarded_from {
            data.insert("FORWARDED_FROM".into(), inbound.into());
        }
        Event::new(EventType::SmsSent, main_account, data, at)
    }

    /// `refunded`: the fee given back with this change (zero when none).
    pub fn sms_status(
        smsid: i64,
        state: OutboundState,
        reason: &str,
        refunded: Money,
        main_account: &AccountNumber,
        at: Timestamp,
    ) -> Event {
        let mut data = Map::new();
        data.insert("SMSID".into(), smsid.into());
        data.insert("STATE".into(), state.as_str().into());
        data.insert("REASON".into(), reason.into());
        data.insert("REFUNDED".into(), refunded.to_string().into());
        Event::new(EventType::SmsStatus, main_account, data, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sms::Submission;

    fn account() -> AccountNumber {
        AccountNumber::parse("a", "1000000001").unwrap()
    }

    #[test]
    fn the_kannel_sender_reads_a_sent_message_and_a_forward() {
        let sent = Event::sms_sent(
            &Sent {
                smsid: 7,
                from: "12125550100",
                to: "447700900123",
                text: "Grüße",
                parts: 1,
                fee: Money(1),
                forwarded_from: None,
            },
            &account(),
            0,
        );
        let submission = Submission::from_event(&sent).unwrap();
        assert_eq!(
            (
                submission.smsid,
                submission.from.as_str(),
                submission.to.as_str()
            ),
            (7, "12125550100", "447700900123")
        );
        assert_eq!(submission.text, "Grüße");
        let received = Event::sms_received(
            &Received {
                smsid: 8,
                from: "Bank",
                to: "12125550100",
                text: "code 1234",
                undeliverable: None,
                channels: vec![("SMS_PHONE", "pending".into())],
                forward: Some((9, "12125550100", "447700900123")),
            },
            &account(),
            0,
        );
        let forward = Submission::from_event(&received).unwrap();
        assert_eq!(
            (forward.smsid, forward.from.as_str(), forward.to.as_str()),
            (9, "12125550100", "447700900123")
        );
        assert_eq!(forward.text, "code 1234");
        let data: Value = serde_json::from_str(&received.data).unwrap();
        assert_eq!(data["CHANNELS"]["SMS_PHONE"], "pending");
        assert_eq!(data["STATE"], "stored");
    }
}
