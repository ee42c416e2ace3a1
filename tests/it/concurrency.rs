//! No number is ever sold twice: many parallel orders against a small stock.

use std::collections::HashSet;

use didhub::domain::{DidType, Money};

use crate::support::{Backend, CREDIT, TestApp};

on_both_backends!(multi_thread: sixty_four_parallel_orders_for_forty_numbers_sell_exactly_forty);

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
