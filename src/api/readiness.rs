//! `GET /ready`: whether this process can take writes now, for load balancers and
//! orchestrators. `/health` answers as long as the process serves HTTP; `/ready` asks
//! the store ([`crate::store::Store::readiness`]: the writer running, the database's
//! files intact, space left, PostgreSQL reachable and writable) and answers 200 `READY`,
//! or 503 with the reason on one line.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;

/// The longest `/ready` waits for the store before it answers 503.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    match tokio::time::timeout(READINESS_TIMEOUT, state.store.readiness()).await {
        Ok(Ok(())) => (StatusCode::OK, "READY\n".into()),
        Ok(Err(fault)) => {
            tracing::warn!(error = %fault, "not ready for writes");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("NOT READY: {}\n", fault.reason),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "NOT READY: the store did not answer within {} s\n",
                READINESS_TIMEOUT.as_secs()
            ),
        ),
    }
}
