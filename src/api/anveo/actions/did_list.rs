//! DID.LIST (`anveo-api.md` §4.5): the holder's DIDs matching the filters, in ascending
//! E164 order, paged by the LIMIT/OFFSET extension, with `<VALUE NAME="TOTAL">`.

use crate::api::AppState;
use crate::domain::did_requests::DidListRequest;

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::params::{account_or_caller, did_filter, offset, optional_count};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

/// Largest LIMIT of one page.
pub const MAX_PAGE: u32 = 10_000;

pub async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let list = DidListRequest {
        caller: context.caller.clone(),
        holder: account_or_caller(request, "ACCOUNT_NUMBER", &context.caller)?,
        filter: did_filter(request)?,
        limit: optional_count(request, "LIMIT", MAX_PAGE)?,
        offset: offset(request, "OFFSET")?,
    };
    let page = app.store.list_dids(list).await?;
    Ok(Response::success()
        .with_value("TOTAL", page.total.to_string())
        .with_body(Body::Dids(page.dids)))
}
