//! `didhub serve [--listen ADDR] [--demo]`.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::output::Report;
use crate::admin::demo::{DemoSeed, seed_demo};
use crate::api::AppState;
use crate::config::{Config, FileConfig};
use crate::server::{serve, shutdown_signal};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "DIDHUB_LISTEN")]
    listen: Option<String>,
    /// On an empty database: load the bundled catalog, demo numbers and demo accounts.
    #[arg(long)]
    demo: bool,
    /// Largest QUANTITY of one DID.ORDER (default 100).
    #[arg(long, env = "DIDHUB_MAX_QUANTITY")]
    max_quantity: Option<u32>,
    /// Days a canceled number ages before it returns to stock (default 90).
    #[arg(long, env = "DIDHUB_AGING_DAYS")]
    aging_days: Option<u32>,
    /// How long one webhook attempt may take (default 10s).
    #[arg(long, env = "DIDHUB_WEBHOOK_TIMEOUT")]
    webhook_timeout: Option<String>,
    /// Delays between webhook attempts, the last repeating (default 5s,30s,2m,10m,30m,1h).
    #[arg(long, env = "DIDHUB_WEBHOOK_RETRY_SCHEDULE")]
    webhook_retry_schedule: Option<String>,
    /// How long a webhook delivery is retried before it fails (default 24h).
    #[arg(long, env = "DIDHUB_WEBHOOK_RETRY_FOR")]
    webhook_retry_for: Option<String>,
}

impl ServeArgs {
    pub fn overrides(&self) -> FileConfig {
        FileConfig {
            listen: self.listen.clone(),
            max_quantity: self.max_quantity,
            aging_days: self.aging_days,
            webhook_timeout: self.webhook_timeout.clone(),
            webhook_retry_schedule: self.webhook_retry_schedule.clone(),
            webhook_retry_for: self.webhook_retry_for.clone(),
            ..FileConfig::default()
        }
    }
}

pub async fn run(
    args: ServeArgs,
    config: &Config,
    store: Arc<dyn Store>,
    json: bool,
) -> anyhow::Result<Report> {
    // Listen for signals before saying the server is up.
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let base_url = format!("http://{address}");
    let mut startup = json!({ "listening": base_url });
    let mut text = format!("didhub listening on {base_url}\n");
    if args.demo {
        match seed_demo(store.as_ref()).await? {
            Some(seed) => {
                startup["demo"] = demo_json(&seed, &base_url);
                text.push_str(&demo_text(&seed, &base_url));
            }
            None => {
                startup["demo"] = serde_json::Value::Null;
                text.push_str("--demo: the database is not empty; it was left unchanged\n");
            }
        }
    }
    // The startup report is printed now; the command's own report stays empty.
    Report::ok(startup, text).print(json);
    let state = AppState::new(store, config.api_policy());
    serve(listener, state, config.aging_sweep, shutdown).await?;
    Ok(Report::ok(json!({ "stopped": true }), String::new()).silent())
}

fn order_xml(seed: &DemoSeed) -> String {
    format!(
        "<?xml version=\"1.0\" standalone=\"no\" ?><REQUEST><USERTOKEN><USERKEY>{key}</USERKEY></USERTOKEN>\
         <ACTION NAME=\"DID.ORDER\"><PARAMETER NAME=\"SIGNATURE\">{sig}</PARAMETER>\
         <PARAMETER NAME=\"DID_TYPE\">GEOGRAPHIC</PARAMETER><PARAMETER NAME=\"AREA_ID\">1.212</PARAMETER>\
         <PARAMETER NAME=\"RATE_PLAN_ID\">SU</PARAMETER><PARAMETER NAME=\"QUANTITY\">1</PARAMETER>\
         <PARAMETER NAME=\"TITLE\">ABCDEF</PARAMETER></ACTION></REQUEST>",
        key = seed.main.userkey,
        sig = seed.main.signature.as_deref().unwrap_or(""),
    )
}

fn curl_v3(seed: &DemoSeed, base_url: &str) -> String {
    format!(
        "curl -s -X POST {base_url}/api/v3.asp -H 'Content-Type: application/xml' --data-binary '{}'",
        order_xml(seed)
    )
}

fn curl_v2(seed: &DemoSeed, base_url: &str) -> String {
    format!(
        "curl -s -g '{base_url}/api/v2.asp?userkey={}&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC\
         &param[AREA_ID]=1.212&param[ACCOUNT_NUMBER]={}&param[SIGNATURE]={}'",
        seed.main.userkey,
        seed.sub.account.account_number,
        seed.main.signature.as_deref().unwrap_or("")
    )
}

fn demo_json(seed: &DemoSeed, base_url: &str) -> serde_json::Value {
    json!({
        "numbers": seed.numbers,
        "main_account": {
            "account_number": seed.main.account.account_number.as_str(),
            "email": seed.main.account.email,
            "userkey": seed.main.userkey,
            "signature": seed.main.signature,
            "balance": seed.main.account.balance.to_string(),
        },
        "sub_account": {
            "account_number": seed.sub.account.account_number.as_str(),
            "userkey": seed.sub.userkey,
        },
        "curl": curl_v3(seed, base_url),
        "curl_v2": curl_v2(seed, base_url),
    })
}

fn demo_text(seed: &DemoSeed, base_url: &str) -> String {
    format!(
        "demo data loaded: bundled catalog, {numbers} numbers\n\
         main account  {main}  balance {balance}\n  USERKEY   {key}\n  SIGNATURE {sig}\n\
         sub-account   {sub}\n  USERKEY   {sub_key} (no signature needed)\n\n\
         Order a New York number (v3 XML):\n{v3}\n\n\
         Order one for the sub-account, paid by the main account (v2 GET):\n{v2}\n",
        numbers = seed.numbers,
        main = seed.main.account.account_number,
        balance = seed.main.account.balance,
        key = seed.main.userkey,
        sig = seed.main.signature.as_deref().unwrap_or(""),
        sub = seed.sub.account.account_number,
        sub_key = seed.sub.userkey,
        v3 = curl_v3(seed, base_url),
        v2 = curl_v2(seed, base_url),
    )
}
