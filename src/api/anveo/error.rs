//! [`ApiError`]: every failure of an API request, with its stable code. This is the one
//! place where domain, store and wire errors become codes (`anveo-api.md` §3).

use crate::domain::{DomainError, ErrorCode};
use crate::store::StoreError;

use super::request::MalformedRequest;

/// A failed request: the code and the sentence shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
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
