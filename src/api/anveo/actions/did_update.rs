//! DID.UPDATE (`anveo-api.md` §4.2): patch the routing, title and channel settings of the
//! holder's Active DIDs matching the filters, all in one transaction.
//!
//! Patch semantics: an absent setting is unchanged, present and empty clears it. Call
//! routing is a pair: a non-empty CALL_FORWARD_TYPE needs CALL_FORWARD_TO (validated for
//! that type), CALL_FORWARD_TO needs CALL_FORWARD_TYPE, and an empty CALL_FORWARD_TYPE
//! clears both.

use crate::api::AppState;
use crate::domain::did_requests::{DidUpdateRequest, RoutingPatch};
use crate::domain::order::MAX_TITLE_CHARS;
use crate::domain::routing::{
    validate_call_forward_to, validate_sms_email, validate_sms_phone, validate_sms_url,
};
use crate::domain::{CallForwardType, DomainError};

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::params::{account_or_caller, channel_count, did_filter, label};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

pub async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let update = DidUpdateRequest {
        caller: context.caller.clone(),
        holder: account_or_caller(request, "ACCOUNT_NUMBER", &context.caller)?,
        filter: did_filter(request)?,
        patch: routing_patch(request)?,
        request_id: context.request_id.clone(),
    };
    let dids = app.store.update_dids(update).await?;
    Ok(Response::success().with_body(Body::Dids(dids)))
}

/// Reads and validates every setting; one invalid setting fails the request.
pub fn routing_patch(request: &ApiRequest) -> Result<RoutingPatch, DomainError> {
    let setting = |name: &str, validate: fn(&str) -> Result<(), DomainError>| {
        request
            .param(name)
            .map(|value| {
                if !value.is_empty() {
                    validate(value)?;
                }
                Ok(value.to_owned())
            })
            .transpose()
    };
    let (call_forward_type, call_forward_to) = call_forward(request)?;
    let patch = RoutingPatch {
        sms_url: setting("SMS_URL", validate_sms_url)?,
        sms_email: setting("SMS_EMAIL", validate_sms_email)?,
        sms_phone: setting("SMS_PHONE", validate_sms_phone)?,
        call_forward_type,
        call_forward_to,
        title: match request.param("TITLE") {
            Some(_) => Some(label(request, "TITLE", MAX_TITLE_CHARS)?),
            None => None,
        },
        channels_limit: channel_count(request, "CHANNELS_LIMIT")?,
        channels_ondemand: channel_count(request, "CHANNELS_ONDEMAND")?,
    };
    if patch == RoutingPatch::default() {
        return Err(DomainError::missing(
            "SMS_URL, SMS_EMAIL, SMS_PHONE, CALL_FORWARD_TYPE, CALL_FORWARD_TO, TITLE, \
             CHANNELS_LIMIT or CHANNELS_ONDEMAND",
        ));
    }
    Ok(patch)
}

type CallForwardPatch = (Option<String>, Option<String>);

fn call_forward(request: &ApiRequest) -> Result<CallForwardPatch, DomainError> {
    let kind = request.param("CALL_FORWARD_TYPE");
    let to = request.param("CALL_FORWARD_TO");
    match (kind, to) {
        (None, None) => Ok((None, None)),
        (Some(""), None | Some("")) => Ok((Some(String::new()), Some(String::new()))),
        (Some(""), Some(to)) => Err(DomainError::invalid(
            "CALL_FORWARD_TO",
            to,
            "cannot be set while CALL_FORWARD_TYPE is being cleared",
        )),
        (None, Some(_)) => Err(DomainError::missing("CALL_FORWARD_TYPE")),
        (Some(_), None | Some("")) => Err(DomainError::missing("CALL_FORWARD_TO")),
        (Some(kind), Some(to)) => {
            let kind = CallForwardType::parse("CALL_FORWARD_TYPE", kind)?;
            validate_call_forward_to(kind, to)?;
            Ok((Some(kind.as_str().to_owned()), Some(to.to_owned())))
        }
    }
}
