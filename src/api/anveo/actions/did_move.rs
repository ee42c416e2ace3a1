//! DID.MOVE (`anveo-api.md` §4.3): move a DID between a main account and its
//! sub-accounts (or between two sub-accounts of one main account); routing unchanged.

use crate::api::AppState;
use crate::domain::did_requests::DidMoveRequest;
use crate::domain::{AccountNumber, E164};

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
    let move_request = DidMoveRequest {
        caller: context.caller.clone(),
        e164: E164::parse("E164", required(request, "E164")?)?,
        holder: account_or_caller(request, "ACCOUNT_NUMBER", &context.caller)?,
        to: AccountNumber::parse("TO_ACCOUNT_NUMBER", required(request, "TO_ACCOUNT_NUMBER")?)?,
        request_id: context.request_id.clone(),
    };
    let did = app.store.move_did(move_request).await?;
    Ok(Response::success().with_body(Body::Dids(vec![did])))
}
