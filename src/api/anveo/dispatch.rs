//! The action table: which function serves which ACTION name. Names are matched exactly
//! (upper case); anything not listed is UNKNOWN_ACTION, including the telephony actions
//! of Anveo's API that didhub does not implement (`anveo-api.md` §5).

use crate::api::AppState;
use crate::domain::{Caller, ErrorCode};

use super::actions;
use super::error::ApiError;
use super::request::ApiRequest;
use super::response::Response;

/// Every ACTION the table serves, as it is matched.
pub const ACTIONS: [&str; 9] = [
    "DID.ORDER",
    "DID.LIST",
    "DID.UPDATE",
    "DID.MOVE",
    "DID.CANCEL",
    "ANVEO.COUNTRIES.LIST",
    "ANVEO.STATES.LIST",
    "ANVEO.AREAS.LIST",
    "ACCOUNT.GETBALANCE",
];

/// The served action named `name`, if any (a bounded label for metrics).
pub fn known_action(name: &str) -> Option<&'static str> {
    ACTIONS.iter().copied().find(|action| *action == name)
}

/// Who is asking, and the id that ties the request's log line to what it changed.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub caller: Caller,
    pub request_id: String,
}

/// Runs the action the request names.
pub async fn dispatch(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let answer = run(app, context, request).await;
    // A change to numbers in this process is seen by the next lookup at once; other
    // processes (and billing, the CLI, SQL) are seen through the routing version.
    if answer.is_ok() && CHANGES_NUMBERS.contains(&request.action.as_str()) {
        app.routing.cache.invalidate();
    }
    answer
}

/// The actions that change held numbers.
const CHANGES_NUMBERS: [&str; 4] = ["DID.ORDER", "DID.UPDATE", "DID.MOVE", "DID.CANCEL"];

async fn run(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    match request.action.as_str() {
        "DID.ORDER" => actions::did_order::run(app, context, request).await,
        "DID.LIST" => actions::did_list::run(app, context, request).await,
        "DID.UPDATE" => actions::did_update::run(app, context, request).await,
        "DID.MOVE" => actions::did_move::run(app, context, request).await,
        "DID.CANCEL" => actions::did_cancel::run(app, context, request).await,
        "ANVEO.COUNTRIES.LIST" => actions::catalog::countries(app, request).await,
        "ANVEO.STATES.LIST" => actions::catalog::states(app, request).await,
        "ANVEO.AREAS.LIST" => actions::catalog::areas(app, request).await,
        "ACCOUNT.GETBALANCE" => actions::balance::run(app, context, request).await,
        "WEBHOOK.ADD" => actions::webhook::add(app, context, request).await,
        "WEBHOOK.LIST" => actions::webhook::list(app, context).await,
        "WEBHOOK.REMOVE" => actions::webhook::remove(app, context, request).await,
        other => Err(ApiError::new(
            ErrorCode::UnknownAction,
            format!("ACTION '{}' is not supported", printable(other)),
        )),
    }
}

fn printable(text: &str) -> String {
    text.chars().take(64).filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_action_is_matched_by_the_table() {
        let table = include_str!("dispatch.rs");
        let table = &table[table.find("match request.action").unwrap()..];
        for action in ACTIONS {
            assert!(table.contains(&format!("\"{action}\" =>")), "{action}");
        }
        assert_eq!(known_action("DID.TELEPORT"), None);
    }
}
