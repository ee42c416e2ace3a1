//! The action table: which function serves which ACTION name. Names are matched exactly
//! (upper case); anything not listed is UNKNOWN_ACTION, including the telephony actions
//! of Anveo's API that didhub does not implement (`anveo-api.md` §5).

use crate::domain::{Caller, ErrorCode};

use super::actions;
use super::error::ApiError;
use super::request::ApiRequest;
use super::response::Response;
use crate::api::AppState;

/// Runs the action the request names, as `caller`.
pub async fn dispatch(
    app: &AppState,
    caller: &Caller,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    match request.action.as_str() {
        "DID.ORDER" => actions::did_order::run(app, caller, request).await,
        other => Err(ApiError::new(
            ErrorCode::UnknownAction,
            format!("ACTION '{}' is not supported", truncate(other)),
        )),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(64).filter(|c| !c.is_control()).collect()
}
