//! [`ServerSetup`]: what a test's server runs with beyond its [`ApiPolicy`], the
//! settings production takes from the configuration; each is off, or at its default,
//! unless a test asks for it.

use didhub::api::ApiPolicy;
use didhub::api::rate_limit::RateLimitSettings;
use didhub::server::ConnectionLimits;

/// A test server's settings.
#[derive(Clone, Default)]
pub struct ServerSetup {
    pub policy: ApiPolicy,
    /// Rate limits; `None`: off.
    pub rate_limits: Option<RateLimitSettings>,
    /// `/metrics` on the API port (`Some(token)`) or on a listener of its own.
    pub metrics: Option<MetricsSetup>,
    /// Connection limits; `None`: the defaults.
    pub connections: Option<ConnectionLimits>,
    /// TLS termination, and the root the test client trusts.
    pub tls: Option<(tokio_rustls::TlsAcceptor, reqwest::Certificate)>,
}

/// Where a test server serves `/metrics`.
#[derive(Clone)]
pub enum MetricsSetup {
    ApiPortWithToken(String),
    OwnListener,
}

impl From<ApiPolicy> for ServerSetup {
    fn from(policy: ApiPolicy) -> Self {
        ServerSetup {
            policy,
            ..ServerSetup::default()
        }
    }
}
