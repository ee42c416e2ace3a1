//! The v1 gateway's answer: one line of `name=value` fields joined by `^`, as Anveo
//! writes it (`result=success^error=^parts=1^...` or `result=error^error=<text>`), HTTP
//! 200 `text/plain`. A failure's text starts with its stable code (`AUTH_FAILED: ...`),
//! which is also sent in the `X-Didhub-Error-Code` header.

use axum::http::header;
use axum::response::{IntoResponse, Response as HttpResponse};

use crate::api::anveo::error::ApiError;

/// The Content-Type of every v1 answer.
pub const CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// `result=success^error=^` and the fields, in order.
pub fn success(fields: &[(&str, String)]) -> HttpResponse {
    let mut line = String::from("result=success^error=");
    for (name, value) in fields {
        line.push('^');
        line.push_str(name);
        line.push('=');
        line.push_str(&field_value(value));
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], line).into_response()
}

/// `result=error^error=CODE: sentence`.
pub fn error_line(error: &ApiError) -> String {
    let text = format!("{}: {}", error.code.as_str(), error.message);
    format!("result=error^error={}", field_value(&text))
}

/// The failure answer: [`error_line`] with the code in `X-Didhub-Error-Code` (and
/// `Retry-After` where the client should wait).
pub fn error(error: &ApiError) -> HttpResponse {
    let mut answer = ([(header::CONTENT_TYPE, CONTENT_TYPE)], error_line(error)).into_response();
    error.add_headers(answer.headers_mut());
    answer
}

/// A value as it can stand in the line: no `^` (the separator) and no line break.
fn field_value(value: &str) -> String {
    value
        .chars()
        .map(|c| if c == '^' || c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;
    use crate::api::ERROR_CODE_HEADER;
    use crate::domain::ErrorCode;

    async fn text(response: HttpResponse) -> String {
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        let body = to_bytes(response.into_body(), 1024).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_success_is_anveos_line_with_the_fields_in_order() {
        let fields = [("parts", "2".to_owned()), ("fee", "0.02".to_owned())];
        assert_eq!(
            text(success(&fields)).await,
            "result=success^error=^parts=2^fee=0.02"
        );
    }

    #[tokio::test]
    async fn an_error_is_its_code_and_sentence_with_the_code_header() {
        let error = ApiError::new(ErrorCode::AuthFailed, "apikey is not valid ^ at all");
        let response = super::error(&error);
        assert_eq!(response.headers()[ERROR_CODE_HEADER], "AUTH_FAILED");
        assert_eq!(
            text(response).await,
            "result=error^error=AUTH_FAILED: apikey is not valid   at all"
        );
    }

    #[test]
    fn a_value_cannot_break_the_line() {
        assert_eq!(field_value("a^b\nc\rd"), "a b c d");
        assert_eq!(field_value("plain: text"), "plain: text");
    }
}
