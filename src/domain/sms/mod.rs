//! SMS (`sms.md`): the decisions about messages, unit-tested here once; the backends
//! only load and store. Part counting and coding ([`parts`]), `SMS_URL` templates
//! ([`template`]), the numbers of a message ([`address`]), which channels an inbound
//! message goes to ([`plan_inbound`]), what a message costs ([`fee`]), the states of a
//! message and what a Kannel delivery report does to one ([`OutboundState::after_report`]),
//! and what the Kannel sender submits ([`Submission`]).

pub mod address;
pub mod parts;
pub mod template;

use serde::Serialize;

use super::delivery::Channel;
use super::events::{Event, EventType};
use super::{AccountNumber, DidStatus, E164, Money, Timestamp};
pub use parts::{Coding, Parts, count_parts, message_parts};

/// The state of a message didhub sends (v1 gateway or an `SMS_PHONE` forward).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboundState {
    /// Paid for and waiting in the queue, or accepted by Kannel.
    Queued,
    /// Handed to the carrier (Kannel's SMSC submit report, or buffered).
    Sent,
    /// The handset has it.
    Delivered,
    /// Refused (by Kannel or the carrier), or not delivered.
    Failed,
}

impl OutboundState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundState::Queued => "queued",
            OutboundState::Sent => "sent",
            OutboundState::Delivered => "delivered",
            OutboundState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<OutboundState> {
        [
            OutboundState::Queued,
            OutboundState::Sent,
            OutboundState::Delivered,
            OutboundState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    fn is_final(self) -> bool {
        matches!(self, OutboundState::Delivered | OutboundState::Failed)
    }

    /// What a Kannel delivery report of `dlr_type` (Kannel's `%d`: 1 delivered, 2
    /// failed, 4 buffered, 8 SMSC submit, 16 SMSC reject) makes of a message in this
    /// state: `None` when it changes nothing (an unknown type, a report after a final
    /// state, or one that would move the message back). A reject by the SMSC is Kannel
    /// finally refusing the message, and is refunded; a failed delivery to the handset
    /// was carried, and is not.
    pub fn after_report(self, dlr_type: u32) -> Option<Change> {
        let (state, refund) = match dlr_type {
            1 => (OutboundState::Delivered, false),
            2 => (OutboundState::Failed, false),
            16 => (OutboundState::Failed, true),
            4 | 8 => (OutboundState::Sent, false),
            _ => return None,
        };
        let moves_on = !self.is_final() && (state.is_final() || self == OutboundState::Queued);
        moves_on.then(|| Change {
            state,
            refund,
            reason: match dlr_type {
                2 => "the carrier reported the message undelivered".into(),
                16 => "the carrier's SMSC rejected the message".into(),
                _ => String::new(),
            },
        })
    }

    /// What Kannel finally refusing the message (`sendsms` never accepted it) makes of
    /// it: failed and refunded, unless it already reached a final state.
    pub fn after_refusal(self, why: &str) -> Option<Change> {
        (!self.is_final()).then(|| Change {
            state: OutboundState::Failed,
            refund: true,
            reason: format!("Kannel refused the message: {why}"),
        })
    }
}

/// A change of an outbound message's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub state: OutboundState,
    /// Whether the fee goes back to the payer (a `refund` ledger row).
    pub refund: bool,
    pub reason: String,
}

/// The state of a message to a didhub number, as `sms list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InboundState {
    /// Stored; a channel is still being tried (or the number has no channel).
    Stored,
    /// Every channel is done and at least one delivered it.
    Delivered,
    /// Every channel failed.
    Failed,
    /// Not forwarded: the number is not held and Active.
    Undeliverable,
}

impl InboundState {
    pub fn as_str(self) -> &'static str {
        match self {
            InboundState::Stored => "stored",
            InboundState::Delivered => "delivered",
            InboundState::Failed => "failed",
            InboundState::Undeliverable => "undeliverable",
        }
    }

    /// The state from the message's channels: how many of its deliveries are pending,
    /// delivered and failed.
    pub fn from_channels(
        undeliverable: bool,
        pending: u64,
        delivered: u64,
        failed: u64,
    ) -> InboundState {
        if undeliverable {
            InboundState::Undeliverable
        } else if pending > 0 || delivered + failed == 0 {
            InboundState::Stored
        } else if delivered > 0 {
            InboundState::Delivered
        } else {
            InboundState::Failed
        }
    }
}

/// A held (or once held) number as an inbound message finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivingNumber {
    pub e164: E164,
    pub status: DidStatus,
    pub holder: AccountNumber,
    /// The holder's main account: the events' account and the payer of forwards.
    pub main_account: AccountNumber,
    pub sms_url: String,
    pub sms_email: String,
    pub sms_phone: String,
}

