//! DID.CANCEL (`anveo-api.md` §4.4): give a DID back. No refund; it is listed as
//! Canceled to its former holder and returns to stock after the aging period.

use crate::api::AppState;
use crate::domain::E164;
use crate::domain::did_requests::DidCancelRequest;

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::params::{account_or_caller, required};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

pub async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let cancel = DidCancelRequest {
        caller: context.caller.clone(),
        e164: E164::parse("E164", required(request, "E164")?)?,
        holder: account_or_caller(request, "ACCOUNT_NUMBER", &context.caller)?,
        aging_seconds: app.policy.aging_seconds(),
        request_id: context.request_id.clone(),
    };
    let did = app.store.cancel_did(cancel).await?;
    Ok(Response::success().with_body(Body::Dids(vec![did])))
}
