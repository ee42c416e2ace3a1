//! Validated requests about numbers already held (list, update, move, cancel) and what
//! they return. Each names the `caller` and the `holder` whose numbers it touches; the
//! store checks that the holder is in the caller's tree.

use super::{AccountNumber, Caller, Did, DidStatus, DidType, E164, Timestamp};

/// Exact-match filters of DID.LIST and DID.UPDATE, AND-combined; `None` matches all, and
/// `Some(None)` of a channel count matches numbers where it is unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DidFilter {
    pub did_type: Option<DidType>,
    pub e164: Option<E164>,
    pub sms_email: Option<String>,
    pub sms_url: Option<String>,
    pub call_forward_type: Option<String>,
    pub call_forward_to: Option<String>,
    pub title: Option<String>,
    pub channels_limit: Option<Option<u32>>,
    pub channels_ondemand: Option<Option<u32>>,
    /// `FILTER.STATUS`.
    pub status: Option<DidStatus>,
}

/// DID.LIST.
#[derive(Debug, Clone)]
pub struct DidListRequest {
    pub caller: Caller,
    pub holder: AccountNumber,
    pub filter: DidFilter,
    /// At most this many, in ascending E164 order; `None` for all.
    pub limit: Option<u32>,
    pub offset: u64,
}

/// One page of DIDs and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidPage {
    pub total: u64,
    pub dids: Vec<Did>,
}

/// Settings of DID.UPDATE with patch semantics: `None` leaves a setting as it is,
/// `Some("")` (or `Some(None)` for a channel count) clears it. Values are validated before
/// they get here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingPatch {
    pub sms_url: Option<String>,
    pub sms_email: Option<String>,
    pub sms_phone: Option<String>,
    pub call_forward_type: Option<String>,
    pub call_forward_to: Option<String>,
    pub title: Option<String>,
    pub channels_limit: Option<Option<u32>>,
    pub channels_ondemand: Option<Option<u32>>,
}

impl RoutingPatch {
    /// Names of the settings this patch changes, for the numbers' history.
    pub fn changed_settings(&self) -> Vec<&'static str> {
        [
            ("SMS_URL", self.sms_url.is_some()),
            ("SMS_EMAIL", self.sms_email.is_some()),
            ("SMS_PHONE", self.sms_phone.is_some()),
            ("CALL_FORWARD_TYPE", self.call_forward_type.is_some()),
            ("CALL_FORWARD_TO", self.call_forward_to.is_some()),
            ("TITLE", self.title.is_some()),
            ("CHANNELS_LIMIT", self.channels_limit.is_some()),
            ("CHANNELS_ONDEMAND", self.channels_ondemand.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// DID.UPDATE: apply `patch` to every Active DID of `holder` matching `filter`.
#[derive(Debug, Clone)]
pub struct DidUpdateRequest {
    pub caller: Caller,
    pub holder: AccountNumber,
    pub filter: DidFilter,
    pub patch: RoutingPatch,
    pub request_id: String,
}

/// DID.MOVE: give `e164` from `holder` to `to`, both in the caller's tree.
#[derive(Debug, Clone)]
pub struct DidMoveRequest {
    pub caller: Caller,
    pub holder: AccountNumber,
    pub to: AccountNumber,
    pub e164: E164,
    pub request_id: String,
}

/// DID.CANCEL: give `e164` back; it returns to stock `aging_seconds` later.
#[derive(Debug, Clone)]
pub struct DidCancelRequest {
    pub caller: Caller,
    pub holder: AccountNumber,
    pub e164: E164,
    pub aging_seconds: i64,
    pub request_id: String,
}

/// A number as the operator sees it, with its whole history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NumberRecord {
    pub e164: String,
    pub area_id: String,
    pub did_type: String,
    /// `available`, `active` or `aging`.
    pub state: String,
    pub account_number: Option<String>,
    pub rate_plan_id: Option<String>,
    pub monthly100: Option<i64>,
    pub title: String,
    pub call_forward_type: String,
    pub call_forward_to: String,
    pub sms_url: String,
    pub sms_email: String,
    pub sms_phone: String,
    pub channels_limit: Option<i64>,
    pub channels_ondemand: Option<i64>,
    pub release_at: Option<Timestamp>,
    /// `Active`, `Suspended` or `Canceled` while someone holds or held it; `None` in stock.
    pub status: Option<String>,
    /// The instant of the order that gave it to its holder (the billing anchor).
    pub anchor: Option<Timestamp>,
    /// `PAID_UNTIL`: the first day of the first unpaid period.
    pub paid_until: Option<Timestamp>,
    /// Periods paid, the order's included.
    pub periods_paid: Option<i64>,
    /// When it was Suspended, while it is.
    pub suspended_at: Option<Timestamp>,
    pub history: Vec<NumberEvent>,
}

/// One state change of a number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NumberEvent {
    pub at: Timestamp,
    /// `ordered`, `updated`, `moved`, `canceled`, `renewed`, `suspended`, `reactivated`
    /// or `released`.
    pub event: String,
    pub account_number: Option<String>,
    pub order_id: Option<i64>,
    pub request_id: Option<String>,
    pub detail: String,
}
