//! The Kannel sender: hands an outbound SMS to Kannel's `sendsms` interface (`GET` with
//! `username`, `password`, `from`, `to`, `text` in UTF-8, `coding` 0 for GSM or 2 for
//! UCS-2, and a `dlr-url` back to didhub with `dlr-mask=31`, so every report type comes
//! back). Any 2xx is accepted; a 4xx is Kannel refusing the message (no later attempt
//! can succeed; the message fails and is refunded); anything else is retried.
//!
//! `sendsms` is the operator's own gateway, so the private-target rule does not apply.

use async_trait::async_trait;

use super::sms_settings::KannelSendsms;
use super::webhook::describe;
use super::{OutboundPolicy, Sender};
use crate::domain::delivery::{AttemptOutcome, ClaimedDelivery};
use crate::domain::sms::{Coding, Submission};

pub struct KannelSender {
    client: reqwest::Client,
    sendsms: Option<KannelSendsms>,
    token: String,
}

impl KannelSender {
    pub fn new(policy: &OutboundPolicy) -> Result<KannelSender, String> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(KannelSender {
            client,
            sendsms: policy.sms.sendsms.clone(),
            token: policy.sms.inbound_token.clone().unwrap_or_default(),
        })
    }
}

/// The `sendsms` URL for `submission`.
pub fn sendsms_url(sendsms: &KannelSendsms, token: &str, submission: &Submission) -> url::Url {
    let mut dlr = sendsms.dlr_url.clone();
    dlr.query_pairs_mut()
        .append_pair("token", token)
        .append_pair("smsid", &submission.smsid.to_string());
    // Kannel fills in %d (the report type) and %A (the SMSC's answer).
    let dlr = format!("{dlr}&type=%d&answer=%A");
    let mut url = sendsms.url.clone();
    url.query_pairs_mut()
        .append_pair("username", &sendsms.username)
        .append_pair("password", &sendsms.password)
        .append_pair("from", &submission.from)
        .append_pair("to", &submission.to)
        .append_pair("text", &submission.text)
        .append_pair("charset", "UTF-8")
        .append_pair(
            "coding",
            match submission.coding {
                Coding::Gsm7 => "0",
                Coding::Ucs2 => "2",
            },
        )
        .append_pair("dlr-mask", "31")
        .append_pair("dlr-url", &dlr);
    url
}

#[async_trait]
impl Sender for KannelSender {
    async fn send(&self, delivery: &ClaimedDelivery) -> AttemptOutcome {
        let Some(sendsms) = &self.sendsms else {
            return AttemptOutcome::Permanent("no Kannel sendsms_url is configured".into());
        };
        let Some(submission) = Submission::from_event(&delivery.event) else {
            return AttemptOutcome::Permanent("the event names no message to send".into());
        };
        let url = sendsms_url(sendsms, &self.token, &submission);
        match self.client.get(url).send().await {
            Ok(response) if response.status().is_success() => AttemptOutcome::Delivered,
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                let why = format!("HTTP {}: {}", status.as_u16(), body.trim());
                if status.is_client_error() {
                    AttemptOutcome::Permanent(why)
                } else {
                    AttemptOutcome::Retryable(why)
                }
            }
            Err(e) if e.is_timeout() => AttemptOutcome::Retryable("timed out".into()),
            Err(e) => AttemptOutcome::Retryable(describe(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sendsms_call_carries_the_message_and_a_report_url() {
        let sendsms = KannelSendsms {
            url: url::Url::parse("http://127.0.0.1:13013/cgi-bin/sendsms").unwrap(),
            username: "didhub".into(),
            password: "p&w".into(),
            dlr_url: url::Url::parse("http://127.0.0.1:8080/sms/kannel/dlr").unwrap(),
        };
        let submission = Submission {
            smsid: 42,
            from: "12125550100".into(),
            to: "447700900123".into(),
            text: "Tom & Jerry €".into(),
            coding: Coding::Gsm7,
        };
        let url = sendsms_url(&sendsms, "tok", &submission);
        let pairs: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(pairs["password"], "p&w");
        assert_eq!(pairs["text"], "Tom & Jerry €");
        assert_eq!(pairs["coding"], "0");
        assert_eq!(pairs["dlr-mask"], "31");
        assert_eq!(
            pairs["dlr-url"],
            "http://127.0.0.1:8080/sms/kannel/dlr?token=tok&smsid=42&type=%d&answer=%A"
        );
    }
}
