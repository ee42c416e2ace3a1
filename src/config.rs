//! Typed configuration. Each setting comes from, in rising priority: its default, the
//! TOML file named by `--config`/`DIDHUB_CONFIG`, a `DIDHUB_*` environment variable,
//! and a command-line flag (clap applies the last two). Secrets (a password inside the
//! database URL, the metrics token) are redacted in `Debug`. `serve`'s own settings
//! (connections, rate limits, metrics, TLS) are resolved in [`serving`].

pub mod billing;
pub mod routing;
pub mod serving;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::{ApiPolicy, DEFAULT_AGING_DAYS};
use crate::domain::order::DEFAULT_MAX_QUANTITY;
use billing::BillingSettings;
use serving::ServingConfig;

pub const DEFAULT_DATABASE: &str = "sqlite://didhub.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Settings a config file may hold; every one is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database: Option<String>,
    pub listen: Option<String>,
    pub max_quantity: Option<u32>,
    pub request_timeout_secs: Option<u64>,
    pub pool_size: Option<u32>,
    pub durable: Option<bool>,
    pub aging_days: Option<u32>,
    pub aging_sweep_secs: Option<u64>,
    // Monthly billing (`config::billing`).
    pub renewals: Option<bool>,
    pub billing_sweep_secs: Option<u64>,
    pub grace_days: Option<u32>,
    // Webhooks and deliveries (`outbound::settings`): durations as `500ms`, `10s`, `2m`.
    pub allow_private_targets: Option<bool>,
    pub webhook_timeout: Option<String>,
    pub webhook_retry_schedule: Option<String>,
    pub webhook_retry_for: Option<String>,
    pub delivery_concurrency: Option<usize>,
    pub delivery_per_endpoint: Option<usize>,
    // SMS (`outbound::sms_settings`).
    pub kannel: Option<crate::outbound::sms_settings::KannelFile>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub sms_url_attempts: Option<u32>,
    pub sms_url_retry_secs: Option<u64>,
    pub sms_default_price: Option<String>,
    // Connections (see `server::limits`).
    pub header_read_timeout_secs: Option<u64>,
    pub keep_alive_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_header_bytes: Option<usize>,
    // Rate limits (see `api::rate_limit`); 0 turns one off.
    pub rate_limit_per_key: Option<u32>,
    pub rate_limit_burst: Option<u32>,
    pub auth_failures_per_minute: Option<u32>,
    // Metrics (see `api::metrics_endpoint`).
    pub metrics_listen: Option<String>,
    pub metrics_token: Option<String>,
    // TLS termination (PEM files).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// `[routing]` (see `config::routing`).
    pub routing: Option<routing::RoutingFile>,
}

impl FileConfig {
    /// Reads a TOML config file.
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))
    }
}

/// The effective configuration of a process.
#[derive(Clone)]
pub struct Config {
    pub database: String,
    pub listen: String,
    pub max_quantity: u32,
    pub request_timeout: Duration,
    pub pool_size: u32,
    /// SQLite `synchronous=FULL` (true, the default) or `NORMAL`.
    pub durable: bool,
    /// Days a canceled number ages before it returns to stock.
    pub aging_days: u32,
    /// How often `serve` returns aged numbers to stock.
    pub aging_sweep: Duration,
    /// Webhook deliveries and the private-target rule.
    pub outbound: crate::outbound::OutboundPolicy,
    /// Renewals: whether `serve` runs them, how often, and the grace days.
    pub billing: BillingSettings,
    /// Connections, rate limits, metrics and TLS.
    pub serving: ServingConfig,
    /// Where numbers route to (`[routing]`).
    pub routing: crate::domain::routing_lookup::RoutingSettings,
}

impl Config {
    /// Layers `file` over the defaults; flag/env values (already merged by clap) win.
    pub fn resolve(file: FileConfig, overrides: FileConfig) -> Result<Config, String> {
        let max_quantity = overrides
            .max_quantity
            .or(file.max_quantity)
            .unwrap_or(DEFAULT_MAX_QUANTITY);
        if max_quantity == 0 {
            return Err("max_quantity must be at least 1".into());
        }
        let listen = overrides
            .listen
            .clone()
            .or(file.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let mut outbound = crate::outbound::settings::resolve(&file, &overrides)?;
        outbound.sms = crate::outbound::sms_settings::resolve(&file, &overrides, &listen)?;
        let serving = ServingConfig::resolve(&file, &overrides)?;
        let routing = routing::resolve(file.routing.as_ref(), overrides.routing.as_ref())?;
        let aging_days = overrides
            .aging_days
            .or(file.aging_days)
            .unwrap_or(DEFAULT_AGING_DAYS);
        let billing = BillingSettings::resolve(&file, &overrides, aging_days)?;
        Ok(Config {
            routing,
            outbound,
            serving,
            billing,
            database: overrides
                .database
                .or(file.database)
                .unwrap_or_else(|| DEFAULT_DATABASE.into()),
            listen,
            max_quantity,
            request_timeout: Duration::from_secs(
                overrides
                    .request_timeout_secs
                    .or(file.request_timeout_secs)
                    .unwrap_or(30),
            ),
            pool_size: overrides.pool_size.or(file.pool_size).unwrap_or(4),
            durable: overrides.durable.or(file.durable).unwrap_or(true),
            aging_days,
            aging_sweep: Duration::from_secs(
                overrides
                    .aging_sweep_secs
                    .or(file.aging_sweep_secs)
                    .unwrap_or(60)
                    .max(1),
            ),
        })
    }

    pub fn api_policy(&self) -> ApiPolicy {
        ApiPolicy {
            max_quantity: self.max_quantity,
            request_timeout: self.request_timeout,
            aging_days: self.aging_days,
            outbound: self.outbound.clone(),
            routing: self.routing.clone(),
            billing: self.billing,
        }
    }
}

/// A database URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &redact_url(&self.database))
            .field("listen", &self.listen)
            .field("max_quantity", &self.max_quantity)
            .field("request_timeout", &self.request_timeout)
            .field("pool_size", &self.pool_size)
            .field("durable", &self.durable)
            .field("aging_days", &self.aging_days)
            .field("aging_sweep", &self.aging_sweep)
            .field("outbound", &self.outbound)
            .field("billing", &self.billing)
            .field("serving", &self.serving)
            .field("routing", &self.routing)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beats_defaults() {
        let file = FileConfig {
            listen: Some("0.0.0.0:9000".into()),
            max_quantity: Some(50),
            ..FileConfig::default()
        };
        let flags = FileConfig {
            max_quantity: Some(7),
            ..FileConfig::default()
        };
        let config = Config::resolve(file, flags).unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.max_quantity, 7);
        assert_eq!(config.database, DEFAULT_DATABASE);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://didhub:secret@db:5432/didhub"),
            "postgres://didhub:***@db:5432/didhub"
        );
        let config = Config::resolve(
            FileConfig {
                database: Some("postgres://u:pw@h/d".into()),
                ..FileConfig::default()
            },
            FileConfig::default(),
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("pw"));
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("listne = \"x\"").is_err());
    }
}
