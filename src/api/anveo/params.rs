//! Reading typed parameters out of an [`ApiRequest`], with the spec's error for each
//! way a value can be wrong.

use crate::domain::did::parse_channel_count;
use crate::domain::did_requests::DidFilter;
use crate::domain::{
    AccountNumber, CallForwardType, Caller, DidStatus, DidType, DomainError, E164,
};

use super::request::ApiRequest;

/// A required parameter: absent or empty is MISSING_PARAMETER.
pub fn required<'r>(request: &'r ApiRequest, name: &str) -> Result<&'r str, DomainError> {
    match request.param(name) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(DomainError::missing(name)),
    }
}

/// An optional parameter where an empty value means "not given".
pub fn optional<'r>(request: &'r ApiRequest, name: &str) -> Option<&'r str> {
    request.param(name).filter(|v| !v.is_empty())
}

/// TEST=TRUE marks a dry run; FALSE or absence a real one.
pub fn dry_run(request: &ApiRequest) -> Result<bool, DomainError> {
    match request.param("TEST") {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("TRUE") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("FALSE") => Ok(false),
        Some(v) => Err(DomainError::invalid("TEST", v, "expected TRUE or FALSE")),
    }
}

/// ACCOUNT_NUMBER, defaulting to the caller's own account. Whether the caller may act
/// for that account is the store's to decide (it knows the account tree).
pub fn account_or_caller(
    request: &ApiRequest,
    name: &str,
    caller: &Caller,
) -> Result<AccountNumber, DomainError> {
    match optional(request, name) {
        None => Ok(caller.account_number.clone()),
        Some(v) => AccountNumber::parse(name, v),
    }
}

/// A positive integer no larger than `max`, or `default` when absent.
pub fn bounded_count(
    request: &ApiRequest,
    name: &str,
    default: u32,
    max: u32,
) -> Result<u32, DomainError> {
    let Some(text) = request.param(name) else {
        return Ok(default);
    };
    let reason = format!("expected a whole number from 1 to {max}");
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(name, text, reason));
    }
    match text.parse::<u64>() {
        Ok(n) if n >= 1 && n <= u64::from(max) => Ok(n as u32),
        _ => Err(DomainError::invalid(name, text, reason)),
    }
}

/// A free-text label: at most `max_chars` characters and no control characters.
pub fn label(request: &ApiRequest, name: &str, max_chars: usize) -> Result<String, DomainError> {
    let text = request.param(name).unwrap_or("");
    if text.chars().count() > max_chars {
        return Err(DomainError::invalid(
            name,
            text,
            format!("longer than {max_chars} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            name,
            text,
            "contains control characters",
        ));
    }
    Ok(text.to_owned())
}

/// An optional whole number from 1 to `max`; `None` when absent or empty.
pub fn optional_count(
    request: &ApiRequest,
    name: &str,
    max: u32,
) -> Result<Option<u32>, DomainError> {
    match optional(request, name) {
        None => Ok(None),
        Some(_) => bounded_count(request, name, 1, max).map(Some),
    }
}

/// An optional whole number from 0 up; 0 when absent or empty.
pub fn offset(request: &ApiRequest, name: &str) -> Result<u64, DomainError> {
    let Some(text) = optional(request, name) else {
        return Ok(0);
    };
    if text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(
            name,
            text,
            "expected a whole number from 0 up",
        ));
    }
    Ok(text.parse().unwrap_or(0))
}

/// The `FILTER.*` parameters of DID.LIST and DID.UPDATE. An empty filter value matches
/// numbers where that setting is empty.
pub fn did_filter(request: &ApiRequest) -> Result<DidFilter, DomainError> {
    let text = |name: &str| request.param(name).map(str::to_owned);
    Ok(DidFilter {
        did_type: optional(request, "FILTER.DID_TYPE")
            .map(|t| DidType::parse("FILTER.DID_TYPE", t))
            .transpose()?,
        e164: optional(request, "FILTER.E164")
            .map(|e| E164::parse("FILTER.E164", e))
            .transpose()?,
        sms_email: text("FILTER.SMS_EMAIL"),
        sms_url: text("FILTER.SMS_URL"),
        call_forward_type: match request.param("FILTER.CALL_FORWARD_TYPE") {
            Some(t) if !t.is_empty() => {
                let kind = CallForwardType::parse("FILTER.CALL_FORWARD_TYPE", t)?;
                Some(kind.as_str().to_owned())
            }
            other => other.map(str::to_owned),
        },
        call_forward_to: text("FILTER.CALL_FORWARD_TO"),
        title: text("FILTER.TITLE"),
        channels_limit: channel_count(request, "FILTER.CHANNELS_LIMIT")?,
        channels_ondemand: channel_count(request, "FILTER.CHANNELS_ONDEMAND")?,
        status: optional(request, "FILTER.STATUS")
            .map(|s| DidStatus::parse("FILTER.STATUS", s))
            .transpose()?,
    })
}

/// A channel count parameter: `None` when absent, `Some(None)` when present and empty
/// (unset), else a whole number from 0 to [`MAX_CHANNELS`](crate::domain::did::MAX_CHANNELS).
pub fn channel_count(request: &ApiRequest, name: &str) -> Result<Option<Option<u32>>, DomainError> {
    match request.param(name) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(text) => parse_channel_count(name, text).map(|count| Some(Some(count))),
    }
}
