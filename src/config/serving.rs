//! The settings only `serve` reads: connection limits, rate limits, metrics and TLS,
//! resolved from the same layers as the rest ([`super::Config::resolve`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::rate_limit::RateLimitSettings;
use crate::server::limits::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_KEEP_ALIVE_TIMEOUT, DEFAULT_MAX_HEADER_BYTES,
};

use super::FileConfig;

/// The smallest header limit accepted: a browser's or curl's usual headers fit easily.
const MIN_HEADER_BYTES: usize = 1024;

/// The PEM files of TLS termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// `serve`'s own settings.
#[derive(Clone, PartialEq, Eq)]
pub struct ServingConfig {
    pub header_read_timeout: Duration,
    pub keep_alive_timeout: Duration,
    /// `None`: derived from the open-file limit when `serve` starts.
    pub max_connections: Option<usize>,
    pub max_header_bytes: usize,
    pub rate_limits: RateLimitSettings,
    /// A listen address of its own for `/metrics`.
    pub metrics_listen: Option<String>,
    /// The bearer token `/metrics` requires; a secret, never printed.
    pub metrics_token: Option<String>,
    pub tls: Option<TlsFiles>,
}

impl ServingConfig {
    /// `overrides` (flags and environment) win over `file`, which wins over defaults.
    pub fn resolve(file: &FileConfig, overrides: &FileConfig) -> Result<ServingConfig, String> {
        macro_rules! pick {
            ($field:ident) => {
                overrides.$field.clone().or_else(|| file.$field.clone())
            };
        }
        let seconds = |value: Option<u64>, default: Duration, name: &str| match value {
            Some(0) => Err(format!("{name} must be at least 1")),
            Some(secs) => Ok(Duration::from_secs(secs)),
            None => Ok(default),
        };
        let max_header_bytes = pick!(max_header_bytes).unwrap_or(DEFAULT_MAX_HEADER_BYTES);
        if max_header_bytes < MIN_HEADER_BYTES {
            return Err(format!(
                "max_header_bytes must be at least {MIN_HEADER_BYTES}"
            ));
        }
        let max_connections = pick!(max_connections);
        if max_connections == Some(0) {
            return Err("max_connections must be at least 1 (leave it out to derive it)".into());
        }
        let defaults = RateLimitSettings::default();
        let tls = match (pick!(tls_cert), pick!(tls_key)) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => return Err("tls_cert and tls_key must be set together".into()),
        };
        let metrics_token = pick!(metrics_token).filter(|t| !t.is_empty());
        Ok(ServingConfig {
            header_read_timeout: seconds(
                pick!(header_read_timeout_secs),
                DEFAULT_HEADER_READ_TIMEOUT,
                "header_read_timeout_secs",
            )?,
            keep_alive_timeout: seconds(
                pick!(keep_alive_timeout_secs),
                DEFAULT_KEEP_ALIVE_TIMEOUT,
                "keep_alive_timeout_secs",
            )?,
            max_connections,
            max_header_bytes,
            rate_limits: RateLimitSettings {
                per_key_per_second: pick!(rate_limit_per_key)
                    .unwrap_or(defaults.per_key_per_second),
                per_key_burst: pick!(rate_limit_burst).unwrap_or(defaults.per_key_burst),
                auth_failures_per_minute: pick!(auth_failures_per_minute)
                    .unwrap_or(defaults.auth_failures_per_minute),
            },
            metrics_listen: pick!(metrics_listen),
            metrics_token,
            tls,
        })
    }

    /// Whether `/metrics` is served anywhere (and so whether anything is recorded).
    pub fn metrics_enabled(&self) -> bool {
        self.metrics_listen.is_some() || self.metrics_token.is_some()
    }
}

impl fmt::Debug for ServingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServingConfig")
            .field("header_read_timeout", &self.header_read_timeout)
            .field("keep_alive_timeout", &self.keep_alive_timeout)
            .field("max_connections", &self.max_connections)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("rate_limits", &self.rate_limits)
            .field("metrics_listen", &self.metrics_listen)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_those_of_the_docs() {
        let config =
            ServingConfig::resolve(&FileConfig::default(), &FileConfig::default()).unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.keep_alive_timeout, Duration::from_secs(60));
        assert_eq!(config.max_connections, None);
        assert_eq!(config.max_header_bytes, 16 * 1024);
        assert_eq!(config.rate_limits, RateLimitSettings::default());
        assert!(!config.metrics_enabled());
        assert_eq!(config.tls, None);
    }

    #[test]
    fn overrides_win_and_zero_turns_a_rate_limit_off() {
        let file = FileConfig {
            rate_limit_per_key: Some(5),
            auth_failures_per_minute: Some(3),
            metrics_token: Some("file-token".into()),
            ..FileConfig::default()
        };
        let overrides = FileConfig {
            rate_limit_per_key: Some(0),
            ..FileConfig::default()
        };
        let config = ServingConfig::resolve(&file, &overrides).unwrap();
        assert_eq!(config.rate_limits.per_key_per_second, 0);
        assert_eq!(config.rate_limits.auth_failures_per_minute, 3);
        assert!(config.metrics_enabled());
        assert!(!format!("{config:?}").contains("file-token"));
    }

    #[test]
    fn half_a_tls_setting_or_a_zero_timeout_is_refused() {
        let half = FileConfig {
            tls_cert: Some("cert.pem".into()),
            ..FileConfig::default()
        };
        assert!(ServingConfig::resolve(&half, &FileConfig::default()).is_err());
        let zero = FileConfig {
            header_read_timeout_secs: Some(0),
            ..FileConfig::default()
        };
        assert!(ServingConfig::resolve(&zero, &FileConfig::default()).is_err());
    }
}
