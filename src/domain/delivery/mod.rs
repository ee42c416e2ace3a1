//! The delivery queue's records and decisions: what a delivery is, which channel carries
//! it, and what an attempt's outcome means for it ([`retry`]). Backends only store what
//! these decide; the sending itself is `outbound`'s.

pub mod retry;

pub use retry::RetrySchedule;

use super::events::Event;

/// How a delivery leaves the process: each channel has its own sender (`outbound`)
/// and its own retry schedule, on the same queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An event to a webhook (target: the webhook id).
    Webhook,
    /// An inbound SMS to its number's `SMS_URL` (target: the filled URL).
    SmsUrl,
    /// An inbound SMS by e-mail (target: the `SMS_EMAIL` address).
    SmsEmail,
    /// An outbound SMS to Kannel's `sendsms` (target: the message's smsid).
    Kannel,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Webhook,
        Channel::SmsUrl,
        Channel::SmsEmail,
        Channel::Kannel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::SmsUrl => "sms_url",
            Channel::SmsEmail => "sms_email",
            Channel::Kannel => "kannel",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        match text {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }

    /// Whether an operator may send it again (`didhub deliveries retry`): anything not
    /// yet delivered. A message why not, otherwise.
    pub fn check_retry(self, delivery_id: i64) -> Result<(), String> {
        match self {
            DeliveryState::Delivered => Err(format!("delivery {delivery_id} was delivered")),
            DeliveryState::Pending | DeliveryState::Failed => Ok(()),
        }
    }
}

/// The endpoint a webhook delivery goes to, read with the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
}

/// A delivery a worker has claimed: it alone may attempt it until `lease_until_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub delivery_id: i64,
    pub channel: Channel,
    /// What the channel sends to: the webhook id for webhooks.
    pub target: String,
    /// The webhook's URL and secret; `None` when it was removed meanwhile.
    pub webhook: Option<WebhookTarget>,
    pub event: Event,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Wall-clock milliseconds of the first attempt (this one, if it is the first).
    pub first_attempt_at_ms: i64,
    /// Proves the claim when the attempt is recorded: a claim whose lease ran out and was
    /// taken by another worker can no longer record anything.
    pub lease_token: String,
}

impl ClaimedDelivery {
    /// The outbound SMS (smsid) that `record` finally fails to hand to Kannel: the
    /// message then fails and is refunded with the record (`sms.md`).
    pub fn refused_sms(&self, record: &AttemptRecord) -> Option<i64> {
        if self.channel == Channel::Kannel && record.state == DeliveryState::Failed {
            self.target.parse().ok()
        } else {
            None
        }
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A 2xx answer.
    Delivered,
    /// Worth another attempt later (an error status, a timeout, a refused connection).
    Retryable(String),
    /// No later attempt can succeed (the webhook was removed, the target is refused).
    Permanent(String),
}

/// The recorded result of an attempt, decided by [`RetrySchedule::after_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub delivery_id: i64,
    pub lease_token: String,
    pub state: DeliveryState,
    /// When a pending delivery is next due (wall-clock milliseconds).
    pub due_at_ms: i64,
    pub attempted_at_ms: i64,
    /// Empty when delivered.
    pub error: String,
    /// The outbound SMS (smsid) this attempt finally failed to hand to Kannel: it fails
    /// and is refunded in the same transaction as the record.
    pub refused_sms: Option<i64>,
}

/// What a worker asks the queue for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryClaim {
    /// Wall-clock milliseconds now: deliveries due by then, not leased past it.
    pub now_ms: i64,
    /// The lease the claimed deliveries get.
    pub lease_until_ms: i64,
    pub lease_token: String,
    pub limit: u32,
    /// Targets this worker has no room for now (per-endpoint concurrency).
    pub skip_targets: Vec<String>,
}

/// A delivery as the operator sees it (`didhub deliveries list`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRecord {
    pub delivery_id: i64,
    pub channel: String,
    pub target: String,
    pub event_id: String,
    pub event_type: String,
    pub account_number: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub due_at_ms: i64,
    pub last_attempt_at_ms: Option<i64>,
    pub last_error: String,
}
