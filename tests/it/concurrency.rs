//! No number is ever sold twice and no balance goes below zero: many parallel orders
//! against a small stock or a small balance. On PostgreSQL, also what row locks mean for
//! orders: a real order takes free numbers without waiting and waits for held ones only
//! when the free ones are too few; a dry run neither waits nor locks.

use std::collections::HashSet;

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::domain::{DidType, Money};

use crate::support::{Backend, CREDIT, TestApp, wait_until_an_order_waits_for_a_lock};

on_both_backends!(
    multi_thread: sixty_four_parallel_orders_for_forty_numbers_sell_exactly_forty,
    forty_parallel_orders_with_money_for_ten_buy_exactly_ten,
);
on_postgres!(multi_thread: orders_take_free_numbers_at_once_and_wait_only_when_too_few_are_free);

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
/// one of three): a real order takes a free one without waiting and a dry run still sees
/// every available number; an order that needs more than the free ones waits for the held
/// one instead of answering NOT_ENOUGH_STOCK, and gets it when its holder gives it back.
async fn orders_take_free_numbers_at_once_and_wait_only_when_too_few_are_free() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let stock = app.stock("1.212", DidType::Geographic, 3).await;
    let all: Vec<String> = stock.iter().map(|e| e.to_string()).collect();
    let (mut holder, connection) =
        tokio_postgres::connect(&app.database.url, tokio_postgres::NoTls)
            .await
            .unwrap();
    let driver = tokio::spawn(connection);
    let in_flight = holder.transaction().await.unwrap();
    in_flight
        .execute(
            "SELECT 1 FROM numbers WHERE e164 = $1 FOR UPDATE",
            &[&all[1].as_str()],
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
    let rehearsal = order("3", "TRUE").await;
    assert_eq!(rehearsal.assert_success().did_attr("E164"), all);
    // Answered while the lock is held: it did not wait.
    let real = order("1", "FALSE").await;
    let first = real.assert_success().did_attr("E164");
    assert_eq!(first.len(), 1);
    assert_ne!(first[0], all[1], "the held number is skipped");

    // Two wanted, one free: the order waits for the held one.
    let give_back = async {
        wait_until_an_order_waits_for_a_lock(&app.database.url).await;
        in_flight.rollback().await.unwrap();
    };
    let (after, ()) = tokio::join!(order("2", "FALSE"), give_back);
    let mut bought = after.assert_success().did_attr("E164");
    bought.extend(first);
    bought.sort();
    assert_eq!(bought, all, "every number sold once");

    let empty = order("1", "FALSE").await;
    empty.assert_error("NOT_ENOUGH_STOCK");
    assert!(
        empty
            .error_message
            .as_deref()
            .unwrap()
            .contains("0 available"),
        "{}",
        empty.raw
    );
    drop(holder);
    let _ = driver.await;
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}
