//! When a failed delivery is tried again: after each failed attempt the next delay of
//! the schedule (the last one repeating), until the first attempt is `give_up_after`
//! old; then the delivery is failed. The default is `events.md`'s: about 5 s, 30 s,
//! 2 min, 10 min, 30 min, then hourly, for 24 hours.

use std::time::Duration;

use super::{AttemptOutcome, AttemptRecord, ClaimedDelivery, DeliveryState};

/// Delays between attempts, and how long to keep trying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    /// The delay after the first failed attempt, the second, ...; the last repeats.
    pub delays: Vec<Duration>,
    pub give_up_after: Duration,
    /// At most this many attempts (`None`: as many as `give_up_after` allows).
    pub max_attempts: Option<u32>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule::parse("5s,30s,2m,10m,30m,1h", "24h").expect("the default schedule parses")
    }
}

/// Reads `500ms`, `5s`, `2m`, `1h` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 500ms, 5s, 2m or 1h"))?;
    let millis = match unit {
        "ms" => Some(value),
        "" | "s" => value.checked_mul(1_000),
        "m" => value.checked_mul(60_000),
        "h" => value.checked_mul(3_600_000),
        _ => None,
    }
    .ok_or_else(|| format!("'{text}' is not a duration such as 500ms, 5s, 2m or 1h"))?;
    Ok(Duration::from_millis(millis))
}

impl RetrySchedule {
    /// A schedule from a comma-separated list of delays and the time to keep trying.
    pub fn parse(delays: &str, give_up_after: &str) -> Result<RetrySchedule, String> {
        let delays = delays
            .split(',')
            .map(parse_duration)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RetrySchedule {
            delays,
            give_up_after: parse_duration(give_up_after)?,
            max_attempts: None,
        })
    }

    /// `attempts` attempts in all, `every` apart (`SMS_URL`'s policy: 5, 5 minutes).
    pub fn attempts(attempts: u32, every: Duration) -> RetrySchedule {
        RetrySchedule {
            delays: vec![every],
            give_up_after: Duration::MAX,
            max_attempts: Some(attempts.max(1)),
        }
    }

    /// The delay after `failed_attempts` failures (1 for the first).
    fn delay_after(&self, failed_attempts: u32) -> Duration {
        let index = (failed_attempts.max(1) as usize - 1).min(self.delays.len().saturating_sub(1));
        self.delays.get(index).copied().unwrap_or(Duration::ZERO)
    }

    /// What the attempt at `now_ms` with `outcome` makes of `delivery`.
    pub fn after_attempt(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &AttemptOutcome,
        now_ms: i64,
    ) -> AttemptRecord {
        let record = |state, due_at_ms, error: &str| AttemptRecord {
            delivery_id: delivery.delivery_id,
            lease_token: delivery.lease_token.clone(),
            state,
            due_at_ms,
            attempted_at_ms: now_ms,
            error: error.to_owned(),
            refused_sms: None,
        };
        match outcome {
            AttemptOutcome::Delivered => record(DeliveryState::Delivered, now_ms, ""),
            AttemptOutcome::Permanent(why) => record(DeliveryState::Failed, now_ms, why),
            AttemptOutcome::Retryable(why) => {
                let delay = self.delay_after(delivery.attempts + 1).as_millis() as i64;
                let next = now_ms.saturating_add(delay);
                let deadline = delivery.first_attempt_at_ms.saturating_add(
                    i64::try_from(self.give_up_after.as_millis()).unwrap_or(i64::MAX),
                );
                let used_up = self
                    .max_attempts
                    .is_some_and(|most| delivery.attempts + 1 >= most);
                if used_up || next > deadline {
                    record(DeliveryState::Failed, now_ms, why)
                } else {
                    record(DeliveryState::Pending, next, why)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
