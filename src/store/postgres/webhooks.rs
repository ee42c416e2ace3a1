//! Webhooks in PostgreSQL: registering (main accounts only), listing and removing; a
//! removal fails the endpoint's pending deliveries in the same transaction.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::accounts::load_account;
use super::dids::stored_account_number;
use super::events::stored_filter;
use super::{PostgresStore, begin, finish};
use crate::domain::webhooks::Webhook;
use crate::domain::{AccountNumber, DomainError};
use crate::store::events::check_webhook_owner;
use crate::store::{StoreResult, Webhooks};

const WEBHOOK_SELECT: &str =
    "SELECT webhook_id, account_number, url, events, secret, created_at FROM webhooks";

fn webhook_from_row(row: &Row) -> StoreResult<Webhook> {
    let events: String = row.try_get(3)?;
    Ok(Webhook {
        webhook_id: row.try_get(0)?,
        account_number: stored_account_number(row.try_get(1)?)?,
        url: row.try_get(2)?,
        events: stored_filter(&events)?,
        secret: row.try_get(4)?,
        created_at: row.try_get(5)?,
    })
}

#[async_trait]
impl Webhooks for PostgresStore {
    async fn add_webhook(&self, webhook: Webhook) -> StoreResult<Webhook> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = add_webhook(&tx, webhook).await;
        finish(tx, outcome).await
    }

    async fn list_webhooks(&self, account: Option<AccountNumber>) -> StoreResult<Vec<Webhook>> {
        let client = self.client().await?;
        let rows = match &account {
            Some(account) => {
                let query =
                    format!("{WEBHOOK_SELECT} WHERE account_number = $1 ORDER BY webhook_id");
                client.query(&query, &[&account.as_str()]).await?
            }
            None => {
                let query = format!("{WEBHOOK_SELECT} ORDER BY webhook_id");
                client.query(&query, &[]).await?
            }
        };
        rows.iter().map(webhook_from_row).collect()
    }

    async fn remove_webhook(
        &self,
        account: Option<AccountNumber>,
        webhook_id: &str,
    ) -> StoreResult<Webhook> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = remove_webhook(&tx, account.as_ref(), webhook_id).await;
        finish(tx, outcome).await
    }
}

async fn add_webhook(c: &impl GenericClient, webhook: Webhook) -> StoreResult<Webhook> {
    let owner = load_account(c, webhook.account_number.as_str()).await?;
    check_webhook_owner(&webhook.account_number, owner.as_ref())?;
    let insert = c
        .prepare_cached(
            "INSERT INTO webhooks (webhook_id, account_number, url, events, secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    c.execute(
        &insert,
        &[
            &webhook.webhook_id,
            &webhook.account_number.as_str(),
            &webhook.url,
            &webhook.events.to_string(),
            &webhook.secret,
            &webhook.created_at,
        ],
    )
    .await?;
    Ok(webhook)
}

async fn remove_webhook(
    c: &impl GenericClient,
    account: Option<&AccountNumber>,
    webhook_id: &str,
) -> StoreResult<Webhook> {
    let query = format!("{WEBHOOK_SELECT} WHERE webhook_id = $1 FOR UPDATE");
    let found = match c.query_opt(&query, &[&webhook_id]).await? {
        Some(row) => Some(webhook_from_row(&row)?),
        None => None,
    }
    .filter(|w| account.is_none_or(|a| &w.account_number == a))
    .ok_or_else(|| DomainError::WebhookNotFound(webhook_id.to_owned()))?;
    c.execute(
        "UPDATE deliveries SET state = 'failed', last_error = 'webhook removed',
           lease_until_ms = NULL, lease_token = NULL
         WHERE channel = 'webhook' AND target = $1 AND state = 'pending'",
        &[&webhook_id],
    )
    .await?;
    c.execute("DELETE FROM webhooks WHERE webhook_id = $1", &[&webhook_id])
        .await?;
    Ok(found)
}
