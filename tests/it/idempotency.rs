//! Idempotent requests: a replay gets the first answer byte for byte and changes
//! nothing; the same key with other parameters is IDEMPOTENCY_KEY_REUSED; customer errors
//! are stored, dry runs use no key; keys expire after a day; fifty identical orders at
//! once with one key buy once, on both backends; a key left running by a process that
//! died is never run a second time.

use std::collections::HashSet;

use didhub::domain::idempotency::{IdempotencyKey, KeyReservation, KeyState, fingerprint};
use didhub::domain::{DidType, Money};

use crate::support::{Backend, CREDIT, TestApp};

on_both_backends!(
    a_replayed_order_gets_the_same_answer_and_buys_nothing,
    the_same_key_with_another_request_is_refused_and_changes_nothing,
    customer_errors_are_replayed_and_dry_runs_use_no_key,
    cancel_move_update_and_webhook_add_replay_too,
    keys_expire_after_a_day,
    a_key_left_running_by_a_dead_process_is_never_run_again,
);
on_both_backends!(multi_thread: fifty_identical_orders_at_once_with_one_key_buy_once);

const ORDER: [(&str, &str); 2] = [("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")];
/// SETUP100 249 + MONTHLY100 149.
const PRICE: i64 = 398;

async fn a_replayed_order_gets_the_same_answer_and_buys_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    let first = app
        .keyed_v3(&app.main, Some("order-1"), "DID.ORDER", &ORDER)
        .await;
    first.reply.assert_success();
    assert!(!first.replayed);
    let after_first = app.snapshot().await;
    let again = app
        .keyed_v3(&app.main, Some("order-1"), "DID.ORDER", &ORDER)
        .await;
    assert!(again.replayed, "Idempotent-Replayed: true");
    assert_eq!(again.reply.raw, first.reply.raw, "byte for byte");
    // The key as a parameter (and as both, agreeing) is the same key.
    let mut with_param = ORDER.to_vec();
    with_param.push(("IDEMPOTENCY_KEY", "order-1"));
    let param = app
        .keyed_v3(&app.main, None, "DID.ORDER", &with_param)
        .await;
    assert!(param.replayed);
    assert_eq!(param.reply.raw, first.reply.raw);
    let both = app
        .keyed_v3(&app.main, Some("order-1"), "DID.ORDER", &with_param)
        .await;
    assert_eq!((both.replayed, &both.reply.raw), (true, &first.reply.raw));
    assert_eq!(app.snapshot().await, after_first, "nothing changed");
    assert_eq!(app.balance(&app.main).await, Money(CREDIT.0 - PRICE));

    // Both given and different: INVALID_PARAMETER, nothing changed.
    let clash = app
        .keyed_v3(&app.main, Some("order-2"), "DID.ORDER", &with_param)
        .await;
    clash.reply.assert_error("INVALID_PARAMETER");
    for bad in ["", &"k".repeat(65)] {
        let mut params = ORDER.to_vec();
        params.push(("IDEMPOTENCY_KEY", bad));
        let reply = app
            .keyed_v3(&app.main, Some(bad), "DID.ORDER", &params)
            .await;
        reply.reply.assert_error("INVALID_PARAMETER");
    }
    assert_eq!(app.snapshot().await, after_first);
    // Another key is another order.
    app.keyed_v3(&app.main, Some("order-2"), "DID.ORDER", &ORDER)
        .await
        .reply
        .assert_success();
    assert_eq!(app.store.counts().await.unwrap().orders, 2);
}

