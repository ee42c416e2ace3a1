//! The outbound settings of the configuration (`webhook_*`, `delivery_*`,
//! `allow_private_targets`), layered like every other setting and checked here.

use std::time::Duration;

use super::OutboundPolicy;
use crate::config::FileConfig;
use crate::domain::delivery::RetrySchedule;
use crate::domain::delivery::retry::parse_duration;

/// The policy from the defaults, `file`, and `overrides` (env and flags), in rising
/// priority.
pub fn resolve(file: &FileConfig, overrides: &FileConfig) -> Result<OutboundPolicy, String> {
    let defaults = OutboundPolicy::default();
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    let timeout = match pick(&overrides.webhook_timeout, &file.webhook_timeout) {
        Some(text) => parse_duration(&text).map_err(|e| format!("webhook_timeout: {e}"))?,
        None => defaults.timeout,
    };
    if timeout.is_zero() || timeout > Duration::from_secs(60) {
        return Err("webhook_timeout must be more than 0 and at most 60s".into());
    }
    let schedule = pick(
        &overrides.webhook_retry_schedule,
        &file.webhook_retry_schedule,
    )
    .unwrap_or_else(|| "5s,30s,2m,10m,30m,1h".into());
    let retry_for =
        pick(&overrides.webhook_retry_for, &file.webhook_retry_for).unwrap_or_else(|| "24h".into());
    let retry = RetrySchedule::parse(&schedule, &retry_for)
        .map_err(|e| format!("webhook_retry_schedule / webhook_retry_for: {e}"))?;
    let count = |a: Option<usize>, b: Option<usize>, default: usize, name: &str| {
        let value = a.or(b).unwrap_or(default);
        if value == 0 {
            return Err(format!("{name} must be at least 1"));
        }
        Ok(value)
    };
    Ok(OutboundPolicy {
        allow_private_targets: overrides
            .allow_private_targets
            .or(file.allow_private_targets)
            .unwrap_or(defaults.allow_private_targets),
        timeout,
        retry,
        concurrency: count(
            overrides.delivery_concurrency,
            file.delivery_concurrency,
            defaults.concurrency,
            "delivery_concurrency",
        )?,
        per_endpoint: count(
            overrides.delivery_per_endpoint,
            file.delivery_per_endpoint,
            defaults.per_endpoint,
            "delivery_per_endpoint",
        )?,
        poll: defaults.poll,
        sms: defaults.sms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_settings_layer_and_are_checked() {
        let file = FileConfig {
            webhook_timeout: Some("3s".into()),
            allow_private_targets: Some(true),
            ..FileConfig::default()
        };
        let flags = FileConfig {
            webhook_retry_schedule: Some("100ms,1s".into()),
            allow_private_targets: Some(false),
            ..FileConfig::default()
        };
        let policy = resolve(&file, &flags).unwrap();
        assert_eq!(policy.timeout, Duration::from_secs(3));
        assert!(!policy.allow_private_targets);
        assert_eq!(
            policy.retry.delays,
            vec![Duration::from_millis(100), Duration::from_secs(1)]
        );
        assert_eq!(policy.retry.give_up_after, Duration::from_secs(86_400));
        let bad = FileConfig {
            webhook_timeout: Some("0s".into()),
            ..FileConfig::default()
        };
        assert!(resolve(&bad, &FileConfig::default()).is_err());
        assert_eq!(
            resolve(&FileConfig::default(), &FileConfig::default()).unwrap(),
            OutboundPolicy::default()
        );
    }
}
