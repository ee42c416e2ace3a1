//! The `SMS_URL` sender: a `GET` of the filled URL (the delivery's target) with
//! `X-Didhub-Event-Id` (the `sms.received` event's id, for de-duplication). Any 2xx is
//! delivered; private targets follow `allow_private_targets` like webhooks.

use async_trait::async_trait;

use super::webhook::{describe, refuse_private_literal};
use super::{OutboundPolicy, Sender, http};
use crate::domain::delivery::{AttemptOutcome, ClaimedDelivery};

pub struct SmsUrlSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl SmsUrlSender {
    pub fn new(policy: &OutboundPolicy) -> Result<SmsUrlSender, String> {
        Ok(SmsUrlSender {
            client: http::client(policy)?,
            allow_private: policy.allow_private_targets,
        })
    }
}

#[async_trait]
impl Sender for SmsUrlSender {
    async fn send(&self, delivery: &ClaimedDelivery) -> AttemptOutcome {
        let url = match url::Url::parse(&delivery.target) {
            Ok(url) => url,
            Err(e) => return AttemptOutcome::Permanent(format!("invalid URL: {e}")),
        };
        if let Some(refused) = refuse_private_literal(&url, self.allow_private) {
            return refused;
        }
        let sent = self
            .client
            .get(url)
            .header("X-Didhub-Event-Id", &delivery.event.id)
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
