//! [`ApiError`]: every failure of an API request, with its stable code. This is the one
//! place where domain, store and wire errors become codes (`anveo-api.md` §3).

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::api::ERROR_CODE_HEADER;
use crate::domain::{DomainError, ErrorCode};
use crate::store::StoreError;

use super::request::MalformedRequest;

/// A failed request: the code and the sentence shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Sent as HTTP `Retry-After` (whole seconds): set on RATE_LIMITED.
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A failure the client may retry after `wait`.
    pub fn retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// The HTTP headers every surface sends with this failure: its code in
    /// [`ERROR_CODE_HEADER`], and `Retry-After` when the client should wait.
    pub fn add_headers(&self, headers: &mut HeaderMap) {
        add_error_headers(headers, self.code.as_str(), self.retry_after);
    }
}

/// `X-Didhub-Error-Code: code`, and `Retry-After` (whole seconds) when there is a wait:
/// what every failure answer carries, on every surface.
pub fn add_error_headers(
    headers: &mut HeaderMap,
    code: &str,
    retry_after: Option<std::time::Duration>,
) {
    if let Ok(code) = HeaderValue::from_str(code) {
        headers.insert(HeaderName::from_static(ERROR_CODE_HEADER), code);
    }
    if let Some(wait) = retry_after {
        headers.insert(header::RETRY_AFTER, wait.as_secs().into());
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<MalformedRequest> for ApiError {
    fn from(e: MalformedRequest) -> Self {
        ApiError::new(ErrorCode::MalformedRequest, e.0)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Rejected(message) => ApiError::new(ErrorCode::InvalidParameter, message),
            // Storage faults, and a store that stopped (shutting down, or its writer
            // gone): the request did nothing and may succeed later, here or elsewhere.
            StoreError::Unavailable(_) | StoreError::Closed => {
                tracing::warn!(error = %e, "storage cannot take writes");
                ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "storage cannot take writes now; nothing was done, retry later",
                )
            }
            StoreError::Backend(_) => {
                // The details stay in the server log; the client learns only that it failed.
                tracing::error!(error = %e, "store failure");
                ApiError::new(
                    ErrorCode::InternalError,
                    "internal error; the request changed nothing",
                )
            }
        }
    }
}
