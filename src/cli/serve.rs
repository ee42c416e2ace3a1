//! `didhub serve [--listen ADDR] [--demo]`: raises the open-file limit, derives the
//! connection cap from it, sets up TLS, rate limits and metrics as configured, and runs
//! [`crate::server::serve`] until a signal.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::output::Report;
use crate::admin::demo::{DemoSeed, seed_demo};
use crate::api::AppState;
use crate::api::metrics_endpoint::MetricsAccess;
use crate::config::routing::RoutingFile;
use crate::config::{Config, FileConfig};
use crate::domain::routing_lookup::RoutingSettings;
use crate::outbound::sms_settings::KannelFile;
use crate::server::limits::{ConnectionLimits, connections_for_file_limit, raise_open_file_limit};
use crate::server::{ServeOptions, serve, shutdown_signal, tls};
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
    /// Run the monthly renewal sweep (default true; false pauses billing).
    #[arg(long, env = "DIDHUB_RENEWALS")]
    renewals: Option<bool>,
    /// Seconds between two renewal runs (default 60).
    #[arg(long, env = "DIDHUB_BILLING_SWEEP_SECS")]
    billing_sweep_secs: Option<u64>,
    /// Days an unpaid number stays Suspended before it is released (default 14).
    #[arg(long, env = "DIDHUB_GRACE_DAYS")]
    grace_days: Option<u32>,
    /// Requests a second per API key (default 100; 0: no limit).
    #[arg(long, env = "DIDHUB_RATE_LIMIT_PER_KEY")]
    rate_limit_per_key: Option<u32>,
    /// Requests an API key may send at once (default 200).
    #[arg(long, env = "DIDHUB_RATE_LIMIT_BURST")]
    rate_limit_burst: Option<u32>,
    /// Failed authentications a minute per client address (default 20; 0: no limit).
    #[arg(long, env = "DIDHUB_AUTH_FAILURES_PER_MINUTE")]
    auth_failures_per_minute: Option<u32>,
    /// Most connections open at once (default: from the open-file limit).
    #[arg(long, env = "DIDHUB_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Serve GET /metrics on this address of its own.
    #[arg(long, env = "DIDHUB_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// The bearer token GET /metrics requires (prefer the environment or the file).
    #[arg(long, env = "DIDHUB_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key, the API speaks HTTPS.
    #[arg(long, env = "DIDHUB_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "DIDHUB_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// How long one webhook attempt may take (default 10s).
    #[arg(long, env = "DIDHUB_WEBHOOK_TIMEOUT")]
    webhook_timeout: Option<String>,
    /// Delays between webhook attempts, the last repeating (default 5s,30s,2m,10m,30m,1h).
    #[arg(long, env = "DIDHUB_WEBHOOK_RETRY_SCHEDULE")]
    webhook_retry_schedule: Option<String>,
    /// How long a webhook delivery is retried before it fails (default 24h).
    #[arg(long, env = "DIDHUB_WEBHOOK_RETRY_FOR")]
    webhook_retry_for: Option<String>,
    /// host[:port] that PHONE numbers are routed to (`routing.pstn_gateway`).
    #[arg(long, env = "DIDHUB_ROUTING_PSTN_GATEWAY")]
    routing_pstn_gateway: Option<String>,
    /// host[:port] of the registrar SIP_REGISTERED numbers go to (`routing.registrar`).
    #[arg(long, env = "DIDHUB_ROUTING_REGISTRAR")]
    routing_registrar: Option<String>,
    /// Trunks as ID=URI[,URI...][;ID=...] (`[routing.trunks]`).
    #[arg(long, env = "DIDHUB_ROUTING_TRUNKS")]
    routing_trunks: Option<String>,
    /// Seconds a route rings before the next is tried (default 30).
    #[arg(long, env = "DIDHUB_ROUTING_RING_TIMEOUT_SECS")]
    routing_ring_timeout_secs: Option<u64>,
    /// The PJSIP endpoint of Asterisk Dial strings (default didhub).
    #[arg(long, env = "DIDHUB_ROUTING_ASTERISK_ENDPOINT")]
    routing_asterisk_endpoint: Option<String>,
    /// The sofia profile of FreeSWITCH bridge legs (default external).
    #[arg(long, env = "DIDHUB_ROUTING_FREESWITCH_PROFILE")]
    routing_freeswitch_profile: Option<String>,
    /// Kannel's sendsms interface, e.g. http://127.0.0.1:13013/cgi-bin/sendsms.
    #[arg(long, env = "DIDHUB_KANNEL_SENDSMS_URL")]
    kannel_sendsms_url: Option<String>,
    /// The sendsms user's name.
    #[arg(long, env = "DIDHUB_KANNEL_USERNAME")]
    kannel_username: Option<String>,
    /// The sendsms user's password (prefer the environment or the file).
    #[arg(long, env = "DIDHUB_KANNEL_PASSWORD", hide_env_values = true)]
    kannel_password: Option<String>,
    /// The token Kannel's get-url and dlr-url carry (URL-safe characters only).
    #[arg(long, env = "DIDHUB_KANNEL_INBOUND_TOKEN", hide_env_values = true)]
    kannel_inbound_token: Option<String>,
    /// didhub's /sms/kannel/dlr as Kannel reaches it (default: on --listen).
    #[arg(long, env = "DIDHUB_KANNEL_DLR_URL")]
    kannel_dlr_url: Option<String>,
    /// The SMTP relay for SMS_EMAIL, e.g. smtp://127.0.0.1:25.
    #[arg(long, env = "DIDHUB_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender address of SMS e-mails.
    #[arg(long, env = "DIDHUB_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Attempts of an SMS_URL delivery (default 5).
    #[arg(long, env = "DIDHUB_SMS_URL_ATTEMPTS")]
    sms_url_attempts: Option<u32>,
    /// Seconds between SMS_URL attempts (default 300).
    #[arg(long, env = "DIDHUB_SMS_URL_RETRY_SECS")]
    sms_url_retry_secs: Option<u64>,
    /// The SMS price per part of a country without its own (default 0.01).
    #[arg(long, env = "DIDHUB_SMS_DEFAULT_PRICE")]
    sms_default_price: Option<String>,
}

