//! The HTTP surface: the Anveo-compatible API ([`anveo`]), `GET /health` and `GET /ready`
//! ([`readiness`]), assembled
//! into one axum router with request timeouts.

pub mod anveo;
pub mod auth_cache;
pub mod readiness;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

use crate::store::Store;

use auth_cache::AuthCache;

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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, policy: ApiPolicy) -> AppState {
        AppState {
            store,
            policy,
            auth: Arc::new(AuthCache::new()),
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let timeout = state.policy.request_timeout;
    Router::new()
        .route("/api/v3.asp", post(anveo::serve_v3))
        .route("/api/v2.asp", get(anveo::serve_v2))
        .route("/health", get(health))
        .route("/ready", get(readiness::ready))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

/// Liveness: answers without touching the database.
async fn health() -> &'static str {
    "OK\n"
}
