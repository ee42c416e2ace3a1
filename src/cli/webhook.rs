//! `didhub webhook add|list|remove`: the operator's view of customers' webhooks (the
//! same rules as WEBHOOK.ADD, LIST and REMOVE, including the private-target rule).

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::domain::AccountNumber;
use crate::domain::events::EventFilter;
use crate::domain::utc_date_time;
use crate::domain::webhooks::{Webhook, parse_target_url};
use crate::outbound::targets::check_target;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register an endpoint for a main account's events; prints its id and secret.
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        url: String,
        /// Comma-separated event types or prefixes (did.*); default all.
        #[arg(long)]
        events: Option<String>,
    },
    /// List endpoints (of one account, or all), without their secrets.
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// Remove an endpoint; its pending deliveries fail.
    Remove { webhook_id: String },
}

pub async fn run(
    command: WebhookCommand,
    store: &dyn Store,
    allow_private_targets: bool,
) -> anyhow::Result<Report> {
    match command {
        WebhookCommand::Add {
            account,
            url,
            events,
        } => {
            let account = AccountNumber::parse("--account", &account)?;
            let url = parse_target_url("--url", &url)?;
            let events = EventFilter::parse("--events", events.as_deref().unwrap_or(""))?;
            check_target("--url", &url, allow_private_targets).await?;
            let webhook = store
                .add_webhook(Webhook::new(account, &url, events, store.now()))
                .await?;
            Ok(Report::ok(
                json!({ "webhook_id": webhook.webhook_id, "secret": webhook.secret }),
                format!(
                    "webhook_id {}\nsecret     {}\n",
                    webhook.webhook_id, webhook.secret
                ),
            ))
        }
        WebhookCommand::List { account } => {
            let account = account
                .map(|a| AccountNumber::parse("--account", &a))
                .transpose()?;
            let webhooks = store.list_webhooks(account).await?;
            let mut text = String::new();
            let rows: Vec<_> = webhooks
                .iter()
                .map(|w| {
                    text.push_str(&format!(
                        "{}  account {}  events {}  created {}  {}\n",
                        w.webhook_id,
                        w.account_number,
                        w.events,
                        utc_date_time(w.created_at),
                        w.url
                    ));
                    json!({
                        "webhook_id": w.webhook_id,
                        "account_number": w.account_number.as_str(),
                        "url": w.url,
                        "events": w.events.to_string(),
                        "created": utc_date_time(w.created_at),
                    })
                })
                .collect();
            if rows.is_empty() {
                text.push_str("no webhooks\n");
            }
            Ok(Report::ok(json!({ "webhooks": rows }), text))
        }
        WebhookCommand::Remove { webhook_id } => {
            let removed = store.remove_webhook(None, &webhook_id).await?;
            Ok(Report::ok(
                json!({ "removed": removed.webhook_id }),
                format!("webhook {} removed", removed.webhook_id),
            ))
        }
    }
}
