//! The HTTP surface: the Anveo-compatible API ([`anveo`]), Anveo's v1 SMS gateway
//! ([`v1`]), `GET /health`, `GET /ready` ([`readiness`]) and, when configured, `GET /metrics`
//! ([`metrics_endpoint`]), the switches' route lookups ([`routing`]),
//! assembled into one axum router with request timeouts; the rate limits every API
//! request passes ([`rate_limit`]).

pub mod anveo;
pub mod auth_cache;
pub mod form;
pub mod kannel;
pub mod long_target;
pub mod metrics_endpoint;
pub mod rate_limit;
pub mod readiness;
pub mod routing;
pub mod v1;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

use crate::store::Store;

use auth_cache::AuthCache;
use metrics_endpoint::{MetricsAccess, serve_metrics};
use rate_limit::{RateLimitSettings, RateLimits};

/// The HTTP header that repeats a failure's stable code on every API surface, for clients
/// and proxies that look at headers rather than the body.
pub const ERROR_CODE_HEADER: &str = "x-didhub-error-code";

/// Default days a canceled number ages before it returns to stock.
pub const DEFAULT_AGING_DAYS: u32 = 90;

/// The API's limits and business rules, from the configuration.
#[derive(Debug, Clone)]
pub struct ApiPolicy {
    /// Largest QUANTITY one DID.ORDER may ask for.
    pub max_quantity: u32,
    /// Longest a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Days a canceled number ages before it returns to stock, so the next buyer does
    /// not get the last one's calls.
    pub aging_days: u32,
    /// Webhook deliveries and other outbound calls (`outbound`).
    pub outbound: crate::outbound::OutboundPolicy,
    /// Where numbers route to, and the names the switch renderings use (`[routing]`).
    pub routing: crate::domain::routing_lookup::RoutingSettings,
    /// Monthly renewals: `serve`'s sweep and the grace days (`config::billing`).
    pub billing: crate::config::billing::BillingSettings,
}

impl ApiPolicy {
    pub fn aging_seconds(&self) -> i64 {
        i64::from(self.aging_days) * 86_400
    }
}

impl Default for ApiPolicy {
    fn default() -> Self {
        ApiPolicy {
            max_quantity: crate::domain::order::DEFAULT_MAX_QUANTITY,
            request_timeout: Duration::from_secs(30),
            aging_days: DEFAULT_AGING_DAYS,
            outbound: crate::outbound::OutboundPolicy::default(),
            routing: crate::domain::routing_lookup::RoutingSettings::default(),
            billing: crate::config::billing::BillingSettings::default(),
        }
    }
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub policy: ApiPolicy,
    /// Callers of recently seen API keys; `server::serve` keeps it fresh.
    pub auth: Arc<AuthCache>,
    /// Per-key and failed-authentication limits (off unless set with `with_rate_limits`).
    pub limits: Arc<RateLimits>,
    /// How `/metrics` is served; `None`: not at all.
    pub metrics: Option<MetricsAccess>,
    /// The routing settings and the memory of lookups; `server::serve` keeps it fresh.
    pub routing: Arc<routing::RoutingState>,
}

impl AppState {
    /// The application without rate limits or metrics.
    pub fn new(store: Arc<dyn Store>, policy: ApiPolicy) -> AppState {
        AppState {
            routing: Arc::new(routing::RoutingState::new(policy.routing.clone())),
            store,
            policy,
            auth: Arc::new(AuthCache::new()),
            limits: Arc::new(RateLimits::off()),
            metrics: None,
        }
    }

    pub fn with_rate_limits(mut self, settings: RateLimitSettings) -> AppState {
        self.limits = Arc::new(RateLimits::new(settings));
        self
    }

    pub fn with_metrics(mut self, access: MetricsAccess) -> AppState {
        self.metrics = Some(access);
        self
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let timeout = state.policy.request_timeout;
    let mut routes = Router::new()
        .route("/api/v3.asp", post(anveo::serve_v3))
        .route(
            "/api/v2.asp",
            get(anveo::serve_v2).post(anveo::serve_v2_post),
        )
        .route("/api/v1.asp", get(v1::serve_v1_get).post(v1::serve_v1_post))
        .route("/sms/kannel/inbound", get(kannel::inbound))
        .route("/sms/kannel/dlr", get(kannel::delivery_report))
        .route("/health", get(health))
        .route("/ready", get(readiness::ready))
        .merge(routing::routes());
    if state.metrics.as_ref().is_some_and(|m| m.on_api_port) {
        routes = routes.route("/metrics", get(serve_metrics));
    }
    routes
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

/// `/metrics` alone, for the listener of its own (`metrics_listen`).
pub fn metrics_router(state: &AppState) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .with_state(state.clone())
}

/// Liveness: answers without touching the database.
async fn health() -> &'static str {
    "OK\n"
}
