//! Monthly billing (`billing.md`) on both backends, with the injected clock and runs as
//! of chosen instants: due dates from the anchor for orders on the 28th to the 31st over
//! 24 months; an account that pays for 3 of its 5 numbers; reactivation by a credit;
//! release after the grace days and aging; two runs at once charging every period once;
//! a `billing run` killed with SIGKILL half way and run again; `check` after each.

mod cli;
mod concurrent;
mod dates;

use std::collections::BTreeMap;

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::admin::billing;
use didhub::domain::billing::{BillingPolicy, BillingSummary, parse_instant};
use didhub::domain::events::{EventQuery, EventType};
use didhub::domain::{AreaId, Clock, DidType, E164, Money};

use crate::support::{Backend, TestApp, xml};

on_both_backends!(
    an_account_that_pays_for_three_of_five_numbers_suspends_two_in_order,
    a_credit_reactivates_suspended_numbers_charging_only_the_owed_periods,
    an_unpaid_number_is_released_after_the_grace_days_and_ages_back_to_stock,
    a_moved_number_keeps_its_anchor_and_a_canceled_one_is_not_renewed,
);

/// 1.312 under SU: SETUP100 249 + MONTHLY100 149.
pub const SETUP: i64 = 249;
pub const MONTHLY: i64 = 149;

pub fn at(text: &str) -> i64 {
    parse_instant("test", text).unwrap()
}

/// Moves the test clock forward to `instant`.
pub fn set_clock(app: &TestApp, instant: i64) {
    let now = app.clock.now();
    assert!(instant >= now, "the clock only moves forward");
    app.clock.advance(instant - now);
}

pub async fn run_as_of(app: &TestApp, as_of: i64) -> BillingSummary {
    billing::run(app.store.as_ref(), as_of, BillingPolicy::default())
        .await
        .expect("billing run")
}

pub async fn assert_clean(app: &TestApp) {
    let violations = app.store.audit().await.unwrap();
    assert!(violations.is_empty(), "check: {violations:?}");
}

/// A main account with exactly `credit` minor units.
pub async fn account_with(app: &TestApp, email: &str, credit: i64) -> CreatedAccount {
    create_account(
        app.store.as_ref(),
        AccountSpec {
            email: email.into(),
            credit: Money(credit),
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap()
}

/// The holder's DIDs by E164: (STATUS, PAID_UNTIL).
pub async fn statuses(app: &TestApp, who: &CreatedAccount) -> BTreeMap<String, (String, String)> {
    let reply = app.v3_as(who, "DID.LIST", &[]).await;
    reply.assert_success();
    reply
        .dids
        .iter()
        .map(|a| {
            let get = |n| xml::get(a, n).unwrap_or_default();
            (get("E164"), (get("STATUS"), get("PAID_UNTIL")))
        })
        .collect()
}

async fn events_of(app: &TestApp, event_type: EventType) -> Vec<serde_json::Value> {
    app.store
        .list_events(EventQuery {
            account: None,
            event_type: Some(event_type),
            after: None,
            limit: 10_000,
        })
        .await
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect()
}

/// Orders on 2027-01-10; the first renewal is due 2027-02-10.
pub async fn five_numbers_paying_for_three(app: &TestApp) -> (CreatedAccount, Vec<String>) {
    set_clock(app, at("2027-01-10T09:30:00Z"));
    app.stock("1.312", DidType::Geographic, 5).await;
    let who = account_with(
        app,
        "three@of-five.example",
        5 * (SETUP + MONTHLY) + 3 * MONTHLY,
    )
    .await;
    let numbers = app.order(&who, "1.312", 5).await;
    assert_eq!(app.balance(&who).await, Money(3 * MONTHLY));
    (who, numbers)
}

async fn an_account_that_pays_for_three_of_five_numbers_suspends_two_in_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (who, numbers) = five_numbers_paying_for_three(&app).await;
    let before = statuses(&app, &who).await;
    assert!(
        before
            .values()
            .all(|s| *s == ("Active".into(), "2027-02-10".into())),
        "{before:?}"
    );

    // Nothing is due the day before.
    assert_eq!(
        run_as_of(&app, at("2027-02-09T23:59:59Z")).await,
        BillingSummary::default()
    );
    let due = at("2027-02-10T00:00:00Z");
    let preview = billing::preview(app.store.as_ref(), due, BillingPolicy::default())
        .await
        .unwrap();
    let summary = run_as_of(&app, due).await;
    assert_eq!(preview, summary, "the preview says what the run does");
    assert_eq!(
        summary,
        BillingSummary {
            renewed: 3,
            suspended: 2,
            charged100: 3 * MONTHLY,
            ..Default::default()
        }
    );
    assert_eq!(app.balance(&who).await, Money::ZERO, "never below zero");
    let after = statuses(&app, &who).await;
    let expected: BTreeMap<_, _> = numbers
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let s = if i < 3 {
                ("Active", "2027-03-10")
            } else {
                ("Suspended", "2027-02-10")
            };
            (e.clone(), (s.0.to_owned(), s.1.to_owned()))
        })
        .collect();
    assert_eq!(
        after, expected,
        "(PAID_UNTIL, E164) order: the lowest three renewed"
    );

    let suspended = app
        .v3_as(&who, "DID.LIST", &[("FILTER.STATUS", "Suspended")])
        .await;
    assert_eq!(suspended.did_attr("E164"), numbers[3..].to_vec());
    let active = app
        .v3_as(&who, "DID.LIST", &[("FILTER.STATUS", "active")])
        .await;
    assert_eq!(active.did_attr("E164"), numbers[..3].to_vec());
    assert_eq!(events_of(&app, EventType::DidRenewed).await.len(), 3);
    let suspensions = events_of(&app, EventType::DidSuspended).await;
    assert_eq!(suspensions.len(), 2);
    assert_eq!(suspensions[0]["STATUS"], "Suspended");
    assert_eq!(suspensions[0]["PERIOD"]["STARTS"], "2027-02-10");
    assert_eq!(suspensions[0]["PERIOD"]["AMOUNT100"], MONTHLY);

    // Run again, and again later that day: nothing more is charged or recorded.
    let history = app.store.counts().await.unwrap();
    assert!(run_as_of(&app, due).await.is_empty());
    assert!(run_as_of(&app, due + 3_600).await.is_empty());
    assert_eq!(app.store.counts().await.unwrap(), history);
    // A Suspended number is held: nobody else can order it.
    assert_eq!(
        app.store
            .available_count(
                &AreaId::parse("area", "1.312").unwrap(),
                DidType::Geographic,
                None
            )
            .await
            .unwrap(),
        0
    );
    assert_clean(&app).await;
}

