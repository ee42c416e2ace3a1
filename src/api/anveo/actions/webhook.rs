//! WEBHOOK.ADD, WEBHOOK.LIST and WEBHOOK.REMOVE (`events.md`): a main account's
//! endpoints for its events. Sub-accounts cannot manage webhooks: they are answered
//! ACCOUNT_NOT_FOUND, as for any account that is not the caller's to manage.

use crate::api::AppState;
use crate::domain::events::EventFilter;
use crate::domain::webhooks::{Webhook, parse_target_url, validate_webhook_id};
use crate::domain::{AccountNumber, Caller, DomainError};
use crate::outbound::targets::check_target;

use super::super::dispatch::RequestContext;
use super::super::error::ApiError;
use super::super::params::{optional, required};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

/// The caller when it is a main account; ACCOUNT_NOT_FOUND for a sub-account.
fn main_account(caller: &Caller) -> Result<AccountNumber, DomainError> {
    if caller.is_main() {
        Ok(caller.account_number.clone())
    } else {
        Err(DomainError::AccountNotFound(
            caller.account_number.to_string(),
        ))
    }
}

pub async fn add(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let account = main_account(&context.caller)?;
    let url = parse_target_url("URL", required(request, "URL")?)?;
    let events = EventFilter::parse("EVENTS", optional(request, "EVENTS").unwrap_or(""))?;
    check_target("URL", &url, app.policy.outbound.allow_private_targets).await?;
    let webhook = Webhook::new(account, &url, events, app.store.now());
    let webhook = app.store.add_webhook(webhook).await?;
    Ok(Response::success()
        .with_value("WEBHOOK_ID", webhook.webhook_id)
        .with_value("SECRET", webhook.secret))
}

pub async fn list(app: &AppState, context: &RequestContext) -> Result<Response, ApiError> {
    let account = main_account(&context.caller)?;
    let webhooks = app.store.list_webhooks(Some(account)).await?;
    Ok(Response::success().with_body(Body::Webhooks(webhooks)))
}

pub async fn remove(
    app: &AppState,
    context: &RequestContext,
    request: &ApiRequest,
) -> Result<Response, ApiError> {
    let account = main_account(&context.caller)?;
    let webhook_id = required(request, "WEBHOOK_ID")?;
    validate_webhook_id("WEBHOOK_ID", webhook_id)?;
    app.store.remove_webhook(Some(account), webhook_id).await?;
    Ok(Response::success())
}
