//! Webhooks: WEBHOOK.ADD, LIST and REMOVE over v3 and v2, the private-target rule, and
//! deliveries to real receivers: signed per Standard Webhooks, retried after failures,
//! timed out when a receiver never answers (without slowing the API or other receivers),
//! failed for good and retried by the operator.

use std::time::Duration;

use didhub::api::ApiPolicy;
use didhub::domain::DidType;
use didhub::domain::delivery::{DeliveryState, RetrySchedule};
use serde_json::Value;

use crate::support::receiver::{Behaviour, Receiver, signature_is_valid};
use crate::support::{Backend, TestApp, test_policy};

on_both_backends!(
    webhooks_are_added_listed_and_removed_over_v3_and_v2,
    sub_accounts_and_bad_parameters_are_refused_and_change_nothing,
    private_targets_are_refused_unless_allowed,
    deliveries_are_signed_the_standard_webhooks_way,
    a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt,
    a_receiver_that_never_answers_slows_neither_the_api_nor_other_receivers,
    a_delivery_that_fails_for_good_can_be_retried_by_the_operator,
);

async fn add_webhook(app: &TestApp, url: &str, events: Option<&str>) -> (String, String) {
    let mut params = vec![("URL", url)];
    if let Some(events) = events {
        params.push(("EVENTS", events));
    }
    let reply = app.main_v3("WEBHOOK.ADD", &params).await;
    reply.assert_success();
    (
        reply.value("WEBHOOK_ID").unwrap().to_owned(),
        reply.value("SECRET").unwrap().to_owned(),
    )
}

async fn webhooks_are_added_listed_and_removed_over_v3_and_v2(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, secret) = add_webhook(&app, "https://hooks.example.com/didhub", Some("did.*")).await;
    assert!(
        id.starts_with("wh_") && secret.starts_with("whsec_"),
        "{id} {secret}"
    );
    let (other, _) = add_webhook(&app, "http://127.0.0.1:9/other", None).await;

    for reply in [
        app.main_v3("WEBHOOK.LIST", &[]).await,
        app.v2_as(&app.main, "WEBHOOK.LIST", &[]).await,
    ] {
        reply.assert_success();
        assert!(!reply.raw.contains(&secret), "the secret is never listed");
        let hooks: Vec<_> = reply
            .elements
            .iter()
            .filter(|(n, _)| n == "WEBHOOK")
            .collect();
        assert_eq!(hooks.len(), 2, "{}", reply.raw);
        let attrs: Vec<&str> = hooks[0].1.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(attrs, ["WEBHOOK_ID", "URL", "EVENTS", "CREATED"]);
        let listed = |name: &str| -> Vec<String> {
            hooks
                .iter()
                .map(|(_, a)| crate::support::xml::get(a, name).unwrap())
                .collect()
        };
        let mut expected = vec![id.clone(), other.clone()];
        expected.sort();
        assert_eq!(listed("WEBHOOK_ID"), expected);
        assert!(listed("EVENTS").contains(&"did.*".to_owned()));
        assert!(listed("EVENTS").contains(&"*".to_owned()));
        assert!(listed("CREATED").iter().all(|c| c == "2026-01-01 00:00:00"));
    }
    // Another customer sees none of them and cannot remove them.
    let theirs = app.v3_as(&app.other, "WEBHOOK.LIST", &[]).await;
    assert!(
        theirs
            .assert_success()
            .elements
            .iter()
            .all(|(n, _)| n != "WEBHOOK")
    );
    app.v3_as(&app.other, "WEBHOOK.REMOVE", &[("WEBHOOK_ID", &id)])
        .await
        .assert_error("WEBHOOK_NOT_FOUND");

    app.v2_as(&app.main, "WEBHOOK.REMOVE", &[("WEBHOOK_ID", &id)])
        .await
        .assert_success();
    app.main_v3("WEBHOOK.REMOVE", &[("WEBHOOK_ID", &id)])
        .await
        .assert_error("WEBHOOK_NOT_FOUND");
    let left = app.store.list_webhooks(None).await.unwrap();
    assert_eq!(
        left.iter()
            .map(|w| w.webhook_id.as_str())
            .collect::<Vec<_>>(),
        [other.as_str()]
    );
}