async fn a_credit_reactivates_suspended_numbers_charging_only_the_owed_periods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (who, numbers) = five_numbers_paying_for_three(&app).await;
    run_as_of(&app, at("2027-02-10T00:00:00Z")).await;
    set_clock(&app, at("2027-02-12T08:00:00Z"));
    let account = &who.account.account_number;
    // One period's worth: the first Suspended number (by E164) comes back, at once.
    let balance = app
        .store
        .credit(account, Money(MONTHLY), "payment")
        .await
        .unwrap();
    assert_eq!(balance, Money::ZERO);
    let after = statuses(&app, &who).await;
    assert_eq!(
        after[&numbers[3]],
        ("Active".into(), "2027-03-10".into()),
        "anchor unchanged"
    );
    assert_eq!(
        after[&numbers[4]],
        ("Suspended".into(), "2027-02-10".into())
    );
    assert_eq!(events_of(&app, EventType::DidReactivated).await.len(), 1);

    let balance = app
        .store
        .credit(account, Money(10_000), "payment")
        .await
        .unwrap();
    assert_eq!(
        balance,
        Money(10_000 - MONTHLY),
        "only the owed period is charged"
    );
    let after = statuses(&app, &who).await;
    assert!(
        after
            .values()
            .all(|s| *s == ("Active".into(), "2027-03-10".into())),
        "{after:?}"
    );
    assert_eq!(events_of(&app, EventType::DidReactivated).await.len(), 2);
    assert_clean(&app).await;

    // A number behind by several periods is charged each owed period, oldest first.
    let poor = account_with(&app, "late@payer.example", SETUP + MONTHLY).await;
    app.stock("1.312", DidType::Geographic, 1).await;
    let late = app.order(&poor, "1.312", 1).await.remove(0);
    let summary = run_as_of(&app, at("2027-03-12T00:00:00Z")).await;
    assert_eq!(summary.suspended, 1);
    set_clock(&app, at("2027-04-13T00:00:00Z"));
    app.store
        .credit(&poor.account.account_number, Money(10 * MONTHLY), "payment")
        .await
        .unwrap();
    assert_eq!(
        statuses(&app, &poor).await[&late],
        ("Active".into(), "2027-05-12".into()),
        "periods from 2027-03-12 and 2027-04-12 charged"
    );
    assert_eq!(app.balance(&poor).await, Money(8 * MONTHLY));
    let record = app
        .store
        .number_record(&E164::parse("e164", &late).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.periods_paid, Some(3));
    let renewed: Vec<_> = record
        .history
        .iter()
        .filter(|e| e.event == "renewed")
        .collect();
    assert_eq!(renewed.len(), 2);
    assert!(
        renewed[0]
            .detail
            .starts_with("period 1, 2027-03-12 to 2027-04-12"),
        "{renewed:?}"
    );
    assert!(
        renewed[1]
            .detail
            .starts_with("period 2, 2027-04-12 to 2027-05-12"),
        "{renewed:?}"
    );
    assert_clean(&app).await;
}