/// Where an inbound message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundPlan {
    /// Stored and forwarded on each channel (possibly none).
    Deliver {
        /// `(channel, target)`: the filled `SMS_URL`, the `SMS_EMAIL` address.
        channels: Vec<(Channel, String)>,
        /// `SMS_PHONE`: forwarded as an outbound SMS from the receiving number.
        forward_to: Option<E164>,
    },
    /// Stored only, with the reason.
    Undeliverable(String),
}

/// Where a message from `from` with `text` to `number` (as found; `None`: not a
/// number didhub knows as held) goes: only an Active number forwards.
pub fn plan_inbound(number: Option<&ReceivingNumber>, from: &str, text: &str) -> InboundPlan {
    let Some(number) = number else {
        return InboundPlan::Undeliverable("the number is not in service".into());
    };
    match number.status {
        DidStatus::Active => {}
        DidStatus::Suspended => {
            return InboundPlan::Undeliverable(
                "the number is suspended (a renewal is unpaid)".into(),
            );
        }
        DidStatus::Canceled => {
            return InboundPlan::Undeliverable("the number is canceled".into());
        }
    }
    let mut channels = Vec::new();
    if !number.sms_url.is_empty() {
        let url = template::fill_sms_url(&number.sms_url, from, number.e164.as_str(), text);
        channels.push((Channel::SmsUrl, url));
    }
    if !number.sms_email.is_empty() {
        channels.push((Channel::SmsEmail, number.sms_email.clone()));
    }
    InboundPlan::Deliver {
        channels,
        forward_to: E164::parse("SMS_PHONE", &number.sms_phone).ok(),
    }
}

/// What `parts` parts cost at `price` each.
pub fn fee(parts: u32, price: Money) -> Option<Money> {
    price.checked_mul(i64::from(parts))
}

/// A message's channel states as the `sms.received` event names them.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::SmsUrl => "SMS_URL",
        Channel::SmsEmail => "SMS_EMAIL",
        Channel::Kannel => "SMS_PHONE",
        Channel::Webhook => "WEBHOOK",
    }
}

/// What the Kannel sender hands to `sendsms`, read from the event its delivery hangs
/// on: an `sms.sent` (the message itself), or an `sms.received` whose `SMS_PHONE`
/// forward it is (`FORWARD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub smsid: i64,
    pub from: String,
    pub to: String,
    pub text: String,
    pub coding: Coding,
}

impl Submission {
    pub fn from_event(event: &Event) -> Option<Submission> {
        let data: serde_json::Value = serde_json::from_str(&event.data).ok()?;
        let text = data.get("MESSAGE")?.as_str()?.to_owned();
        let message = match event.event_type {
            EventType::SmsSent => &data,
            EventType::SmsReceived => data.get("FORWARD")?,
            _ => return None,
        };
        Some(Submission {
            smsid: message.get("SMSID")?.as_i64()?,
            from: message.get("FROM")?.as_str()?.to_owned(),
            to: message.get("TO")?.as_str()?.to_owned(),
            coding: count_parts(&text).coding,
            text,
        })
    }
}

/// A message as `didhub sms list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsRecord {
    pub smsid: i64,
    /// `in` or `out`.
    pub direction: String,
    /// The main account it belongs to (none for a message to an unknown number).
    pub account_number: Option<String>,
    pub from: String,
    pub to: String,
    pub parts: u32,
    /// Printed with the currency's decimals.
    pub fee: String,
    pub state: String,
    pub reason: String,
    pub created_at: Timestamp,
}

/// A message Kannel handed to didhub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    /// As delivered on ([`address::sender`]).
    pub from: String,
    /// The receiver as it came.
    pub to_raw: String,
    /// The receiver, when it is a number.
    pub to: Option<E164>,
    pub text: String,
    pub smsc: String,
    pub kannel_id: String,
    /// The price per part of a forward to a country without its own price.
    pub default_price: Money,
}

/// What storing an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReceipt {
    pub smsid: i64,
    pub undeliverable: Option<String>,
}

/// A message to send (the v1 gateway), its parameters checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundSms {
    pub caller: super::Caller,
    pub from: E164,
    pub to: E164,
    pub text: String,
    pub parts: Parts,
    pub default_price: Money,
}

/// A message accepted for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    pub smsid: i64,
    pub parts: u32,
    pub fee: Money,
}

/// A Kannel delivery report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub smsid: i64,
    pub dlr_type: u32,
    /// Kannel's `%A` (the SMSC's answer), for the log and the event.
    pub answer: String,
}

/// An operator's price for SMS to a country (per part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPrice {
    pub country_id: String,
    pub price: Money,
}

/// The default price per part (`sms_default_price`): 0.01.
pub const DEFAULT_SMS_PRICE: Money = Money(1);

#[cfg(test)]
mod tests;