async fn the_same_key_with_another_request_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    app.keyed_v3(&app.main, Some("k"), "DID.ORDER", &ORDER)
        .await
        .reply
        .assert_success();
    let before = app.snapshot().await;
    let mut two = ORDER.to_vec();
    two.push(("QUANTITY", "2"));
    let reused = app.keyed_v3(&app.main, Some("k"), "DID.ORDER", &two).await;
    reused.reply.assert_error("IDEMPOTENCY_KEY_REUSED");
    assert!(!reused.replayed);
    app.keyed_v3(&app.main, Some("k"), "DID.LIST", &[])
        .await
        .reply
        .assert_success();
    app.keyed_v3(
        &app.main,
        Some("k"),
        "DID.CANCEL",
        &[("E164", "12125550000")],
    )
    .await
    .reply
    .assert_error("IDEMPOTENCY_KEY_REUSED");
    // A sub-account shares its main account's keys, but is another caller.
    let sub = app.keyed_v3(&app.sub, Some("k"), "DID.ORDER", &ORDER).await;
    sub.reply.assert_error("IDEMPOTENCY_KEY_REUSED");
    // Another customer's keys are its own.
    app.keyed_v3(&app.other, Some("k"), "DID.ORDER", &ORDER)
        .await
        .reply
        .assert_success();
    let after = app.snapshot().await;
    assert_eq!(after.main_balance, before.main_balance);
    assert_eq!(
        after.counts.orders,
        before.counts.orders + 1,
        "only the other customer's"
    );
}

async fn customer_errors_are_replayed_and_dry_runs_use_no_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut three = ORDER.to_vec();
    three.push(("QUANTITY", "3"));
    let refused = app
        .keyed_v3(&app.main, Some("k"), "DID.ORDER", &three)
        .await;
    refused.reply.assert_error("NOT_ENOUGH_STOCK");
    app.stock("1.212", DidType::Geographic, 5).await;
    let replayed = app
        .keyed_v3(&app.main, Some("k"), "DID.ORDER", &three)
        .await;
    assert!(
        replayed.replayed,
        "a customer error is stored like a success"
    );
    assert_eq!(replayed.reply.raw, refused.reply.raw);
    assert_eq!(
        replayed.reply.header_code.as_deref(),
        Some("NOT_ENOUGH_STOCK")
    );

    let mut dry = ORDER.to_vec();
    dry.push(("TEST", "TRUE"));
    let rehearsal = app.keyed_v3(&app.main, Some("d"), "DID.ORDER", &dry).await;
    rehearsal.reply.assert_success();
    assert_eq!(rehearsal.reply.value("TEST"), Some("TRUE"));
    let real = app
        .keyed_v3(&app.main, Some("d"), "DID.ORDER", &ORDER)
        .await;
    assert!(!real.replayed, "a dry run neither used nor stored the key");
    real.reply.assert_success();
    assert_eq!(app.store.counts().await.unwrap().orders, 1);
}

async fn cancel_move_update_and_webhook_add_replay_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let e164 = app.order(&app.main, "1.212", 1).await.remove(0);
    let sub = app.sub.account.account_number.to_string();
    for (key, action, params) in [
        (
            "u",
            "DID.UPDATE",
            vec![("FILTER.E164", e164.as_str()), ("TITLE", "x")],
        ),
        (
            "m",
            "DID.MOVE",
            vec![("E164", e164.as_str()), ("TO_ACCOUNT_NUMBER", sub.as_str())],
        ),
        (
            "c",
            "DID.CANCEL",
            vec![("E164", e164.as_str()), ("ACCOUNT_NUMBER", sub.as_str())],
        ),
        (
            "w",
            "WEBHOOK.ADD",
            vec![("URL", "https://hooks.example.com/in")],
        ),
    ] {
        let first = app.keyed_v3(&app.main, Some(key), action, &params).await;
        first.reply.assert_success();
        let before = app.snapshot().await;
        let again = app.keyed_v3(&app.main, Some(key), action, &params).await;
        assert!(again.replayed, "{action}");
        assert_eq!(again.reply.raw, first.reply.raw, "{action}");
        assert_eq!(
            app.snapshot().await,
            before,
            "{action} changed nothing the second time"
        );
    }
    assert_eq!(app.store.list_webhooks(None).await.unwrap().len(), 1);
}