async fn sub_accounts_and_bad_parameters_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = add_webhook(&app, "https://hooks.example.com/in", None).await;
    let before = app.snapshot().await;
    let sub = &app.sub;
    app.v3_as(
        sub,
        "WEBHOOK.ADD",
        &[("URL", "https://hooks.example.com/sub")],
    )
    .await
    .assert_error("ACCOUNT_NOT_FOUND");
    app.v3_as(sub, "WEBHOOK.LIST", &[])
        .await
        .assert_error("ACCOUNT_NOT_FOUND");
    app.v3_as(sub, "WEBHOOK.REMOVE", &[("WEBHOOK_ID", &id)])
        .await
        .assert_error("ACCOUNT_NOT_FOUND");
    app.main_v3("WEBHOOK.ADD", &[])
        .await
        .assert_error("MISSING_PARAMETER");
    for url in [
        "hooks.example.com/in",
        "ftp://hooks.example.com/",
        "https://u:p@hooks.example.com/",
    ] {
        app.main_v3("WEBHOOK.ADD", &[("URL", url)])
            .await
            .assert_error("INVALID_PARAMETER");
    }
    app.main_v3(
        "WEBHOOK.ADD",
        &[
            ("URL", "https://hooks.example.com/"),
            ("EVENTS", "did.bought"),
        ],
    )
    .await
    .assert_error("INVALID_PARAMETER");
    app.main_v3("WEBHOOK.REMOVE", &[("WEBHOOK_ID", "wh_nope")])
        .await
        .assert_error("INVALID_PARAMETER");
    assert_eq!(app.snapshot().await, before);
}

async fn private_targets_are_refused_unless_allowed(backend: Backend) {
    let app = TestApp::spawn_with(backend, ApiPolicy::default()).await;
    let before = app.snapshot().await;
    for url in [
        "http://127.0.0.1:8080/in",
        "http://localhost/in",
        "http://10.1.2.3/in",
        "http://192.168.0.10/in",
        "http://169.254.169.254/latest",
        "http://[::1]/in",
        "http://[fd00::1]/in",
        "http://[fe80::1]/in",
    ] {
        let reply = app.main_v3("WEBHOOK.ADD", &[("URL", url)]).await;
        reply.assert_error("INVALID_PARAMETER");
        assert!(
            reply.error_message.as_deref().unwrap().contains("private"),
            "{}",
            reply.raw
        );
    }
    assert_eq!(app.snapshot().await, before);
    // A public address literal is accepted (nothing is sent: no event happened).
    add_webhook(&app, "https://8.8.8.8/in", None).await;
}

async fn order(app: &TestApp, quantity: &str) -> Vec<String> {
    let reply = app
        .main_v3(
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", quantity),
            ],
        )
        .await;
    reply.assert_success();
    reply.did_attr("E164")
}

