//! Due dates from the anchor: numbers ordered on the 28th, 29th, 30th and 31st renew on
//! that day, or on the month's last day when it is shorter, for 24 months across the
//! leap February of 2028, without ever drifting.

use didhub::domain::DidType;

use super::{assert_clean, at, run_as_of, set_clock, statuses};
use crate::support::{Backend, TestApp};

on_both_backends!(orders_on_the_28th_to_the_31st_renew_on_the_expected_dates_for_24_months);

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month) `k` months after January 2027.
fn month_after_january_2027(k: u32) -> (i32, u32) {
    (2027 + (k / 12) as i32, k % 12 + 1)
}

async fn orders_on_the_28th_to_the_31st_renew_on_the_expected_dates_for_24_months(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.312", DidType::Geographic, 4).await;
    let mut numbers = Vec::new();
    for day in 28..=31u32 {
        set_clock(&app, at(&format!("2027-01-{day}T18:45:00Z")));
        numbers.push((day, app.order(&app.main, "1.312", 1).await.remove(0)));
    }
    // Run on the first of every month from February 2027 to February 2029: after the
    // run on the first of month M, every number is paid until its due date in M.
    for k in 1..=25 {
        let (year, month) = month_after_january_2027(k);
        run_as_of(&app, at(&format!("{year}-{month:02}-01T00:00:00Z"))).await;
        let now = statuses(&app, &app.main).await;
        for (day, e164) in &numbers {
            let expected = format!("{year}-{month:02}-{:02}", day.min(&days_in(year, month)));
            assert_eq!(
                now[e164],
                ("Active".into(), expected),
                "ordered on the {day}th, month {k}"
            );
        }
    }
    assert_eq!(
        statuses(&app, &app.main).await[&numbers[1].1].1,
        "2029-02-28"
    );
    // At the due instant itself the period is charged.
    run_as_of(&app, at("2029-02-28T00:00:00Z")).await;
    let now = statuses(&app, &app.main).await;
    for (day, e164) in &numbers {
        assert_eq!(
            now[e164].1,
            format!("2029-03-{day}"),
            "ordered on the {day}th"
        );
    }
    let record = app
        .store
        .number_record(&didhub::domain::E164::parse("e164", &numbers[3].1).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        record.periods_paid,
        Some(26),
        "the order's period and 25 renewals"
    );
    let starts: Vec<_> = record
        .history
        .iter()
        .filter(|e| e.event == "renewed")
        .map(|e| {
            e.detail
                .split(", ")
                .nth(1)
                .unwrap()
                .split(" to ")
                .next()
                .unwrap()
                .to_owned()
        })
        .take(5)
        .collect();
    assert_eq!(
        starts,
        [
            "2027-02-28",
            "2027-03-31",
            "2027-04-30",
            "2027-05-31",
            "2027-06-30"
        ]
    );
    assert_clean(&app).await;
}
