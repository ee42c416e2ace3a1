//! The Kannel endpoints (`sms.md`): `GET /sms/kannel/inbound`, where Kannel's smsbox
//! hands over every message to a number (its sms-service's get-url), and
//! `GET /sms/kannel/dlr`, where its delivery reports come back. Both require `token`
//! (`kannel.inbound_token`; 401 otherwise, and always when none is configured).
//!
//! An inbound message is answered `200` with an empty body once it is stored (Kannel
//! then neither retries nor sends a reply SMS); its deliveries go out from the queue,
//! never on this request's path. `text` is decoded from `charset` when Kannel says it is
//! not UTF-8 (e.g. `UTF-16BE` with `coding=2`).

use std::borrow::Cow;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode;
use subtle::ConstantTimeEq;

use super::AppState;
use crate::domain::sms::address::{phone_number, sender};
use crate::domain::sms::{DeliveryReport, InboundSms};
use crate::store::StoreError;

/// The most bytes of query string read (a concatenated UCS-2 message, percent-encoded,
/// stays well below).
const MAX_QUERY_BYTES: usize = 64 * 1024;

/// The query's pairs, values as raw bytes (`+` as space, percent-decoded): `text` may
/// be in a charset other than UTF-8.
fn raw_pairs(query: &str) -> Vec<(String, Vec<u8>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bytes = |raw: &str| -> Vec<u8> {
                let spaced = raw.replace('+', " ");
                percent_decode(spaced.as_bytes()).collect()
            };
            (
                String::from_utf8_lossy(&bytes(key)).to_ascii_lowercase(),
                bytes(value),
            )
        })
        .collect()
}

struct Query(Vec<(String, Vec<u8>)>);

impl Query {
    fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_slice())
    }

    fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        self.bytes(name).map(String::from_utf8_lossy)
    }
}

/// `text` in `charset` (UTF-8 when none or unknown), lossless for valid input.
pub fn decode_text(bytes: &[u8], charset: Option<&str>) -> String {
    let encoding = charset
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

fn plain(status: StatusCode, text: &str) -> Response {
    (status, text.to_owned()).into_response()
}

/// The query, once its token is the configured one.
fn admitted(app: &AppState, query: Option<&str>) -> Result<Query, (StatusCode, &'static str)> {
    let query = query.unwrap_or("");
    if query.len() > MAX_QUERY_BYTES {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "query string too long\n"));
    }
    let query = Query(raw_pairs(query));
    let expected = app.policy.outbound.sms.inbound_token.as_deref();
    let given = query.bytes("token").unwrap_or_default();
    match expected {
        Some(expected) if bool::from(expected.as_bytes().ct_eq(given)) => Ok(query),
        _ => Err((StatusCode::UNAUTHORIZED, "missing or wrong token\n")),
    }
}

fn store_failure(e: StoreError, what: &str) -> Response {
    match e {
        StoreError::Unavailable(fault) => {
            tracing::warn!(error = %fault, "{what}: storage unavailable");
            plain(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n")
        }
        other => {
            tracing::error!(error = %other, "{what} failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
        }
    }
}

/// `GET /sms/kannel/inbound?token=..&from=%p&to=%P&text=%b&smsc=%i&id=%I&coding=%c&charset=%C`.
pub async fn inbound(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = match admitted(&app, query.as_deref()) {
        Ok(query) => query,
        Err((status, text)) => return plain(status, text),
    };
    let (Some(from), Some(to), Some(text)) =
        (query.text("from"), query.text("to"), query.bytes("text"))
    else {
        return plain(StatusCode::BAD_REQUEST, "from, to and text are required\n");
    };
    let charset = query.text("charset");
    let message = InboundSms {
        from: sender(&from),
        to_raw: to.trim().to_owned(),
        to: phone_number("to", &to).ok(),
        text: decode_text(text, charset.as_deref()),
        smsc: query.text("smsc").unwrap_or_default().into_owned(),
        kannel_id: query.text("id").unwrap_or_default().into_owned(),
        default_price: app.policy.outbound.sms.default_price,
    };
    match app.store.receive_sms(message).await {
        Ok(receipt) => {
            tracing::info!(
                smsid = receipt.smsid,
                undeliverable = receipt.undeliverable.as_deref().unwrap_or(""),
                "inbound SMS stored"
            );
            StatusCode::OK.into_response()
        }
        Err(e) => store_failure(e, "storing an inbound SMS"),
    }
}

/// `GET /sms/kannel/dlr?token=..&smsid=N&type=%d&answer=%A`.
pub async fn delivery_report(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let query = match admitted(&app, query.as_deref()) {
        Ok(query) => query,
        Err((status, text)) => return plain(status, text),
    };
    let smsid = query
        .text("smsid")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let dlr_type = query
        .text("type")
        .and_then(|v| v.trim().parse::<u32>().ok());
    let (Some(smsid), Some(dlr_type)) = (smsid, dlr_type) else {
        return plain(StatusCode::BAD_REQUEST, "smsid and type are required\n");
    };
    let report = DeliveryReport {
        smsid,
        dlr_type,
        answer: query.text("answer").unwrap_or_default().into_owned(),
    };
    match app.store.report_sms(report.clone()).await {
        Ok(changed) => {
            tracing::info!(
                smsid = report.smsid,
                dlr_type = report.dlr_type,
                answer = %report.answer,
                changed,
                "delivery report"
            );
            StatusCode::OK.into_response()
        }
        Err(e) => store_failure(e, "a delivery report"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_utf8_unless_kannel_names_another_charset() {
        let pairs = raw_pairs("text=Gr%C3%BC%C3%9Fe+%26+more&TO=%2B12125550100");
        let query = Query(pairs);
        assert_eq!(
            decode_text(query.bytes("text").unwrap(), None),
            "Grüße & more"
        );
        assert_eq!(query.text("to").unwrap(), "+12125550100");
        let utf16 = Query(raw_pairs("text=%04%1F%04%40%00%21"));
        assert_eq!(
            decode_text(utf16.bytes("text").unwrap(), Some("UTF-16BE")),
            "Пр!"
        );
        assert_eq!(decode_text(b"caf\xe9", Some("ISO-8859-1")), "café");
        assert_eq!(decode_text(b"plain", Some("no-such-charset")), "plain");
    }
}
