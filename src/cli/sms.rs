//! `didhub sms list [--account N]` (messages both ways, newest first) and
//! `didhub sms prices import FILE.csv | export` (the SMS price list, `country_id,price`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::admin::sms_prices::{import_sms_prices_csv, write_sms_prices_csv};
use crate::domain::AccountNumber;
use crate::domain::sms::SmsRecord;
use crate::store::Store;
use crate::store::sms::MAX_SMS_PAGE;

#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// Messages both ways, newest first.
    List {
        /// Only this account's tree (a main account and its sub-accounts).
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// The SMS price list: a price per part by destination country.
    #[command(subcommand)]
    Prices(SmsPricesCommand),
}

#[derive(Debug, Subcommand)]
pub enum SmsPricesCommand {
    /// Set prices from a CSV file (country_id,price); all or nothing.
    Import { file: PathBuf },
    /// Print the price list as CSV (or, with --json, as JSON).
    Export,
}

pub async fn run(command: SmsCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        SmsCommand::List { account, limit } => {
            let account = account
                .map(|a| AccountNumber::parse("--account", &a))
                .transpose()?;
            let messages = store
                .list_sms(account, limit.clamp(1, MAX_SMS_PAGE))
                .await?;
            let mut text: String = messages.iter().map(describe).collect();
            if messages.is_empty() {
                text.push_str("no messages\n");
            }
            Ok(Report::ok(
                json!({ "messages": serde_json::to_value(&messages)? }),
                text,
            ))
        }
        SmsCommand::Prices(SmsPricesCommand::Import { file }) => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let priced = import_sms_prices_csv(store, std::io::BufReader::new(input)).await?;
            Ok(Report::ok(
                json!({ "countries": priced }),
                format!("SMS prices set for {priced} countries"),
            ))
        }
        SmsCommand::Prices(SmsPricesCommand::Export) => {
            let prices = store.sms_prices().await?;
            let mut csv = Vec::new();
            write_sms_prices_csv(&prices, &mut csv)?;
            let rows: Vec<_> = prices
                .iter()
                .map(|p| json!({ "country_id": p.country_id, "price": p.price.to_string() }))
                .collect();
            Ok(Report::ok(
                json!({ "prices": rows }),
                String::from_utf8(csv)?,
            ))
        }
    }
}

fn describe(m: &SmsRecord) -> String {
    format!(
        "{:>6}  {:<3}  {:<13}  {} -> {}  {} part(s)  fee {}  {}{}\n",
        m.smsid,
        m.direction,
        m.state,
        m.from,
        m.to,
        m.parts,
        m.fee,
        m.account_number.as_deref().unwrap_or("-"),
        if m.reason.is_empty() {
            String::new()
        } else {
            format!("  ({})", m.reason)
        }
    )
}
