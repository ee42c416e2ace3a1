//! A finished answer of the Anveo API as it goes on the wire: the XML body, the error
//! code repeated in `X-Didhub-Error-Code`, and whether it is a replay of a stored answer
//! (`Idempotent-Replayed: true`, see [`super::idempotency`]).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response as HttpResponse};

use crate::api::ERROR_CODE_HEADER;

use super::error::ApiError;
use super::response::{CONTENT_TYPE, Response, error_xml};

/// The header that marks a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// An answer, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub body: Vec<u8>,
    /// The code of an error answer; `None` for a success.
    pub error_code: Option<String>,
    pub replayed: bool,
}

impl Rendered {
    /// The answer to an outcome: the document, or the error document with its code.
    pub fn of(outcome: &Result<Response, ApiError>) -> Rendered {
        match outcome {
            Ok(response) => Rendered {
                body: response.to_xml(),
                error_code: None,
                replayed: false,
            },
            Err(error) => Rendered {
                body: error_xml(error.code, &error.message),
                error_code: Some(error.code.as_str().to_owned()),
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
        if let Some(code) = self.error_code.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(HeaderName::from_static(ERROR_CODE_HEADER), code);
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