async fn deliveries_are_signed_the_standard_webhooks_way(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let (_, secret) = add_webhook(&app, &receiver.url, Some("did.ordered")).await;
    let numbers = order(&app, "2").await;
    app.main_v3("DID.CANCEL", &[("E164", &numbers[0])])
        .await
        .assert_success();
    receiver.wait_until("two orders", |r| r.len() >= 2).await;

    let received = receiver.received();
    assert_eq!(received.len(), 2, "only did.ordered: {received:#?}");
    let mut seen = Vec::new();
    for delivery in &received {
        assert!(signature_is_valid(&secret, delivery), "{delivery:#?}");
        assert!(!signature_is_valid(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            delivery
        ));
        assert_eq!(delivery.content_type, "application/json");
        let body: Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(
            body["id"],
            delivery.id.as_str(),
            "webhook-id is the event id"
        );
        assert_eq!(body["type"], "did.ordered");
        assert_eq!(
            body["account_number"],
            app.main.account.account_number.as_str()
        );
        assert_eq!(body["occurred_at"], "2026-01-01T00:00:00Z");
        let age = delivery.timestamp.parse::<i64>().unwrap() - chrono_now();
        assert!(
            age.abs() < 600,
            "webhook-timestamp is the attempt's Unix time"
        );
        seen.push(body["data"]["E164"].as_str().unwrap().to_owned());
    }
    seen.sort();
    assert_eq!(seen, numbers);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let receiver = Receiver::start(Behaviour::FailFirst(3)).await;
    add_webhook(&app, &receiver.url, None).await;
    order(&app, "1").await;
    receiver
        .wait_until("a delivery", |r| r.iter().any(|r| r.accepted))
        .await;
    // Nothing further is sent once delivered.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    assert_eq!(
        received.len(),
        4,
        "three failures, then one delivery: {received:#?}"
    );
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "the same event id every time"
    );
    assert_eq!(receiver.accepted().len(), 1);
    let deliveries = app.store.list_deliveries(false, 10).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        (deliveries[0].state, deliveries[0].attempts),
        (DeliveryState::Delivered, 4)
    );
}

async fn a_receiver_that_never_answers_slows_neither_the_api_nor_other_receivers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 12).await;
    let dead = Receiver::start(Behaviour::Hang).await;
    let alive = Receiver::start(Behaviour::Accept).await;
    add_webhook(&app, &dead.url, None).await;
    add_webhook(&app, &alive.url, None).await;
    // Orders are answered while every attempt to the dead receiver hangs.
    for _ in 0..12 {
        order(&app, "1").await;
    }
    alive
        .wait_until("all twelve orders", |r| r.len() >= 12)
        .await;
    let mut timed_out = false;
    for _ in 0..1000 {
        let deliveries = app.store.list_deliveries(false, 100).await.unwrap();
        timed_out = deliveries.iter().any(|d| d.last_error == "timed out");
        if timed_out {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(timed_out, "an attempt to the dead receiver timed out");
    assert!(!dead.received().is_empty());
}

async fn a_delivery_that_fails_for_good_can_be_retried_by_the_operator(backend: Backend) {
    let mut policy = test_policy();
    policy.outbound.retry = RetrySchedule::parse("50ms", "0s").unwrap();
    let mut app = TestApp::spawn_with(backend, policy).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let receiver = Receiver::start(Behaviour::FailAll).await;
    add_webhook(&app, &receiver.url, None).await;
    order(&app, "1").await;
    let mut failed = Vec::new();
    for _ in 0..500 {
        failed = app.store.list_deliveries(true, 10).await.unwrap();
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(failed.len(), 1, "failed after its retry period");
    assert_eq!(failed[0].last_error, "HTTP 503");
    receiver.set(Behaviour::Accept);
    app.stop().await;
    let id = failed[0].delivery_id.to_string();
    let (ok, listed) = crate::cli::didhub_json(&app.database, &["deliveries", "list", "--failed"]);
    assert!(ok, "{listed}");
    assert_eq!(
        listed["deliveries"][0]["delivery_id"],
        failed[0].delivery_id
    );
    assert_eq!(listed["deliveries"][0]["state"], "failed");
    let (ok, retried) = crate::cli::didhub_json(&app.database, &["deliveries", "retry", &id]);
    assert!(ok, "{retried}");
    assert_eq!(retried["state"], "pending");
    let app = app.serve_database(app.database.clone()).await;
    receiver
        .wait_until("the retried delivery", |r| r.iter().any(|r| r.accepted))
        .await;
    for _ in 0..500 {
        let all = app.store.list_deliveries(false, 10).await.unwrap();
        if all[0].state == DeliveryState::Delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (ok, again) = crate::cli::didhub_json(&app.database, &["deliveries", "retry", &id]);
    assert!(
        !ok && again["error"].as_str().unwrap().contains("delivered"),
        "{again}"
    );
}
