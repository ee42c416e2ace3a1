//! The delivery queue survives `kill -9` (both backends); on PostgreSQL three `serve`
//! processes share the queue and send each delivery once, and share one idempotency
//! key: fifty identical orders spread over them buy once.

use std::collections::HashSet;

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::domain::webhooks::Webhook;
use didhub::domain::{AreaId, DidType, Money};
use didhub::store::{self, StoreOptions};

use crate::multi_process::ServeProcess;
use crate::support::receiver::{Behaviour, Receiver};
use crate::support::{Backend, CREDIT, Reply, TestDatabase, request_xml};

on_both_backends!(multi_thread: deliveries_pending_at_a_kill_9_are_all_made_after_the_restart);
on_postgres!(
    multi_thread: three_processes_run_fifty_identical_keyed_orders_once,
    three_processes_share_the_queue_and_send_each_delivery_once
);

/// Fast retries, private targets allowed (the receiver is on loopback), a short timeout.
const SERVE_ENV: [(&str, &str); 3] = [
    ("DIDHUB_ALLOW_PRIVATE_TARGETS", "true"),
    ("DIDHUB_WEBHOOK_RETRY_SCHEDULE", "100ms"),
    ("DIDHUB_WEBHOOK_TIMEOUT", "1s"),
];

/// A database with the demo catalog, 30 numbers in 1.212 and one funded account; the
/// account's key.
async fn prepare(database: &TestDatabase, webhook_url: Option<&str>) -> (String, String) {
    let store = store::open(&database.url, StoreOptions::default())
        .await
        .unwrap();
    store
        .load_catalog(bundled_subset(&DEMO_AREAS))
        .await
        .unwrap();
    let area = AreaId::parse("area", "1.212").unwrap();
    didhub::admin::generate::generate_stock(store.as_ref(), &area, DidType::Geographic, 30, None)
        .await
        .unwrap();
    let spec = AccountSpec {
        email: "buyer@customer.example".into(),
        credit: CREDIT,
        ..AccountSpec::default()
    };
    let buyer = create_account(store.as_ref(), spec).await.unwrap();
    if let Some(url) = webhook_url {
        let url = url::Url::parse(url).unwrap();
        let filter = didhub::domain::events::EventFilter::parse("EVENTS", "did.*").unwrap();
        let hook = Webhook::new(
            buyer.account.account_number.clone(),
            &url,
            filter,
            store.now(),
        );
        store.add_webhook(hook).await.unwrap();
    }
    store.close().await;
    (buyer.userkey, buyer.account.account_number.to_string())
}

async fn order(client: &reqwest::Client, base_url: &str, key: &str, header: Option<&str>) -> Reply {
    let body = request_xml(
        key,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")],
    );
    let mut request = client.post(format!("{base_url}/api/v3.asp")).body(body);
    if let Some(header) = header {
        request = request.header("idempotency-key", header);
    }
    Reply::parse(&request.send().await.unwrap().text().await.unwrap())
}

async fn deliveries_pending_at_a_kill_9_are_all_made_after_the_restart(backend: Backend) {
    let database = TestDatabase::create(backend);
    let receiver = Receiver::start(Behaviour::FailAll).await;
    let (key, _) = prepare(&database, Some(&receiver.url)).await;
    let server = ServeProcess::spawn_with(&database.url, &SERVE_ENV).wait_until_listening();
    let client = reqwest::Client::new();
    let mut sold = HashSet::new();
    for _ in 0..10 {
        let reply = order(&client, &server.base_url, &key, None).await;
        sold.extend(reply.assert_success().did_attr("E164"));
    }
    // Every event has been attempted (and refused) at least once: all ten are pending.
    receiver
        .wait_until("an attempt of each event", |r| {
            r.iter()
                .map(|r| r.id.as_str())
                .collect::<HashSet<_>>()
                .len()
                >= 10
        })
        .await;
    server.kill_hard();
    receiver.set(Behaviour::Accept);
    let restarted = ServeProcess::spawn_with(&database.url, &SERVE_ENV).wait_until_listening();
    receiver
        .wait_until("every event delivered after the restart", |r| {
            r.iter()
                .filter(|r| r.accepted)
                .map(|r| r.id.as_str())
                .collect::<HashSet<_>>()
                .len()
                >= 10
        })
        .await;
    let delivered: HashSet<String> = receiver
        .accepted()
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["data"]["E164"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        delivered, sold,
        "one did.ordered per number sold, none lost"
    );
    assert!(restarted.stop().success());
}

async fn three_processes_run_fifty_identical_keyed_orders_once() {
    let database = TestDatabase::create(Backend::Postgres);
    let (key, account) = prepare(&database, None).await;
    let starting: Vec<_> = (0..3).map(|_| ServeProcess::spawn(&database.url)).collect();
    let servers: Vec<ServeProcess> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();
    let client = reqwest::Client::new();
    let replies = futures_util::future::join_all((0..50).map(|i| {
        let (client, key, url) = (&client, &key, servers[i % 3].base_url.clone());
        async move { order(client, &url, key, Some("the-one")).await }
    }))
    .await;
    let bodies: HashSet<&str> = replies.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(bodies.len(), 1, "fifty identical answers");
    replies[0].assert_success();
    for server in servers {
        assert!(server.stop().success());
    }
    let store = store::open(&database.url, StoreOptions::default())
        .await
        .unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.orders, counts.numbers_assigned),
        (1, 1),
        "one order"
    );
    let number = didhub::domain::AccountNumber::parse("account", &account).unwrap();
    let balance = store.account(&number).await.unwrap().unwrap().balance;
    assert_eq!(balance, Money(CREDIT.0 - 398), "one charge");
    store.close().await;
}

async fn three_processes_share_the_queue_and_send_each_delivery_once() {
    let database = TestDatabase::create(Backend::Postgres);
    let receiver = Receiver::start(Behaviour::Accept).await;
    let (key, _) = prepare(&database, Some(&receiver.url)).await;
    let starting: Vec<_> = (0..3)
        .map(|_| ServeProcess::spawn_with(&database.url, &SERVE_ENV))
        .collect();
    let servers: Vec<ServeProcess> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();
    let client = reqwest::Client::new();
    let replies = futures_util::future::join_all((0..24).map(|i| {
        let (client, key, url) = (&client, &key, servers[i % 3].base_url.clone());
        async move { order(client, &url, key, None).await }
    }))
    .await;
    let mut sold = HashSet::new();
    for reply in &replies {
        sold.extend(reply.assert_success().did_attr("E164"));
    }
    receiver
        .wait_until("every event delivered", |r| {
            r.iter()
                .map(|r| r.id.as_str())
                .collect::<HashSet<_>>()
                .len()
                >= 24
        })
        .await;
    // Every worker has had time to claim whatever it would (at least one poll each).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let received = receiver.received();
    let ids: HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 24, "one event per number sold");
    assert_eq!(
        received.len(),
        24,
        "no delivery was sent twice: {received:?}"
    );
    let delivered: HashSet<String> = received
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["data"]["E164"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(delivered, sold);
    for server in servers {
        assert!(server.stop().success());
    }
}
