//! `GET /metrics`: the Prometheus text exposition of everything recorded in this
//! process (see [`crate::telemetry::names`]).
//!
//! Where it is served ([`MetricsAccess`]): on a listener of its own when `metrics_listen`
//! is set, else on the API port, but only with a `metrics_token`, which every scrape
//! must send as `Authorization: Bearer TOKEN`. With neither setting there is no
//! `/metrics` at all (404) and nothing is recorded: the API port is public, and what
//! the metrics tell (request rates per action, order volume) is not for everyone. A
//! token set together with `metrics_listen` is required there too.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use subtle::ConstantTimeEq;

use super::AppState;

/// The Content-Type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How `/metrics` is reached.
#[derive(Clone)]
pub struct MetricsAccess {
    pub handle: PrometheusHandle,
    /// Required as a bearer token when set.
    pub token: Option<String>,
    /// Whether `/metrics` is routed on the API port (no `metrics_listen`).
    pub on_api_port: bool,
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsAccess")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("on_api_port", &self.on_api_port)
            .finish()
    }
}

/// Serves the scrape, or 404 (no metrics) / 401 (no or wrong token).
pub async fn serve_metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(access) = &app.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(token) = &access.token
        && !bearer_matches(&headers, token)
    {
        let challenge = HeaderValue::from_static("Bearer realm=\"didhub metrics\"");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, challenge)],
            "a metrics token is required: Authorization: Bearer TOKEN\n",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        access.handle.render(),
    )
        .into_response()
}

/// Whether the request carries `Authorization: Bearer <token>` (compared in constant
/// time, so the comparison does not tell how much of a guess was right).
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    presented.trim().as_bytes().ct_eq(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_matches() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(bearer_matches(&with("Bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(&with("Bearer s3cre"), "s3cret"));
        assert!(!bearer_matches(&with("Basic s3cret"), "s3cret"));
        assert!(!bearer_matches(&HeaderMap::new(), "s3cret"));
    }
}
