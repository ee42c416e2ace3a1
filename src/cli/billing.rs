//! `didhub billing run|preview [--as-of T]`: one renewal run now (or as of another
//! instant), or what it would do (`billing.md`).

use clap::{Args, Subcommand};
use serde_json::json;

use super::output::Report;
use crate::admin::billing;
use crate::config::FileConfig;
use crate::config::billing::BillingSettings;
use crate::domain::billing::{BillingSummary, parse_instant, utc_date};
use crate::domain::{Money, utc_date_time};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Renew every due number once (suspending and releasing unpaid ones) and say what
    /// was done. Safe beside `serve`'s own sweep: no period is ever charged twice.
    Run {
        /// Bill as of this instant (RFC 3339, or a date for its 00:00 UTC); default now.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Say what a run would do, changing nothing.
    Preview {
        /// As of this instant (RFC 3339, or a date); default now.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
}

/// The settings a run uses, as `serve` takes them.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Days an unpaid number stays Suspended before it is released (default 14).
    #[arg(long, env = "DIDHUB_GRACE_DAYS")]
    grace_days: Option<u32>,
    /// Days a released number ages before it returns to stock (default 90).
    #[arg(long, env = "DIDHUB_AGING_DAYS")]
    aging_days: Option<u32>,
}

impl BillingCommand {
    pub fn overrides(&self) -> FileConfig {
        let (BillingCommand::Run { policy, .. } | BillingCommand::Preview { policy, .. }) = self;
        FileConfig {
            grace_days: policy.grace_days,
            aging_days: policy.aging_days,
            ..FileConfig::default()
        }
    }
}

pub async fn run(
    command: BillingCommand,
    store: &dyn Store,
    settings: BillingSettings,
) -> anyhow::Result<Report> {
    let as_of = |given: Option<String>| match given {
        Some(text) => parse_instant("--as-of", &text),
        None => Ok(store.now()),
    };
    match command {
        BillingCommand::Run { as_of: given, .. } => {
            let as_of = as_of(given)?;
            let summary = billing::run(store, as_of, settings.policy).await?;
            Ok(report("renewal run", as_of, &summary, false))
        }
        BillingCommand::Preview { as_of: given, .. } => {
            let as_of = as_of(given)?;
            let summary = billing::preview(store, as_of, settings.policy).await?;
            Ok(report("a renewal run", as_of, &summary, true))
        }
    }
}

fn report(what: &str, as_of: i64, s: &BillingSummary, preview: bool) -> Report {
    let verb = if preview { "would" } else { "did" };
    let text = format!(
        "{what} as of {} UTC {verb}: {} periods renewed ({}), {} numbers reactivated, \
         {} suspended, {} released\n",
        utc_date_time(as_of),
        s.renewed,
        Money(s.charged100),
        s.reactivated,
        s.suspended,
        s.released,
    );
    Report::ok(
        json!({
            "as_of": crate::domain::events::rfc3339(as_of),
            "as_of_date": utc_date(as_of),
            "preview": preview,
            "renewed": s.renewed,
            "reactivated": s.reactivated,
            "suspended": s.suspended,
            "released": s.released,
            "charged100": s.charged100,
            "charged": Money(s.charged100).to_string(),
        }),
        text,
    )
}
