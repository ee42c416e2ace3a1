//! The `SMS_EMAIL` sender: an e-mail through the configured SMTP relay (lettre), from
//! `smtp_from` to the number's `SMS_EMAIL` (the delivery's target), the subject naming
//! sender and receiver, the text as the body, and the `sms.received` event's id in the
//! Message-ID (receivers can de-duplicate by it). With no relay configured the delivery
//! fails with that reason. A permanent SMTP refusal (5xx) fails it; anything else is
//! retried.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::sms_settings::SmtpRelay;
use super::{OutboundPolicy, Sender};
use crate::domain::delivery::{AttemptOutcome, ClaimedDelivery};

pub struct SmtpSender {
    relay: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl SmtpSender {
    pub fn new(policy: &OutboundPolicy) -> Result<SmtpSender, String> {
        let relay = match &policy.sms.smtp {
            None => None,
            Some(SmtpRelay { url, from }) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(policy.timeout))
                    .build();
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| format!("smtp_from '{from}': {e}"))?;
                Some((transport, from))
            }
        };
        Ok(SmtpSender { relay })
    }
}

/// The subject and body of the e-mail for an `sms.received` event's data.
pub fn mail_text(data: &serde_json::Value) -> (String, String) {
    let field = |name: &str| data.get(name).and_then(|v| v.as_str()).unwrap_or("");
    (
        format!("SMS from {} to {}", field("FROM"), field("TO")),
        field("MESSAGE").to_owned(),
    )
}

#[async_trait]
impl Sender for SmtpSender {
    async fn send(&self, delivery: &ClaimedDelivery) -> AttemptOutcome {
        let Some((transport, from)) = &self.relay else {
            return AttemptOutcome::Permanent("no SMTP relay is configured (smtp_url)".into());
        };
        let to: Mailbox = match delivery.target.parse() {
            Ok(to) => to,
            Err(e) => return AttemptOutcome::Permanent(format!("invalid address: {e}")),
        };
        let data: serde_json::Value =
            serde_json::from_str(&delivery.event.data).unwrap_or_default();
        let (subject, body) = mail_text(&data);
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@didhub>", delivery.event.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(body);
        let message = match message {
            Ok(message) => message,
            Err(e) => return AttemptOutcome::Permanent(format!("building the e-mail: {e}")),
        };
        match transport.send(message).await {
            Ok(_) => AttemptOutcome::Delivered,
            Err(e) if e.is_permanent() => AttemptOutcome::Permanent(format!("SMTP: {e}")),
            Err(e) => AttemptOutcome::Retryable(format!("SMTP: {e}")),
        }
    }
}
