use super::*;

fn at(text: &str) -> Timestamp {
    parse_instant("test", text).unwrap()
}

fn dates(anchor: &str, months: u32) -> Vec<String> {
    (0..=months).map(|n| utc_date(due(at(anchor), n))).collect()
}

#[test]
fn the_31st_renews_on_each_months_last_day_and_never_drifts() {
    assert_eq!(
        dates("2027-01-31T15:04:05Z", 5),
        [
            "2027-01-31",
            "2027-02-28",
            "2027-03-31",
            "2027-04-30",
            "2027-05-31",
            "2027-06-30"
        ]
    );
}

#[test]
fn the_28th_to_31st_land_on_the_expected_dates_for_24_months_across_a_leap_february() {
    // 2027-12 + 2 months is February 2028, a leap month.
    for day in 28..=31 {
        let anchor = at(&format!("2027-12-{day}T23:59:59Z"));
        for n in 0..=24u32 {
            let months = 11 + n; // months since January 2027
            let (year, month) = (2027 + months / 12, months % 12 + 1);
            let length =
                time::util::days_in_month(Month::try_from(month as u8).unwrap(), year as i32);
            let expected = format!("{year}-{month:02}-{:02}", day.min(u32::from(length)));
            assert_eq!(utc_date(due(anchor, n)), expected, "day {day}, period {n}");
        }
    }
    assert_eq!(utc_date(due(at("2027-12-29T00:00:00Z"), 2)), "2028-02-29");
    assert_eq!(utc_date(due(at("2027-12-31T00:00:00Z"), 2)), "2028-02-29");
    assert_eq!(utc_date(due(at("2028-12-31T00:00:00Z"), 2)), "2029-02-28");
}

#[test]
fn a_period_is_due_at_midnight_utc_of_its_first_day() {
    let anchor = at("2027-03-15T18:00:00Z");
    assert_eq!(due(anchor, 0), at("2027-03-15T00:00:00Z"));
    assert_eq!(due(anchor, 1), at("2027-04-15T00:00:00Z"));
    let period = Period::of(anchor, 1);
    assert_eq!(
        (period.starts_at, period.ends_at),
        (due(anchor, 1), due(anchor, 2))
    );
    let number = DueNumber {
        anchor,
        periods_paid: 1,
        suspended_at: None,
    };
    assert!(!number.is_due(at("2027-04-14T23:59:59Z")));
    assert!(number.is_due(at("2027-04-15T00:00:00Z")));
}

#[test]
fn instants_are_rfc3339_or_dates() {
    assert_eq!(at("1970-01-02"), 86_400);
    assert_eq!(at("1970-01-01T01:00:00+01:00"), 0);
    for bad in ["", "yesterday", "2027-02-30", "2027-01-01 00:00:00"] {
        let e = parse_instant("--as-of", bad).unwrap_err();
        assert!(e.to_string().contains("--as-of"), "{e}");
    }
}

#[test]
fn an_unpaid_period_suspends_then_releases_after_the_grace_days() {
    let policy = BillingPolicy {
        grace_days: 14,
        ..BillingPolicy::default()
    };
    let anchor = at("2027-01-10T00:00:00Z");
    let due1 = due(anchor, 1);
    let active = DueNumber {
        anchor,
        periods_paid: 1,
        suspended_at: None,
    };
    let period = active.unpaid_period();
    assert_eq!(
        decide(&active, false, due1, policy),
        Renewal::Suspend { period }
    );
    // Never released without having been Suspended first, however late the run.
    assert_eq!(
        decide(&active, false, due1 + 100 * DAY, policy),
        Renewal::Suspend { period }
    );
    let suspended = DueNumber {
        suspended_at: Some(due1),
        ..active
    };
    assert_eq!(
        decide(&suspended, false, due1 + 14 * DAY - 1, policy),
        Renewal::StaySuspended
    );
    assert_eq!(
        decide(&suspended, false, due1 + 14 * DAY, policy),
        Renewal::Release { period }
    );
    // Suspended late (no run for weeks): the grace days count from the suspension.
    let late = DueNumber {
        suspended_at: Some(due1 + 30 * DAY),
        ..active
    };
    assert_eq!(
        decide(&late, false, due1 + 30 * DAY, policy),
        Renewal::StaySuspended
    );
    assert_eq!(
        decide(&late, false, due1 + 44 * DAY - 1, policy),
        Renewal::StaySuspended
    );
    assert_eq!(
        decide(&late, false, due1 + 44 * DAY, policy),
        Renewal::Release { period }
    );
}

