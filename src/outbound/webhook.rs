//! The webhook sender: a Standard Webhooks `POST` of the event, signed with the
//! endpoint's secret, `webhook-id` the event's id (receivers de-duplicate by it) and
//! `webhook-timestamp` the attempt's time. Any 2xx is delivered.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use super::{OutboundPolicy, Sender, http};
use crate::domain::delivery::{AttemptOutcome, ClaimedDelivery};
use crate::domain::webhooks::signing::sign;
use crate::domain::webhooks::targets::is_private_address;

pub struct WebhookSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookSender {
    pub fn new(policy: &OutboundPolicy) -> Result<WebhookSender, String> {
        Ok(WebhookSender {
            client: http::client(policy)?,
            allow_private: policy.allow_private_targets,
        })
    }
}

#[async_trait]
impl Sender for WebhookSender {
    async fn send(&self, delivery: &ClaimedDelivery) -> AttemptOutcome {
        let Some(target) = &delivery.webhook else {
            return AttemptOutcome::Permanent("webhook removed".into());
        };
        let url = match url::Url::parse(&target.url) {
            Ok(url) => url,
            Err(e) => return AttemptOutcome::Permanent(format!("invalid URL: {e}")),
        };
        if let Some(refused) = refuse_private_literal(&url, self.allow_private) {
            return refused;
        }
        let body = delivery.event.body();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let signature = match sign(
            &target.secret,
            &delivery.event.id,
            timestamp,
            body.as_bytes(),
        ) {
            Ok(signature) => signature,
            Err(e) => return AttemptOutcome::Permanent(e.to_string()),
        };
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => AttemptOutcome::Delivered,
            Ok(response) => {
                AttemptOutcome::Retryable(format!("HTTP {}", response.status().as_u16()))
            }
            Err(e) if e.is_timeout() => AttemptOutcome::Retryable("timed out".into()),
            Err(e) => AttemptOutcome::Retryable(describe(&e)),
        }
    }
}

/// The refusal of a URL whose host is a private address literal, unless allowed. Names
/// are checked by the client's resolver; an address literal never reaches it.
pub(super) fn refuse_private_literal(
    url: &url::Url,
    allow_private: bool,
) -> Option<AttemptOutcome> {
    let literal = url
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse::<IpAddr>().ok());
    (!allow_private && literal.is_some_and(is_private_address))
        .then(|| AttemptOutcome::Permanent("refused: a private address".into()))
}

/// An error with its causes (reqwest's own text is only the outermost).
pub(super) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
