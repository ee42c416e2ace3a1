//! `GET /ready`: 200 while the store can take writes; 503 with the reason when
//! PostgreSQL cannot be reached (a proxy the test cuts, a database dropped), and writes
//! are refused with `SERVICE_UNAVAILABLE` meanwhile; back to 200, and writes served,
//! once the database is back. (A deleted SQLite file: `deleted_files`; a full disk:
//! `full_disk`.)

use didhub::domain::DidType;

use super::proxy::Proxy;
use super::{AREA, OrderLoad, assert_every_sale_kept, rich_buyer};
use crate::support::{Backend, TestApp, postgres_server};

on_both_backends!(ready_while_the_store_can_take_writes);
on_postgres!(
    multi_thread: postgres_out_of_reach_refuses_writes_and_recovers_under_load,
    a_dropped_database_is_not_ready_and_refuses_writes,
);

async fn ready_while_the_store_can_take_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/ready").await, (200, "READY\n".to_owned()));
    assert_eq!(app.get("/health").await, (200, "OK\n".to_owned()));
    // Asking changes nothing.
    let before = app.snapshot().await;
    app.get("/ready").await;
    assert_eq!(app.snapshot().await, before);
}

async fn postgres_out_of_reach_refuses_writes_and_recovers_under_load() {
    let app = TestApp::spawn(Backend::Postgres).await;
    app.stock(AREA, DidType::Geographic, 3_000).await;
    let buyer = rich_buyer(&app).await;
    let mut proxy = Proxy::start(&app.database.url).await;
    let mut through = app.serve_through(&proxy.url_for(&app.database.url)).await;
    assert_eq!(through.get("/ready").await.0, 200);

    let load = OrderLoad::start(&through, &buyer, 6);
    load.wait_for("orders", |t| t.sold.len() >= 30).await;
    proxy.cut().await;
    load.wait_for("refusals", |t| t.refused_with("SERVICE_UNAVAILABLE") >= 20)
        .await;
    assert_eq!(
        through.get("/ready").await,
        (
            503,
            "NOT READY: the database cannot be reached\n".to_owned()
        )
    );

    proxy.restore().await;
    let sold_while_cut = load.tally().sold.len();
    load.wait_for("orders once the database is back", |t| {
        t.sold.len() >= sold_while_cut + 30
    })
    .await;
    let tally = load.stop().await;
    assert_eq!(through.get("/ready").await.0, 200);
    tally.assert_only_refused_with(&["SERVICE_UNAVAILABLE"]);
    assert_every_sale_kept(&app, &buyer, &tally).await;
    through.stop().await;
}

async fn a_dropped_database_is_not_ready_and_refuses_writes() {
    let mut app = TestApp::spawn(Backend::Postgres).await;
    app.stock(AREA, DidType::Geographic, 10).await;
    app.order(&app.other, AREA, 1).await;

    let name = url::Url::parse(&app.database.url).unwrap().path()[1..].to_owned();
    drop_database(&name).await;
    let (status, body) = app.get("/ready").await;
    assert_eq!(
        (status, body.as_str()),
        (503, "NOT READY: the database cannot be reached\n")
    );
    let refused = app.order_reply(&app.other, AREA, 1).await;
    refused.assert_error("SERVICE_UNAVAILABLE");
    app.stop().await;
}

/// Drops the test's database under its server.
async fn drop_database(name: &str) {
    let server = postgres_server().unwrap();
    let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    drop(client);
    let _ = driver.await;
}
