//! Everything that leaves the process over the network: the policy for outbound calls
//! ([`OutboundPolicy`]: timeouts, retries, concurrency, private targets), the HTTP
//! client that refuses private addresses after DNS ([`http`]), the check of a target at
//! registration ([`targets`]), and one [`Sender`] per delivery channel ([`webhook`],
//! [`sms_url`], [`smtp`] for `SMS_EMAIL`, [`kannel`] for outbound SMS), with the SMS
//! settings in [`sms_settings`]. The delivery worker (`jobs::delivery`) picks the
//! sender and the retry schedule by the delivery's channel; a new channel is a new
//! sender, not a new queue.

pub mod http;
pub mod kannel;
pub mod settings;
pub mod sms_settings;
pub mod sms_url;
pub mod smtp;
pub mod targets;
pub mod webhook;

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::delivery::{AttemptOutcome, Channel, ClaimedDelivery, RetrySchedule};

/// How outbound deliveries are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Call loopback, private, link-local and unique-local addresses too (tests and
    /// private deployments); `false` by default.
    pub allow_private_targets: bool,
    /// The most one attempt may take, connecting included (10 s).
    pub timeout: Duration,
    pub retry: RetrySchedule,
    /// Attempts in flight at once in this process, over all endpoints.
    pub concurrency: usize,
    /// Attempts in flight at once to one endpoint, so one slow endpoint cannot take all.
    pub per_endpoint: usize,
    /// How often an idle worker looks for due deliveries.
    pub poll: Duration,
    /// Kannel, SMTP, `SMS_URL`'s retries and the default SMS price.
    pub sms: sms_settings::SmsSettings,
}

impl Default for OutboundPolicy {
    fn default() -> Self {
        OutboundPolicy {
            allow_private_targets: false,
            timeout: Duration::from_secs(10),
            retry: RetrySchedule::default(),
            concurrency: 32,
            per_endpoint: 4,
            poll: Duration::from_millis(250),
            sms: sms_settings::SmsSettings::default(),
        }
    }
}

impl OutboundPolicy {
    /// How long a claim is held: well past an attempt's timeout, so a claim is never
    /// taken over while its attempt may still run, yet a crashed worker's claims come
    /// back soon.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }

    /// The retry schedule of a channel: `SMS_URL` has Anveo's (5 attempts, 5 minutes
    /// apart, `sms_url_*`); webhooks, e-mail and Kannel the webhook schedule.
    pub fn schedule(&self, channel: Channel) -> &RetrySchedule {
        match channel {
            Channel::SmsUrl => &self.sms.sms_url_retry,
            Channel::Webhook | Channel::SmsEmail | Channel::Kannel => &self.retry,
        }
    }
}

/// Sends one channel's deliveries.
#[async_trait]
pub trait Sender: Send + Sync {
    /// One attempt; never longer than the policy's timeout.
    async fn send(&self, delivery: &ClaimedDelivery) -> AttemptOutcome;
}

/// The sender of every channel.
pub struct Senders {
    webhook: webhook::WebhookSender,
    sms_url: sms_url::SmsUrlSender,
    smtp: smtp::SmtpSender,
    kannel: kannel::KannelSender,
}

impl Senders {
    pub fn new(policy: &OutboundPolicy) -> Result<Senders, String> {
        Ok(Senders {
            webhook: webhook::WebhookSender::new(policy)?,
            sms_url: sms_url::SmsUrlSender::new(policy)?,
            smtp: smtp::SmtpSender::new(policy)?,
            kannel: kannel::KannelSender::new(policy)?,
        })
    }

    pub fn for_channel(&self, channel: Channel) -> &dyn Sender {
        match channel {
            Channel::Webhook => &self.webhook,
            Channel::SmsUrl => &self.sms_url,
            Channel::SmsEmail => &self.smtp,
            Channel::Kannel => &self.kannel,
        }
    }
}