#[test]
fn a_paid_period_renews_and_reactivates_only_when_paid_up() {
    let policy = BillingPolicy::default();
    let anchor = at("2027-01-10T00:00:00Z");
    let as_of = due(anchor, 3) + 1; // periods 1, 2 and 3 are due
    let suspended = DueNumber {
        anchor,
        periods_paid: 1,
        suspended_at: Some(due(anchor, 1)),
    };
    assert_eq!(
        decide(&suspended, true, as_of, policy),
        Renewal::Renewed {
            period: Period::of(anchor, 1),
            reactivated: false
        }
    );
    let last = DueNumber {
        periods_paid: 3,
        ..suspended
    };
    assert_eq!(
        decide(&last, true, as_of, policy),
        Renewal::Renewed {
            period: Period::of(anchor, 3),
            reactivated: true
        }
    );
    let active = DueNumber {
        suspended_at: None,
        ..last
    };
    assert_eq!(
        decide(&active, true, as_of, policy),
        Renewal::Renewed {
            period: Period::of(anchor, 3),
            reactivated: false
        }
    );
}

#[test]
fn summaries_count_outcomes_and_amounts() {
    let period = Period::of(0, 1);
    let mut summary = BillingSummary::default();
    assert!(summary.is_empty());
    summary.add(
        Renewal::Renewed {
            period,
            reactivated: true,
        },
        150,
    );
    summary.add(Renewal::Suspend { period }, 150);
    summary.add(Renewal::StaySuspended, 150);
    summary.add(Renewal::Release { period }, 150);
    let mut total = BillingSummary::default();
    total.merge(summary);
    total.merge(summary);
    assert_eq!(
        total,
        BillingSummary {
            renewed: 2,
            reactivated: 2,
            suspended: 2,
            released: 2,
            charged100: 300
        }
    );
}

#[test]
fn a_simulated_attempt_changes_its_copy_as_the_run_changes_the_number() {
    let policy = BillingPolicy::default();
    let anchor = at("2027-01-10T00:00:00Z");
    let as_of = due(anchor, 2); // periods 1 and 2 are due
    let mut number = DueNumber {
        anchor,
        periods_paid: 1,
        suspended_at: None,
    };
    let mut balance = 150;
    assert!(matches!(
        number.attempt_simulated(100, &mut balance, as_of, policy),
        Renewal::Renewed {
            reactivated: false,
            ..
        }
    ));
    assert_eq!((balance, number.periods_paid), (50, 2));
    assert!(matches!(
        number.attempt_simulated(100, &mut balance, as_of, policy),
        Renewal::Suspend { .. }
    ));
    assert_eq!(number.suspended_at, Some(as_of));
    balance = 100;
    assert!(matches!(
        number.attempt_simulated(100, &mut balance, as_of, policy),
        Renewal::Renewed {
            reactivated: true,
            ..
        }
    ));
    assert_eq!(
        (balance, number.periods_paid, number.suspended_at),
        (0, 3, None)
    );
}

#[test]
fn suspended_numbers_are_attempted_only_when_they_can_be_paid_or_released() {
    let policy = BillingPolicy::default();
    let anchor = at("2027-01-10T00:00:00Z");
    let active = DueNumber {
        anchor,
        periods_paid: 1,
        suspended_at: None,
    };
    assert!(active.worth_attempting(100, 0, due(anchor, 1), policy));
    let suspended = DueNumber {
        suspended_at: Some(due(anchor, 1)),
        ..active
    };
    assert!(!suspended.worth_attempting(100, 99, due(anchor, 1), policy));
    assert!(suspended.worth_attempting(100, 100, due(anchor, 1), policy));
    assert!(suspended.worth_attempting(100, 0, due(anchor, 1) + 14 * DAY, policy));
    let late = DueNumber {
        suspended_at: Some(due(anchor, 1) + 20 * DAY),
        ..active
    };
    assert!(!late.worth_attempting(100, 0, due(anchor, 1) + 20 * DAY, policy));
}
