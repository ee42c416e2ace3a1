//! DIDs: their type, status and call/SMS routing, and [`Did`], the record of a number as
//! its holder sees it (the 14 attributes of the wire's `DID` element).

use std::fmt;

use super::{AccountNumber, DomainError, E164, Money, RatePlanId, Timestamp};

/// The kind of number, as sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DidType {
    Geographic,
    National,
    TollFree,
    Mobile,
}

impl DidType {
    pub const ALL: [DidType; 4] = [
        DidType::Geographic,
        DidType::National,
        DidType::TollFree,
        DidType::Mobile,
    ];

    /// Accepts any letter case (`geographic`), per the spec's decision.
    pub fn parse(name: &str, text: &str) -> Result<DidType, DomainError> {
        DidType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                DomainError::invalid(
                    name,
                    text,
                    "expected GEOGRAPHIC, NATIONAL, TOLLFREE or MOBILE",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DidType::Geographic => "GEOGRAPHIC",
            DidType::National => "NATIONAL",
            DidType::TollFree => "TOLLFREE",
            DidType::Mobile => "MOBILE",
        }
    }
}

impl fmt::Display for DidType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status a holder sees (`STATUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DidStatus {
    /// Held and paid up: routes and receives SMS.
    Active,
    /// Held, but a renewal could not be paid (`billing.md`): listed, not routed, no SMS
    /// delivered, not orderable by anyone else.
    Suspended,
    /// Canceled or released: aging before it returns to stock.
    Canceled,
}

impl DidStatus {
    pub const ALL: [DidStatus; 3] = [DidStatus::Active, DidStatus::Suspended, DidStatus::Canceled];

    pub fn as_str(self) -> &'static str {
        match self {
            DidStatus::Active => "Active",
            DidStatus::Suspended => "Suspended",
            DidStatus::Canceled => "Canceled",
        }
    }

    /// Accepts any letter case (`suspended`), as DID_TYPE does.
    pub fn parse(name: &str, text: &str) -> Result<DidStatus, DomainError> {
        DidStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                DomainError::invalid(name, text, "expected Active, Suspended or Canceled")
            })
    }

    /// The status of a stored number: its `numbers.state` and whether `suspended_at` is
    /// set. Aging numbers are Canceled; held ones are Suspended while a renewal is unpaid.
    pub fn from_stored(state: &str, suspended: bool) -> DidStatus {
        match (state, suspended) {
            ("aging", _) => DidStatus::Canceled,
            (_, true) => DidStatus::Suspended,
            _ => DidStatus::Active,
        }
    }
}

/// Where inbound calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallForwardType {
    SipUri,
    CallFlow,
    Phone,
    SipRegistered,
    Trunk,
}

impl CallForwardType {
    pub const ALL: [CallForwardType; 5] = [
        CallForwardType::SipUri,
        CallForwardType::CallFlow,
        CallForwardType::Phone,
        CallForwardType::SipRegistered,
        CallForwardType::Trunk,
    ];

    pub fn parse(name: &str, text: &str) -> Result<CallForwardType, DomainError> {
        CallForwardType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                DomainError::invalid(
                    name,
                    text,
                    "expected SIP_URI, CALLFLOW, PHONE, SIP_REGISTERED or TRUNK",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallForwardType::SipUri => "SIP_URI",
            CallForwardType::CallFlow => "CALLFLOW",
            CallForwardType::Phone => "PHONE",
            CallForwardType::SipRegistered => "SIP_REGISTERED",
            CallForwardType::Trunk => "TRUNK",
        }
    }
}

/// Call and SMS routing of a number (and an account's default for new numbers).
/// Empty strings mean "unset", as on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    pub sms_url: String,
    pub sms_email: String,
    pub sms_phone: String,
    /// Empty, or one of [`CallForwardType::as_str`].
    pub call_forward_type: String,
    pub call_forward_to: String,
}

/// The most channels `CHANNELS_LIMIT` or `CHANNELS_ONDEMAND` may name.
pub const MAX_CHANNELS: u32 = 100_000;

/// Reads a channel count: a whole number from 0 to [`MAX_CHANNELS`].
pub fn parse_channel_count(name: &str, text: &str) -> Result<u32, DomainError> {
    let reason = || format!("expected a whole number from 0 to {MAX_CHANNELS}");
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(name, text, reason()));
    }
    match text.parse::<u32>() {
        Ok(count) if count <= MAX_CHANNELS => Ok(count),
        _ => Err(DomainError::invalid(name, text, reason())),
    }
}

/// A number's channel settings (`CHANNELS_LIMIT`, `CHANNELS_ONDEMAND`), set by DID.UPDATE;
/// routing uses the limit as the number's concurrent-call limit. `None` is unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Channels {
    pub limit: Option<u32>,
    pub ondemand: Option<u32>,
}

/// A number as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Did {
    pub e164: E164,
    pub did_type: DidType,
    pub routing: Routing,
    pub status: DidStatus,
    pub country_name: String,
    pub area_name: String,
    pub area_code: String,
    pub monthly: Money,
    pub rate_plan_id: RatePlanId,
    pub title: String,
    pub account_number: AccountNumber,
    /// When the current holder's order was placed (`ORDER_DATE`).
    pub ordered_at: Option<Timestamp>,
    /// The first day of the first unpaid period (`PAID_UNTIL`, see `billing.md`).
    pub paid_until: Option<Timestamp>,
    pub channels: Channels,
}

#[cfg(test)]
mod tests {
    use super::{MAX_CHANNELS, parse_channel_count};

    #[test]
    fn channel_counts_are_whole_numbers_up_to_the_maximum() {
        assert_eq!(parse_channel_count("CHANNELS_LIMIT", "0"), Ok(0));
        assert_eq!(parse_channel_count("CHANNELS_LIMIT", "007"), Ok(7));
        assert_eq!(
            parse_channel_count("CHANNELS_LIMIT", &MAX_CHANNELS.to_string()),
            Ok(MAX_CHANNELS)
        );
        for bad in ["", "-1", "1.5", "two", " 3", "100001", "99999999999"] {
            let e = parse_channel_count("CHANNELS_LIMIT", bad).unwrap_err();
            assert!(e.to_string().contains("CHANNELS_LIMIT"), "{e}");
        }
    }
}
