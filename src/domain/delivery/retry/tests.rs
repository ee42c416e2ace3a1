use std::time::Duration;

use super::*;
use crate::domain::AccountNumber;
use crate::domain::delivery::Channel;
use crate::domain::events::{Event, EventType};

fn delivery(attempts: u32, first_attempt_at_ms: i64) -> ClaimedDelivery {
    ClaimedDelivery {
        delivery_id: 1,
        channel: Channel::Webhook,
        target: "wh_1".into(),
        webhook: None,
        event: Event {
            id: "evt_1".into(),
            event_type: EventType::DidOrdered,
            occurred_at: 0,
            account_number: AccountNumber::parse("A", "1234567895").unwrap(),
            data: "{}".into(),
        },
        attempts,
        first_attempt_at_ms,
        lease_token: "t".into(),
    }
}

#[test]
fn durations_read_their_units() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
    for bad in ["", "5d", "m", "-1s", "1.5s"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn failures_back_off_then_repeat_hourly_then_fail_after_a_day() {
    let schedule = RetrySchedule::default();
    let failed = AttemptOutcome::Retryable("HTTP 500".into());
    let expected = [5, 30, 120, 600, 1800, 3600, 3600];
    for (attempts, seconds) in expected.into_iter().enumerate() {
        let record = schedule.after_attempt(&delivery(attempts as u32, 0), &failed, 1_000);
        assert_eq!(record.state, DeliveryState::Pending);
        assert_eq!(
            record.due_at_ms,
            1_000 + seconds * 1_000,
            "after {attempts}"
        );
        assert_eq!(record.error, "HTTP 500");
    }
    let day = 86_400_000;
    let late = schedule.after_attempt(&delivery(30, 0), &failed, day - 1_000);
    assert_eq!(late.state, DeliveryState::Failed);
}

#[test]
fn success_and_permanent_failures_end_the_delivery() {
    let schedule = RetrySchedule::default();
    let done = schedule.after_attempt(&delivery(2, 0), &AttemptOutcome::Delivered, 9);
    assert_eq!(
        (done.state, done.error.as_str()),
        (DeliveryState::Delivered, "")
    );
    let refused = AttemptOutcome::Permanent("webhook removed".into());
    let failed = schedule.after_attempt(&delivery(0, 0), &refused, 9);
    assert_eq!(failed.state, DeliveryState::Failed);
}

#[test]
fn a_counted_schedule_fails_after_its_last_attempt() {
    let schedule = RetrySchedule::attempts(5, Duration::from_secs(300));
    let failed = AttemptOutcome::Retryable("HTTP 500".into());
    for attempts in 0..4 {
        let record = schedule.after_attempt(&delivery(attempts, 0), &failed, 1_000);
        assert_eq!(
            record.state,
            DeliveryState::Pending,
            "attempt {}",
            attempts + 1
        );
        assert_eq!(record.due_at_ms, 301_000);
    }
    let record = schedule.after_attempt(&delivery(4, 0), &failed, 1_000);
    assert_eq!(
        record.state,
        DeliveryState::Failed,
        "the fifth attempt is the last"
    );
    assert_eq!(record.error, "HTTP 500");
}
