//! DID.ORDER (`anveo-api.md` §4.1): buy QUANTITY numbers of DID_TYPE in AREA_ID under
//! RATE_PLAN_ID, for the caller or one of its sub-accounts; all or nothing.

use crate::api::AppState;
use crate::domain::order::{MAX_TITLE_CHARS, OrderRequest};
use crate::domain::{AreaId, DidType, RatePlanId};

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::measure;
use super::super::params::{account_or_caller, bounded_count, dry_run, label, optional, required};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

pub async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let caller = &context.caller;
    let order = OrderRequest {
        caller: caller.clone(),
        did_type: DidType::parse("DID_TYPE", required(request, "DID_TYPE")?)?,
        area_id: AreaId::parse("AREA_ID", required(request, "AREA_ID")?)?,
        rate_plan_id: match optional(request, "RATE_PLAN_ID") {
            Some(plan) => RatePlanId::parse("RATE_PLAN_ID", plan)?,
            None => RatePlanId::default_plan(),
        },
        quantity: bounded_count(request, "QUANTITY", 1, app.policy.max_quantity)?,
        holder: account_or_caller(request, "ACCOUNT_NUMBER", caller)?,
        title: label(request, "TITLE", MAX_TITLE_CHARS)?,
        dry_run: dry_run(request)?,
    };
    let dry = order.dry_run;
    let receipt = app.store.place_order(order).await?;
    if !dry {
        measure::record_order(receipt.dids.len());
    }
    let response = Response::success().with_body(Body::Dids(receipt.dids));
    Ok(if dry {
        response.with_value("TEST", "TRUE")
    } else {
        response
    })
}
