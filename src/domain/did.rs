//! DIDs: their type, status and call/SMS routing, and [`Did`], the record of a number as
//! its holder sees it (the 14 attributes of the wire's `DID` element).

use std::fmt;

use super::{AccountNumber, DomainError, E164, Money, RatePlanId};

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

/// The status a holder sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DidStatus {
    Active,
    Canceled,
}

impl DidStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DidStatus::Active => "Active",
            DidStatus::Canceled => "Canceled",
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
}