impl ServeArgs {
    pub fn overrides(&self) -> anyhow::Result<FileConfig> {
        let trunks = self
            .routing_trunks
            .as_deref()
            .map(RoutingSettings::parse_trunks)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let routing = RoutingFile {
            pstn_gateway: self.routing_pstn_gateway.clone(),
            registrar: self.routing_registrar.clone(),
            trunks,
            ring_timeout_secs: self.routing_ring_timeout_secs,
            asterisk_endpoint: self.routing_asterisk_endpoint.clone(),
            freeswitch_profile: self.routing_freeswitch_profile.clone(),
        };
        Ok(FileConfig {
            routing: Some(routing),
            listen: self.listen.clone(),
            max_quantity: self.max_quantity,
            aging_days: self.aging_days,
            renewals: self.renewals,
            billing_sweep_secs: self.billing_sweep_secs,
            grace_days: self.grace_days,
            rate_limit_per_key: self.rate_limit_per_key,
            rate_limit_burst: self.rate_limit_burst,
            auth_failures_per_minute: self.auth_failures_per_minute,
            max_connections: self.max_connections,
            metrics_listen: self.metrics_listen.clone(),
            metrics_token: self.metrics_token.clone(),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            webhook_timeout: self.webhook_timeout.clone(),
            webhook_retry_schedule: self.webhook_retry_schedule.clone(),
            webhook_retry_for: self.webhook_retry_for.clone(),
            kannel: Some(KannelFile {
                sendsms_url: self.kannel_sendsms_url.clone(),
                username: self.kannel_username.clone(),
                password: self.kannel_password.clone(),
                inbound_token: self.kannel_inbound_token.clone(),
                dlr_url: self.kannel_dlr_url.clone(),
            }),
            smtp_url: self.smtp_url.clone(),
            smtp_from: self.smtp_from.clone(),
            sms_url_attempts: self.sms_url_attempts,
            sms_url_retry_secs: self.sms_url_retry_secs,
            sms_default_price: self.sms_default_price.clone(),
            ..FileConfig::default()
        })
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
    let serving = &config.serving;
    let file_limit = raise_open_file_limit();
    let connections = ConnectionLimits {
        header_read_timeout: serving.header_read_timeout,
        keep_alive_timeout: serving.keep_alive_timeout,
        max_connections: serving
            .max_connections
            .unwrap_or_else(|| connections_for_file_limit(file_limit)),
        max_header_bytes: serving.max_header_bytes,
    };
    let tls = match &serving.tls {
        Some(files) => Some(tls::acceptor(&files.cert, &files.key)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let metrics_listener = match &serving.metrics_listen {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address} for metrics"))?,
        ),
        None => None,
    };
    let mut state =
        AppState::new(store.clone(), config.api_policy()).with_rate_limits(serving.rate_limits);
    if serving.metrics_enabled() {
        state = state.with_metrics(MetricsAccess {
            handle: crate::telemetry::exporter::install()?,
            token: serving.metrics_token.clone(),
            on_api_port: metrics_listener.is_none(),
        });
    }
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{address}");
    let metrics_url = match &metrics_listener {
        Some(listener) => Some(format!("http://{}/metrics", listener.local_addr()?)),
        None if serving.metrics_token.is_some() => Some(format!("{base_url}/metrics")),
        None => None,
    };
    let mut startup = json!({
        "listening": base_url,
        "max_connections": connections.max_connections,
        "open_file_limit": file_limit,
        "metrics": metrics_url,
    });
    let mut text = format!(
        "didhub listening on {base_url} (at most {} connections)\n",
        connections.max_connections
    );
    if let Some(url) = &metrics_url {
        text.push_str(&format!("metrics at {url}\n"));
    }
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
    let options = ServeOptions {
        aging_sweep: config.aging_sweep,
        connections,
        tls,
        metrics_listener,
    };
    serve(listener, state, options, shutdown).await?;
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
