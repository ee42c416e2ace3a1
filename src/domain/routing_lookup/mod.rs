//! The switch's lookup (`shared/spec/routing.md`): from a number's stored row and the
//! operator's [`RoutingSettings`] to a [`RouteAnswer`] (found or not, status, holder,
//! channel limit, and the ordered routes of serial failover, or why there are none).
//!
//! The validation of CALL_FORWARD_TO stays in [`super::routing`]; this module only turns
//! a valid one into routes. Renderings for each switch live in `api::routing`.

mod called;
mod settings;
pub mod tokens;

#[cfg(test)]
mod tests;

pub use called::parse_called_number;
pub use settings::{DEFAULT_ASTERISK_ENDPOINT, DEFAULT_FREESWITCH_PROFILE, RoutingSettings};

use super::routing::E164_PLACEHOLDER;
use super::{AccountNumber, CallForwardType, DidStatus, E164};

/// What the store holds about a number for routing: its row, in domain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRecord {
    pub e164: E164,
    /// `numbers.state` (`available`, `active`, `aging`).
    pub state: String,
    /// Whether `suspended_at` is set.
    pub suspended: bool,
    pub account_number: Option<AccountNumber>,
    /// Empty, or one of [`CallForwardType::as_str`].
    pub call_forward_type: String,
    pub call_forward_to: String,
    pub channels_limit: Option<u32>,
}

/// Why a call to a number cannot be routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unroutable {
    /// Unknown, in stock, canceled or aging.
    NotFound,
    /// Held, but a renewal is unpaid: the switch rejects the call, without failover.
    Suspended,
    /// No CALL_FORWARD_TYPE set.
    NoRoute,
    NoPstnGateway,
    NoRegistrar,
    UnknownTrunk,
    CallflowUnsupported,
}

impl Unroutable {
    pub fn as_str(self) -> &'static str {
        match self {
            Unroutable::NotFound => "not_found",
            Unroutable::Suspended => "suspended",
            Unroutable::NoRoute => "no_route",
            Unroutable::NoPstnGateway => "no_pstn_gateway",
            Unroutable::NoRegistrar => "no_registrar",
            Unroutable::UnknownTrunk => "unknown_trunk",
            Unroutable::CallflowUnsupported => "callflow_unsupported",
        }
    }
}

/// One destination of serial failover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// A SIP URI with its `sip:` scheme.
    pub uri: String,
    /// How long it may ring before the next route is tried.
    pub timeout_ms: u64,
}

/// The answer to one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAnswer {
    pub did: E164,
    /// `None` when not found.
    pub status: Option<DidStatus>,
    pub account_number: Option<AccountNumber>,
    /// `None`: no limit (unset or 0).
    pub channels_limit: Option<u32>,
    /// Empty unless routable; in failover order.
    pub routes: Vec<Route>,
    /// `None` when routable.
    pub reason: Option<Unroutable>,
}

impl RouteAnswer {
    pub fn routable(&self) -> bool {
        self.reason.is_none()
    }

    pub fn found(&self) -> bool {
        self.reason != Some(Unroutable::NotFound)
    }

    fn not_found(did: E164) -> RouteAnswer {
        RouteAnswer {
            did,
            status: None,
            account_number: None,
            channels_limit: None,
            routes: Vec::new(),
            reason: Some(Unroutable::NotFound),
        }
    }
}

/// The lookup: only an Active number routes; a Suspended one is found but rejected;
/// anything else (canceled, aging, in stock, unknown) is not found.
pub fn lookup(did: E164, record: Option<&RouteRecord>, settings: &RoutingSettings) -> RouteAnswer {
    let Some(record) = record.filter(|r| r.state != "available" && r.account_number.is_some())
    else {
        return RouteAnswer::not_found(did);
    };
    let status = DidStatus::from_stored(&record.state, record.suspended);
    let mut answer = RouteAnswer {
        did,
        status: Some(status),
        account_number: record.account_number.clone(),
        channels_limit: record.channels_limit.filter(|&n| n > 0),
        routes: Vec::new(),
        reason: None,
    };
    match status {
        DidStatus::Canceled => return RouteAnswer::not_found(answer.did),
        DidStatus::Suspended => answer.reason = Some(Unroutable::Suspended),
        DidStatus::Active => match routes_of(record, settings) {
            Ok(routes) => answer.routes = routes,
            Err(reason) => answer.reason = Some(reason),
        },
    }
    answer
}

/// The routes of an Active number, from its CALL_FORWARD_TYPE and CALL_FORWARD_TO.
fn routes_of(record: &RouteRecord, settings: &RoutingSettings) -> Result<Vec<Route>, Unroutable> {
    let kind = CallForwardType::parse("CALL_FORWARD_TYPE", &record.call_forward_type)
        .map_err(|_| Unroutable::NoRoute)?;
    let e164 = record.e164.as_str();
    let to = record.call_forward_to.trim();
    let uris: Vec<String> = match kind {
        CallForwardType::SipUri => to
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| with_scheme(&u.replace(E164_PLACEHOLDER, e164).replace("$[e164]$", e164)))
            .collect(),
        CallForwardType::Phone => {
            let gateway = settings
                .pstn_gateway
                .as_deref()
                .ok_or(Unroutable::NoPstnGateway)?;
            let digits: String = to.chars().filter(char::is_ascii_digit).collect();
            vec![format!("sip:{digits}@{gateway}")]
        }
        CallForwardType::SipRegistered => {
            let registrar = settings
                .registrar
                .as_deref()
                .ok_or(Unroutable::NoRegistrar)?;
            let user = match to {
                "ACCOUNT" => record
                    .account_number
                    .as_ref()
                    .map_or(e164, AccountNumber::as_str),
                _ => e164,
            };
            vec![format!("sip:{user}@{registrar}")]
        }
        CallForwardType::Trunk => settings
            .trunks
            .get(to)
            .ok_or(Unroutable::UnknownTrunk)?
            .iter()
            .map(|u| with_scheme(u))
            .collect(),
        CallForwardType::CallFlow => return Err(Unroutable::CallflowUnsupported),
    };
    if uris.is_empty() {
        return Err(Unroutable::NoRoute);
    }
    let timeout_ms = settings.ring_timeout_secs.saturating_mul(1000);
    Ok(uris
        .into_iter()
        .map(|uri| Route { uri, timeout_ms })
        .collect())
}

fn with_scheme(uri: &str) -> String {
    if uri.starts_with("sip:") || uri.starts_with("sips:") {
        uri.to_owned()
    } else {
        format!("sip:{uri}")
    }
}
