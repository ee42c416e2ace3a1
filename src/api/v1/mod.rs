//! Anveo's v1 plain-text gateway, `/api/v1.asp` (`sms.md`): `GET` with the keys in the
//! query string, or a form `POST` (keys in the body, and possibly in the query string).
//!
//! Every answer is HTTP 200 `text/plain` in Anveo's `result=...^error=...` form
//! ([`reply`]), whatever went wrong: public clients read a bare 404 or an empty body as
//! a sent message. Keys are matched in any letter case. The caller is authenticated
//! exactly as on v2/v3 (`apikey` is a USERKEY, `signature` its SIGNATURE), so the same
//! cache, rules and rate limits apply.
//!
//! `action=sms` is the only action: `from` (an Active number of the caller's, or of its
//! sub-accounts' for a main account, in a country with SMS), `destination` and
//! `message`; the fee (parts × the destination country's price) is debited in the same
//! transaction that queues the message for Kannel, and the answer is
//! `result=success^error=^parts=N^fee=F^smsid=ID`. Without a Kannel `sendsms_url` it
//! answers `SMS_NOT_CONFIGURED`.

pub mod reply;

use std::time::Instant;

use axum::body::Body as HttpBody;
use axum::extract::{RawQuery, State};
use axum::response::Response as HttpResponse;

use crate::api::AppState;
use crate::api::anveo::error::ApiError;
use crate::api::anveo::request::{ApiRequest, MAX_BODY_BYTES};
use crate::api::anveo::{admission, measure};
use crate::api::form::{decoded_pairs, form_text, read_body, snippet};
use crate::api::rate_limit::ClientAddr;
use crate::domain::sms::address::phone_number;
use crate::domain::sms::{OutboundSms, message_parts};
use crate::domain::{Caller, DomainError, ErrorCode};

/// The keys of one v1 call, lower-cased names to values.
#[derive(Debug, Default)]
struct V1Keys(Vec<(String, String)>);

impl V1Keys {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    }

    /// Adds the pairs of one source; a key already given with another value is refused.
    fn add(&mut self, pairs: Vec<(String, String)>) -> Result<(), ApiError> {
        for (key, value) in pairs {
            let key = key.to_ascii_lowercase();
            match self.get(&key) {
                Some(given) if given == value.trim() => {}
                Some(_) => {
                    return Err(malformed(format!(
                        "the key '{}' is given twice with different values",
                        snippet(&key)
                    )));
                }
                None => self.0.push((key, value)),
            }
        }
        Ok(())
    }
}

fn malformed(sentence: String) -> ApiError {
    ApiError::new(ErrorCode::MalformedRequest, sentence)
}

/// `GET /api/v1.asp?apikey=...&action=sms&...`.
pub async fn serve_v1_get(
    State(app): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
) -> HttpResponse {
    let started = Instant::now();
    let keys = read_keys(query.as_deref().unwrap_or(""), "");
    answer(&app, client, keys, started).await
}

/// `POST /api/v1.asp` with a form body.
pub async fn serve_v1_post(
    State(app): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
    body: HttpBody,
) -> HttpResponse {
    let started = Instant::now();
    let keys = match read_body(body, MAX_BODY_BYTES).await {
        Err(sentence) => Err(malformed(sentence)),
        Ok(bytes) => form_text(&bytes)
            .map_err(malformed)
            .and_then(|form| read_keys(query.as_deref().unwrap_or(""), form)),
    };
    answer(&app, client, keys, started).await
}

fn read_keys(query: &str, form: &str) -> Result<V1Keys, ApiError> {
    let mut keys = V1Keys::default();
    for (source, what) in [(query, "query string"), (form, "form body")] {
        keys.add(decoded_pairs(source, what, MAX_BODY_BYTES).map_err(malformed)?)?;
    }
    Ok(keys)
}

async fn answer(
    app: &AppState,
    client: ClientAddr,
    keys: Result<V1Keys, ApiError>,
    started: Instant,
) -> HttpResponse {
    let action = keys
        .as_ref()
        .ok()
        .and_then(|k| k.get("action"))
        .map(snippet)
        .unwrap_or_default();
    let outcome = match keys {
        Err(e) => Err(e),
        Ok(keys) => run(app, client, &keys).await,
    };
    let result = match &outcome {
        Ok(_) => "SUCCESS",
        Err(e) => e.code.as_str(),
    };
    tracing::info!(
        transport = "v1",
        action = %action,
        result,
        latency_us = started.elapsed().as_micros() as u64,
        "api request"
    );
    let label = if action.eq_ignore_ascii_case("sms") {
        "sms"
    } else {
        "other"
    };
    measure::record_labelled("v1", label, result, started.elapsed());
    match outcome {
        Ok(fields) => reply::success(&fields),
        Err(e) => reply::error(&e),
    }
}

/// Authenticates the caller, then runs the action; the fields of a success answer.
async fn run(
    app: &AppState,
    client: ClientAddr,
    keys: &V1Keys,
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let caller = authenticate(app, client, keys).await?;
    match keys.get("action").unwrap_or("") {
        action if action.eq_ignore_ascii_case("sms") => send_sms(app, caller, keys).await,
        "" => Err(ApiError::new(
            ErrorCode::UnknownAction,
            "the key action is missing; the v1 gateway serves action=sms",
        )),
        other => Err(ApiError::new(
            ErrorCode::UnknownAction,
            format!(
                "action '{}' is not supported; the v1 gateway serves action=sms",
                snippet(other)
            ),
        )),
    }
}

/// The caller, under the same rate limits as v2/v3 ([`admission`]).
async fn authenticate(
    app: &AppState,
    client: ClientAddr,
    keys: &V1Keys,
) -> Result<Caller, ApiError> {
    let mut request = ApiRequest::new(keys.get("apikey").unwrap_or(""), "v1");
    if let Some(signature) = keys.get("signature") {
        request = request.with_param("SIGNATURE", signature);
    }
    admission::admit(app, client, &request)
        .await
        .map_err(|e| ApiError {
            message: e.message.replace("USERKEY", "apikey"),
            ..e
        })
}

/// `action=sms`: checks the parameters, then the store checks the sender, debits the fee
/// and queues the message, all at once.
async fn send_sms(
    app: &AppState,
    caller: Caller,
    keys: &V1Keys,
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let settings = &app.policy.outbound.sms;
    if settings.sendsms.is_none() {
        return Err(ApiError::new(
            ErrorCode::SmsNotConfigured,
            "SMS sending is not configured on this server; the message was not sent",
        ));
    }
    let required = |name: &str| {
        keys.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| DomainError::missing(name))
    };
    let from = phone_number("from", required("from")?)?;
    let to = phone_number("destination", required("destination")?)?;
    let text = required("message")?;
    let parts = message_parts("message", text)?;
    let receipt = app
        .store
        .send_sms(OutboundSms {
            caller,
            from,
            to,
            text: text.to_owned(),
            parts,
            default_price: settings.default_price,
        })
        .await?;
    Ok(vec![
        ("parts", receipt.parts.to_string()),
        ("fee", receipt.fee.to_string()),
        ("smsid", receipt.smsid.to_string()),
    ])
}
