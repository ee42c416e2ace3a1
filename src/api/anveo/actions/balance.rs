//! ACCOUNT.GETBALANCE (`anveo-api.md` §4.7): RESULT is the main account's balance as a
//! decimal with two places (`25.00`). A sub-account sees its main account's balance.

use crate::api::AppState;
use crate::domain::DomainError;

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::params::account_or_caller;
use super::super::request::ApiRequest;
use super::super::response::Response;

pub async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let number = account_or_caller(request, "ACCOUNT_NUMBER", &context.caller)?;
    let account = app
        .store
        .account(&number)
        .await?
        .filter(|account| context.caller.may_act_for(account))
        .ok_or_else(|| DomainError::AccountNotFound(number.to_string()))?;
    Ok(Response::with_result(account.balance.to_string()))
}
