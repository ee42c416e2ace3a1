//! No number is ever sold twice and no balance goes below zero: many parallel orders
//! against a small stock or a small balance. On PostgreSQL, also what row locks mean for
//! orders: a real order skips numbers another order holds, a dry run neither waits nor
//! locks.

use std::collections::HashSet;

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::domain::{DidType, Money};

use crate::support::{Backend, CREDIT, TestApp};

on_both_backends!(
    multi_thread: sixty_four_parallel_orders_for_forty_numbers_sell_exactly_forty,
    forty_parallel_orders_with_money_for_ten_buy_exactly_ten,
);
on_postgres!(multi_thread: orders_skip_numbers_another_order_holds_and_dry_runs_lock_nothing);

async fn sixty_four_parallel_orders_for_forty_numbers_sell_exactly_forty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.312", DidType::Geographic, 40).await;
    let body = crate::support::request_xml(
        &app.other.userkey,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
    );
    let app_ref = &app;
    let replies =
        futures_util::future::join_all((0..64).map(|_| async { app_ref.v3(body.clone()).await }));
    let replies = replies.await;
    let mut sold = Vec::new();
    let mut refused = 0;
    for reply in replies {
        if reply.result == "SUCCESS" {
            sold.extend(reply.did_attr("E164"));
        } else {
            reply.assert_error("NOT_ENOUGH_STOCK");
            refused += 1;
        }
    }
    assert_eq!(sold.len(), 40);
    assert_eq!(
        sold.iter().collect::<HashSet<_>>().len(),
        40,
        "all distinct"
    );
    assert_eq!(refused, 24);
    assert_eq!(app.balance(&app.other).await, Money(CREDIT.0 - 40 * 398));
    let counts = app.store.counts().await.unwrap();
    assert_eq!(
        (
            counts.orders,
            counts.numbers_assigned,
            counts.numbers_available
        ),
        (40, 40, 0)
    );
    assert_eq!(app.store.audit().await.unwrap(), vec![]);

    // The operator's audit agrees, from the outside.
    let mut app = app;
    app.stop().await;
    let check = crate::cli::didhub(&app.database.url, &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

async fn forty_parallel_orders_with_money_for_ten_buy_exactly_ten(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.312", DidType::Geographic, 60).await;
    let thrifty = create_account(
        app.store.as_ref(),
        AccountSpec {
            email: "thrifty@customer.example".into(),
            credit: Money(10 * 398),
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap();
    let body = crate::support::request_xml(
        &thrifty.userkey,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
    );
    let app_ref = &app;
    let replies =
        futures_util::future::join_all((0..40).map(|_| async { app_ref.v3(body.clone()).await }))
            .await;
    let mut bought = 0;
    for reply in &replies {
        if reply.result == "SUCCESS" {
            bought += 1;
        } else {
            reply.assert_error("INSUFFICIENT_FUNDS");
        }
    }
    assert_eq!(bought, 10, "the balance paid for exactly ten");
    assert_eq!(app.balance(&thrifty).await, Money::ZERO);
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.orders, counts.numbers_assigned), (10, 10));
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}

/// An order in flight holds its numbers (here: a transaction of the test's own holding
/// the lowest number): a real order takes the next free ones without waiting, a dry run
/// still sees every available number, and a rollback puts the held one back.
async fn orders_skip_numbers_another_order_holds_and_dry_runs_lock_nothing() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let stock = app.stock("1.212", DidType::Geographic, 3).await;
    let (mut holder, connection) =
        tokio_postgres::connect(&app.database.url, tokio_postgres::NoTls)
            .await
            .unwrap();
    let driver = tokio::spawn(connection);
    let in_flight = holder.transaction().await.unwrap();
    in_flight
        .execute(
            "SELECT 1 FROM numbers WHERE e164 = $1 FOR UPDATE",
            &[&stock[0].as_str()],
        )
        .await
        .unwrap();

    let order = |quantity: &'static str, test: &'static str| {
        let app = &app;
        async move {
            app.main_v3(
                "DID.ORDER",
                &[
                    ("DID_TYPE", "GEOGRAPHIC"),
                    ("AREA_ID", "1.212"),
                    ("QUANTITY", quantity),
                    ("TEST", test),
                ],
            )
            .await
        }
    };
    let all: Vec<String> = stock.iter().map(|e| e.to_string()).collect();
    let rehearsal = order("3", "TRUE").await;
    assert_eq!(rehearsal.assert_success().did_attr("E164"), all);
    let real = order("1", "FALSE").await;
    assert_eq!(real.assert_success().did_attr("E164"), [all[1].as_str()]);
    let short = order("2", "FALSE").await;
    short.assert_error("NOT_ENOUGH_STOCK");
    assert!(
        short
            .error_message
            .as_deref()
            .unwrap()
            .contains("1 available"),
        "{}",
        short.raw
    );

    in_flight.rollback().await.unwrap();
    let after = order("2", "FALSE").await;
    assert_eq!(
        after.assert_success().did_attr("E164"),
        [all[0].as_str(), all[2].as_str()]
    );
    drop(holder);
    let _ = driver.await;
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}
