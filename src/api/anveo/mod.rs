//! The Anveo-compatible API (`anveo-api.md`): both transports are read into one
//! [`request::ApiRequest`], authenticated ([`auth`]), served by one action table
//! ([`dispatch`]) and written back by [`response`]. Every answer is HTTP 200 with an XML
//! envelope; failures carry a stable code ([`error`]).

pub mod actions;
pub mod admission;
pub mod auth;
pub mod dispatch;
pub mod error;
pub mod measure;
pub mod params;
pub mod request;
pub mod response;

use std::time::Instant;

use axum::body::{Body as HttpBody, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response as HttpResponse};

use crate::api::AppState;
use crate::api::rate_limit::ClientAddr;
use dispatch::RequestContext;
use error::ApiError;
use request::{ApiRequest, MAX_BODY_BYTES, MalformedRequest};
use response::{CONTENT_TYPE, error_xml};

/// `POST /api/v3.asp`: an XML REQUEST document.
pub async fn serve_v3(
    State(app): State<AppState>,
    client: ClientAddr,
    body: HttpBody,
) -> HttpResponse {
    let started = Instant::now();
    let request = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => request::parse_v3(&bytes),
        Err(_) => Err(MalformedRequest(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes or could not be read"
        ))),
    };
    answer(&app, "v3", client, request, started).await
}

/// `GET /api/v2.asp?userkey=...&action=...&param[NAME]=...`.
pub async fn serve_v2(
    State(app): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
) -> HttpResponse {
    let started = Instant::now();
    let request = request::parse_v2(query.as_deref().unwrap_or(""));
    answer(&app, "v2", client, request, started).await
}

/// Authenticates and runs a parsed request, logs one line, and writes the XML answer.
async fn answer(
    app: &AppState,
    transport: &'static str,
    client: ClientAddr,
    request: Result<ApiRequest, MalformedRequest>,
    started: Instant,
) -> HttpResponse {
    let request_id = new_request_id();
    let (action, account, outcome) = match request {
        Err(malformed) => (String::new(), String::new(), Err(ApiError::from(malformed))),
        Ok(request) => {
            let action = printable(&request.action);
            match admission::admit(app, client, &request).await {
                Err(e) => (action, String::new(), Err(e)),
                Ok(caller) => {
                    let account = caller.account_number.to_string();
                    let context = RequestContext {
                        caller,
                        request_id: request_id.clone(),
                    };
                    let outcome = dispatch::dispatch(app, &context, &request).await;
                    (action, account, outcome)
                }
            }
        }
    };
    let (result, body) = match &outcome {
        Ok(response) => ("SUCCESS", response.to_xml()),
        Err(e) => (e.code.as_str(), error_xml(e.code, &e.message)),
    };
    tracing::info!(
        request_id = %request_id,
        transport,
        action = %action,
        account = %account,
        result,
        latency_us = started.elapsed().as_micros() as u64,
        "api request"
    );
    measure::record_answer(transport, &action, result, started.elapsed());
    let mut answer = xml(body);
    if let Some(wait) = outcome.as_ref().err().and_then(|e| e.retry_after) {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.as_secs().into());
    }
    answer
}

fn xml(body: Vec<u8>) -> HttpResponse {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
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
