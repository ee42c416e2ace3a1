//! A finished answer of the Anveo API as it goes on the wire: the XML body, the error
//! code repeated in `X-Didhub-Error-Code`, and whether it is a replay of a stored answer
//! (`Idempotent-Replayed: true`, see [`super::idempotency`]).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response as HttpResponse};

use super::error::{ApiError, add_error_headers};
use super::response::{CONTENT_TYPE, Response, error_xml};

/// The header that marks a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// An answer, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub body: Vec<u8>,
    /// The code of an error answer; `None` for a success.
    pub error_code: Option<String>,
    /// `Retry-After` of an error the client should wait out (never stored: such answers
    /// are not kept for replay).
    pub retry_after: Option<std::time::Duration>,
    pub replayed: bool,
}

impl Rendered {
    /// The answer to an outcome: the document, or the error document with its code.
    pub fn of(outcome: &Result<Response, ApiError>) -> Rendered {
        match outcome {
            Ok(response) => Rendered {
                body: response.to_xml(),
                error_code: None,
                retry_after: None,
                replayed: false,
            },
            Err(error) => Rendered {
                body: error_xml(error.code, &error.message),
                error_code: Some(error.code.as_str().to_owned()),
                retry_after: error.retry_after,
                replayed: false,
            },
        }
    }

    /// What the request log says: the error code or SUCCESS.
    pub fn result(&self) -> &str {
        self.error_code.as_deref().unwrap_or("SUCCESS")
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = ([(header::CONTENT_TYPE, CONTENT_TYPE)], self.body).into_response();
        let headers = response.headers_mut();
        if let Some(code) = &self.error_code {
            add_error_headers(headers, code, self.retry_after);
        }
        if self.replayed {
            headers.insert(
                HeaderName::from_static(REPLAYED_HEADER),
                HeaderValue::from_static("true"),
            );
        }
        response
    }
}
