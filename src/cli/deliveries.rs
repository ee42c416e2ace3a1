//! `didhub deliveries list [--failed]` and `didhub deliveries retry ID`: the durable
//! delivery queue as the operator sees it.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::domain::delivery::DeliveryRecord;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// Deliveries, newest first.
    List {
        /// Only those that failed for good.
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Send a failed (or pending) delivery again now, with a fresh retry period.
    Retry { delivery_id: i64 },
}

pub async fn run(command: DeliveriesCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        DeliveriesCommand::List { failed, limit } => {
            let deliveries = store
                .list_deliveries(failed, limit.clamp(1, 10_000))
                .await?;
            let mut text: String = deliveries.iter().map(describe).collect();
            if deliveries.is_empty() {
                text.push_str("no deliveries\n");
            }
            Ok(Report::ok(
                json!({ "deliveries": serde_json::to_value(&deliveries)? }),
                text,
            ))
        }
        DeliveriesCommand::Retry { delivery_id } => {
            let delivery = store.retry_delivery(delivery_id).await?;
            Ok(Report::ok(
                serde_json::to_value(&delivery)?,
                format!("delivery {delivery_id} is due again\n"),
            ))
        }
    }
}

fn describe(d: &DeliveryRecord) -> String {
    format!(
        "{:>6}  {:<9}  {} attempt(s)  {} {}  {} -> {} {}  {}\n",
        d.delivery_id,
        d.state.as_str(),
        d.attempts,
        d.event_type,
        d.event_id,
        d.account_number,
        d.channel,
        d.target,
        d.last_error
    )
}
