//! Webhooks in SQLite: registering (main accounts only), listing and removing; a removal
//! fails the endpoint's pending deliveries in the same transaction.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::accounts::load_account;
use super::dids::stored_account_number;
use super::events::stored_filter;
use crate::domain::webhooks::Webhook;
use crate::domain::{AccountNumber, DomainError};
use crate::store::events::check_webhook_owner;
use crate::store::{StoreResult, Webhooks};

const WEBHOOK_SELECT: &str =
    "SELECT webhook_id, account_number, url, events, secret, created_at FROM webhooks";

fn webhook_from_row(row: &Row<'_>) -> rusqlite::Result<(Webhook, String)> {
    let events: String = row.get(3)?;
    let webhook = Webhook {
        webhook_id: row.get(0)?,
        account_number: stored_account_number(row.get(1)?)?,
        url: row.get(2)?,
        events: crate::domain::events::EventFilter::all(),
        secret: row.get(4)?,
        created_at: row.get(5)?,
    };
    Ok((webhook, events))
}

fn with_filter((mut webhook, events): (Webhook, String)) -> StoreResult<Webhook> {
    webhook.events = stored_filter(&events)?;
    Ok(webhook)
}

#[async_trait]
impl Webhooks for SqliteStore {
    async fn add_webhook(&self, webhook: Webhook) -> StoreResult<Webhook> {
        self.writer
            .write(move |conn| {
                let owner = load_account(conn, webhook.account_number.as_str())?;
                check_webhook_owner(&webhook.account_number, owner.as_ref())?;
                conn.prepare_cached(
                    "INSERT INTO webhooks (webhook_id, account_number, url, events, secret,
                       created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    webhook.webhook_id,
                    webhook.account_number.as_str(),
                    webhook.url,
                    webhook.events.to_string(),
                    webhook.secret,
                    webhook.created_at
                ])?;
                Ok(webhook)
            })
            .await
    }

    async fn list_webhooks(&self, account: Option<AccountNumber>) -> StoreResult<Vec<Webhook>> {
        self.reads
            .read(move |conn| {
                let rows = match &account {
                    Some(account) => conn
                        .prepare_cached(&format!(
                            "{WEBHOOK_SELECT} WHERE account_number = ?1 ORDER BY webhook_id"
                        ))?
                        .query_map([account.as_str()], webhook_from_row)?
                        .collect::<Result<Vec<_>, _>>()?,
                    None => conn
                        .prepare_cached(&format!("{WEBHOOK_SELECT} ORDER BY webhook_id"))?
                        .query_map([], webhook_from_row)?
                        .collect::<Result<Vec<_>, _>>()?,
                };
                rows.into_iter().map(with_filter).collect()
            })
            .await
    }

    async fn remove_webhook(
        &self,
        account: Option<AccountNumber>,
        webhook_id: &str,
    ) -> StoreResult<Webhook> {
        let webhook_id = webhook_id.to_owned();
        self.writer
            .write(move |conn| remove_webhook(conn, account.as_ref(), &webhook_id))
            .await
    }
}

fn remove_webhook(
    conn: &Connection,
    account: Option<&AccountNumber>,
    webhook_id: &str,
) -> StoreResult<Webhook> {
    let found = conn
        .prepare_cached(&format!("{WEBHOOK_SELECT} WHERE webhook_id = ?1"))?
        .query_row([webhook_id], webhook_from_row)
        .optional()?
        .map(with_filter)
        .transpose()?
        .filter(|w| account.is_none_or(|a| &w.account_number == a))
        .ok_or_else(|| DomainError::WebhookNotFound(webhook_id.to_owned()))?;
    conn.prepare_cached(
        "UPDATE deliveries SET state = 'failed', last_error = 'webhook removed',
           lease_until_ms = NULL, lease_token = NULL
         WHERE channel = 'webhook' AND target = ?1 AND state = 'pending'",
    )?
    .execute([webhook_id])?;
    conn.prepare_cached("DELETE FROM webhooks WHERE webhook_id = ?1")?
        .execute([webhook_id])?;
    Ok(found)
}
