//! A DID's attributes as the wire names them (`anveo-api.md` §3.1): Anveo's 14, then
//! didhub's four, in that order. The XML writer and the event payloads both read them
//! from [`did_attributes`], so a number looks the same in a response and in a webhook.

use std::borrow::Cow;

use super::billing::utc_date;
use super::{Did, utc_date_time};

/// One attribute's value, typed so each format can write it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    /// A count that may be unset (empty in XML, `null` in JSON).
    Count(Option<u32>),
}

/// How many attributes a DID has.
pub const DID_ATTRIBUTE_COUNT: usize = 18;

/// The attributes of `did`, in the wire's order.
pub fn did_attributes(did: &Did) -> [(&'static str, AttributeValue<'_>); DID_ATTRIBUTE_COUNT] {
    use AttributeValue::{Count, Int, Text};
    let text = |value: &str| Text(Cow::Owned(value.to_owned()));
    let borrowed = |value| Text(Cow::Borrowed(value));
    let r = &did.routing;
    [
        ("E164", borrowed(did.e164.as_str())),
        ("DID_TYPE", borrowed(did.did_type.as_str())),
        ("SMS_URL", borrowed(&r.sms_url)),
        ("SMS_EMAIL", borrowed(&r.sms_email)),
        ("CALL_FORWARD_TYPE", borrowed(&r.call_forward_type)),
        ("CALL_FORWARD_TO", borrowed(&r.call_forward_to)),
        ("STATUS", borrowed(did.status.as_str())),
        ("COUNTRY_NAME", borrowed(&did.country_name)),
        ("AREA_NAME", borrowed(&did.area_name)),
        ("AREA_CODE", borrowed(&did.area_code)),
        ("MONTHLY100", Int(did.monthly.minor())),
        ("RATE_PLAN_ID", borrowed(did.rate_plan_id.as_str())),
        ("TITLE", borrowed(&did.title)),
        ("ACCOUNT_NUMBER", borrowed(did.account_number.as_str())),
        (
            "ORDER_DATE",
            text(&did.ordered_at.map(utc_date_time).unwrap_or_default()),
        ),
        (
            "PAID_UNTIL",
            text(&did.paid_until.map(utc_date).unwrap_or_default()),
        ),
        ("CHANNELS_LIMIT", Count(did.channels.limit)),
        ("CHANNELS_ONDEMAND", Count(did.channels.ondemand)),
    ]
}

/// The DID as a JSON object with the wire's attribute names: text as strings,
/// MONTHLY100 as a number, an unset channel count as `null`.
pub fn did_json(did: &Did) -> serde_json::Map<String, serde_json::Value> {
    did_attributes(did)
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                AttributeValue::Text(text) => serde_json::Value::String(text.into_owned()),
                AttributeValue::Int(int) => int.into(),
                AttributeValue::Count(count) => count.map_or(serde_json::Value::Null, Into::into),
            };
            (name.to_owned(), value)
        })
        .collect()
}
