//! The Anveo-compatible API (`anveo-api.md`): both transports are read into one
//! [`request::ApiRequest`], authenticated ([`auth`]), served by one action table
//! ([`dispatch`]) and written back by [`response`]. Every answer is HTTP 200 with an XML
//! envelope; failures carry a stable code ([`error`]) at the start of the `ERROR` text
//! and in the [`ERROR_CODE_HEADER`](crate::api::ERROR_CODE_HEADER) header.

pub mod actions;
pub mod admission;
pub mod answer;
pub mod auth;
pub mod dispatch;
pub mod error;
pub mod idempotency;
pub mod measure;
pub mod params;
pub mod request;
pub mod response;

use std::time::Instant;

use axum::body::Body as HttpBody;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response as HttpResponse;

use crate::api::rate_limit::ClientAddr;
use crate::api::{AppState, form};
use answer::Rendered;
use dispatch::RequestContext;
use request::{ApiRequest, MAX_BODY_BYTES, MalformedRequest};

/// `POST /api/v3.asp`: an XML REQUEST document.
pub async fn serve_v3(
    State(app): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: HttpBody,
) -> HttpResponse {
    let started = Instant::now();
    let request = form::read_body(body, MAX_BODY_BYTES)
        .await
        .map_err(MalformedRequest)
        .and_then(|bytes| request::parse_v3(&bytes));
    answer(&app, "v3", client, request, &headers, started).await
}

/// `GET /api/v2.asp?userkey=...&action=...&param[NAME]=...`.
pub async fn serve_v2(
    State(app): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> HttpResponse {
    let started = Instant::now();
    let request = request::parse_v2(query.as_deref().unwrap_or(""));
    answer(&app, "v2", client, request, &headers, started).await
}

/// `POST /api/v2.asp`: public clients POST either the v3 XML document (served exactly as
/// v3) or the v2 keys as a form, possibly with more keys in the query string.
pub async fn serve_v2_post(
    State(app): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: HttpBody,
) -> HttpResponse {
    let started = Instant::now();
    let request = match form::read_body(body, MAX_BODY_BYTES).await {
        Err(sentence) => Err(MalformedRequest(sentence)),
        Ok(bytes) if is_xml_document(&headers, &bytes) => request::parse_v3(&bytes),
        Ok(bytes) => form::form_text(&bytes)
            .map_err(MalformedRequest)
            .and_then(|form| request::parse_v2_form(query.as_deref().unwrap_or(""), form)),
    };
    answer(&app, "v2", client, request, &headers, started).await
}

/// Whether a POSTed body is an XML document rather than a form: an XML content type, or
/// (since some clients send XML as a form or with no type at all) a body that starts
/// with `<` once a byte order mark and white space are skipped.
fn is_xml_document(headers: &HeaderMap, body: &[u8]) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("xml") {
        return true;
    }
    let body = body.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(body);
    body.iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&first| first == b'<')
}

/// Authenticates and runs a parsed request (with its idempotency key, see
/// [`idempotency`]), logs one line, and writes the XML answer.
async fn answer(
    app: &AppState,
    transport: &'static str,
    client: ClientAddr,
    request: Result<ApiRequest, MalformedRequest>,
    headers: &HeaderMap,
    started: Instant,
) -> HttpResponse {
    let request_id = new_request_id();
    let (action, account, answer) = match request {
        Err(malformed) => (
            String::new(),
            String::new(),
            Rendered::of(&Err(malformed.into())),
        ),
        Ok(request) => {
            let action = printable(&request.action);
            match admission::admit(app, client, &request).await {
                Err(e) => (action, String::new(), Rendered::of(&Err(e))),
                Ok(caller) => {
                    let account = caller.account_number.to_string();
                    let context = RequestContext {
                        caller,
                        request_id: request_id.clone(),
                    };
                    let key = headers
                        .get(idempotency::KEY_HEADER)
                        .map(|value| value.to_str().unwrap_or("\u{FFFD}"));
                    let answer = idempotency::run(app, context, request, key).await;
                    (action, account, answer)
                }
            }
        }
    };
    tracing::info!(
        request_id = %request_id,
        transport,
        action = %action,
        account = %account,
        result = answer.result(),
        replayed = answer.replayed,
        latency_us = started.elapsed().as_micros() as u64,
        "api request"
    );
    measure::record_answer(transport, &action, answer.result(), started.elapsed());
    answer.into_response()
}

/// A short random id tying a log line to the number history rows it caused.
fn new_request_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// An action name as it may appear in a log line.
fn printable(text: &str) -> String {
    text.chars().take(64).filter(|c| !c.is_control()).collect()
}
