//! The HTTP surface: the Anveo-compatible API ([`anveo`]) and `GET /health`, assembled
//! into one axum router with request timeouts.

pub mod anveo;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

use crate::store::Store;

/// Limits of the API, from the configuration.
#[derive(Debug, Clone)]
pub struct ApiLimits {
    /// Largest QUANTITY one DID.ORDER may ask for.
    pub max_quantity: u32,
    /// Longest a request may take before it is answered with 408.
    pub request_timeout: Duration,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            max_quantity: crate::domain::order::DEFAULT_MAX_QUANTITY,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub limits: ApiLimits,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let timeout = state.limits.request_timeout;
    Router::new()
        .route("/api/v3.asp", post(anveo::serve_v3))
        .route("/api/v2.asp", get(anveo::serve_v2))
        .route("/health", get(health))
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