async fn an_unpaid_number_is_released_after_the_grace_days_and_ages_back_to_stock(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    set_clock(&app, at("2027-01-31T12:00:00Z"));
    app.stock("1.312", DidType::Geographic, 1).await;
    let who = account_with(&app, "never@pays.example", SETUP + MONTHLY).await;
    let e164 = app.order(&who, "1.312", 1).await.remove(0);
    let due = at("2027-02-28T00:00:00Z");
    assert_eq!(run_as_of(&app, due).await.suspended, 1);
    assert_clean(&app).await;
    // Still Suspended one second before the 14 grace days are over.
    assert!(run_as_of(&app, due + 14 * 86_400 - 1).await.is_empty());
    assert_eq!(statuses(&app, &who).await[&e164].0, "Suspended");
    let released_at = due + 14 * 86_400;
    let summary = run_as_of(&app, released_at).await;
    assert_eq!(summary.released, 1);
    assert_eq!(
        statuses(&app, &who).await[&e164].0,
        "Canceled",
        "it left the holder"
    );
    let released = events_of(&app, EventType::DidReleased).await;
    assert_eq!(released.len(), 1);
    assert_eq!(released[0]["REASON"], "unpaid");
    let record = app
        .store
        .number_record(&E164::parse("e164", &e164).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, "aging");
    let last = record.history.last().unwrap();
    assert_eq!(last.event, "canceled");
    assert!(last.detail.starts_with("unpaid period 1"), "{last:?}");
    assert_eq!(
        record.release_at,
        Some(released_at + 90 * 86_400),
        "it ages as after DID.CANCEL"
    );
    assert_clean(&app).await;
    // A later credit does not bring it back.
    set_clock(&app, released_at + 60);
    app.store
        .credit(&who.account.account_number, Money(1_000), "too late")
        .await
        .unwrap();
    assert_eq!(app.balance(&who).await, Money(1_000));
    // After the aging it is back in stock.
    set_clock(&app, released_at + 90 * 86_400);
    assert_eq!(app.store.release_aged().await.unwrap(), 1);
    let area = AreaId::parse("area", "1.312").unwrap();
    assert_eq!(
        app.store
            .available_count(&area, DidType::Geographic, None)
            .await
            .unwrap(),
        1
    );
    let returned = events_of(&app, EventType::DidReleased).await;
    assert_eq!(returned[1]["REASON"], "returned_to_stock");
    assert_clean(&app).await;
}

async fn a_moved_number_keeps_its_anchor_and_a_canceled_one_is_not_renewed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    set_clock(&app, at("2027-05-31T23:00:00Z"));
    app.stock("1.312", DidType::Geographic, 2).await;
    let numbers = app.order(&app.main, "1.312", 2).await;
    set_clock(&app, at("2027-06-15T00:00:00Z"));
    let sub = app.sub.account.account_number.to_string();
    app.main_v3(
        "DID.MOVE",
        &[("E164", &numbers[0]), ("TO_ACCOUNT_NUMBER", &sub)],
    )
    .await
    .assert_success();
    app.main_v3("DID.CANCEL", &[("E164", &numbers[1])])
        .await
        .assert_success();
    let before = app.balance(&app.main).await;
    let summary = run_as_of(&app, at("2027-07-01T00:00:00Z")).await;
    assert_eq!((summary.renewed, summary.suspended), (1, 0));
    assert_eq!(
        app.balance(&app.main).await,
        Money(before.minor() - MONTHLY),
        "the main account pays"
    );
    let moved = statuses(&app, &app.sub).await;
    assert_eq!(moved[&numbers[0]], ("Active".into(), "2027-07-31".into()));
    assert_clean(&app).await;
}