async fn keys_expire_after_a_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    app.keyed_v3(&app.main, Some("k"), "DID.ORDER", &ORDER)
        .await
        .reply
        .assert_success();
    app.clock.advance(23 * 3600);
    assert_eq!(app.store.purge_keys().await.unwrap(), 0);
    assert!(
        app.keyed_v3(&app.main, Some("k"), "DID.ORDER", &ORDER)
            .await
            .replayed
    );
    app.clock.advance(2 * 3600);
    assert_eq!(
        app.store.purge_keys().await.unwrap(),
        1,
        "older than 24 hours"
    );
    let fresh = app
        .keyed_v3(&app.main, Some("k"), "DID.ORDER", &ORDER)
        .await;
    assert!(!fresh.replayed);
    fresh.reply.assert_success();
    assert_eq!(app.store.counts().await.unwrap().orders, 2);
}

async fn fifty_identical_orders_at_once_with_one_key_buy_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 60).await;
    let app = &app;
    let replies = futures_util::future::join_all((0..50).map(|_| async move {
        app.keyed_v3(&app.main, Some("once"), "DID.ORDER", &ORDER)
            .await
    }))
    .await;
    let bodies: HashSet<&str> = replies.iter().map(|r| r.reply.raw.as_str()).collect();
    assert_eq!(bodies.len(), 1, "fifty identical answers");
    replies[0].reply.assert_success();
    assert_eq!(replies.iter().filter(|r| !r.replayed).count(), 1, "one ran");
    let counts = app.store.counts().await.unwrap();
    assert_eq!(
        (counts.orders, counts.numbers_assigned),
        (1, 1),
        "one order"
    );
    assert_eq!(
        app.balance(&app.main).await,
        Money(CREDIT.0 - PRICE),
        "one charge"
    );
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}

/// A process that reserved a key and died before storing its answer (perhaps after its
/// change committed) is simulated by reserving the key in the store directly, as the
/// API would for this very request, and never finishing it.
async fn a_key_left_running_by_a_dead_process_is_never_run_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let other = app.other.account.account_number.clone();
    // The request's parameters in name order, as the API reads them.
    let params = [("AREA_ID", "1.212"), ("DID_TYPE", "GEOGRAPHIC")];
    let print = fingerprint("DID.ORDER", &other, params.into_iter(), std::iter::empty());
    let key = IdempotencyKey::parse("IDEMPOTENCY_KEY", "order-of-the-dead").unwrap();
    let dead = KeyReservation::new(other.clone(), key, print, 120);
    assert_eq!(
        app.store.reserve_key(dead).await.unwrap(),
        KeyState::Reserved
    );
    let before = app.snapshot().await;
    // Past the time after which a reservation is abandoned.
    app.clock.advance(121);
    let retry = app
        .keyed_v3(&app.other, Some("order-of-the-dead"), "DID.ORDER", &ORDER)
        .await;
    retry.reply.assert_error("IDEMPOTENT_REQUEST_INTERRUPTED");
    assert!(!retry.replayed);
    assert_eq!(
        app.snapshot().await,
        before,
        "the order was not run a second time"
    );
    // The answer is now the key's: every later retry gets it, byte for byte.
    let again = app
        .keyed_v3(&app.other, Some("order-of-the-dead"), "DID.ORDER", &ORDER)
        .await;
    assert!(again.replayed);
    assert_eq!(again.reply.raw, retry.reply.raw);
    // Another request with that key is still another request.
    let other_request = app
        .keyed_v3(
            &app.other,
            Some("order-of-the-dead"),
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "2"),
            ],
        )
        .await;
    other_request.reply.assert_error("IDEMPOTENCY_KEY_REUSED");
    assert_eq!(app.snapshot().await, before);
    // A new key orders as usual.
    let fresh = app
        .keyed_v3(&app.other, Some("order-anew"), "DID.ORDER", &ORDER)
        .await;
    fresh.reply.assert_success();
}
