//! The database's files deleted under a running server (SQLite): orders are refused
//! with `SERVICE_UNAVAILABLE` instead of being acknowledged into files that no longer
//! exist, `/ready` says why, nothing acknowledged is lost, and writes resume once the
//! files are back.
//!
//! The test keeps the deleted files reachable through hard links, so it can look at
//! what the server wrote into them afterwards and put them back.

use std::path::{Path, PathBuf};

use didhub::domain::DidType;

use super::{AREA, OrderLoad, assert_every_sale_kept, rich_buyer};
use crate::support::{Backend, TestApp};

/// Clients ordering at once.
const CLIENTS: usize = 6;

fn files_of(database: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

fn kept(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".kept");
    PathBuf::from(name)
}

/// Deletes the database's files, keeping each alive under a hard link.
fn delete_keeping_links(database: &Path) {
    for file in files_of(database) {
        std::fs::hard_link(&file, kept(&file)).unwrap();
        std::fs::remove_file(&file).unwrap();
    }
}

/// Puts the very same files back where they were.
fn put_back(database: &Path) {
    for file in files_of(database) {
        std::fs::rename(kept(&file), &file).unwrap();
    }
}

mod orders_into_deleted_files_are_refused_and_resume_when_they_are_back {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::orders_into_deleted_files_are_refused_and_resume_when_they_are_back().await;
    }
}

async fn orders_into_deleted_files_are_refused_and_resume_when_they_are_back() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let database = app.database.sqlite_path();
    app.stock(AREA, DidType::Geographic, 50).await;
    let sold = app.order(&app.other, AREA, 2).await;

    delete_keeping_links(&database);
    let before = app.snapshot().await;
    let refused = app.order_reply(&app.other, AREA, 1).await;
    refused.assert_error("SERVICE_UNAVAILABLE");
    let cancel = app
        .v3_as(&app.other, "DID.CANCEL", &[("E164", sold[0].as_str())])
        .await;
    cancel.assert_error("SERVICE_UNAVAILABLE");
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused write changes nothing"
    );
    let (status, body) = app.get("/ready").await;
    assert_eq!(
        (status, body.as_str()),
        (
            503,
            "NOT READY: the database file was deleted or replaced\n"
        )
    );
    assert_eq!(
        app.get("/health").await.0,
        200,
        "the process itself is alive"
    );

    // The same files back: writes resume without a restart.
    put_back(&database);
    assert_eq!(app.get("/ready").await.0, 200);
    app.order(&app.other, AREA, 1).await;
}

mod nothing_acknowledged_is_lost_when_files_are_deleted_under_load {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::nothing_acknowledged_is_lost_when_files_are_deleted_under_load().await;
    }
}

async fn nothing_acknowledged_is_lost_when_files_are_deleted_under_load() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let database = app.database.sqlite_path();
    app.stock(AREA, DidType::Geographic, 3_000).await;
    let buyer = rich_buyer(&app).await;

    let load = OrderLoad::start(&app, &buyer, CLIENTS);
    load.wait_for("orders", |t| t.sold.len() >= 30).await;
    delete_keeping_links(&database);
    let sold_before = load.tally().sold.len();
    load.wait_for("refusals", |t| t.refused_with("SERVICE_UNAVAILABLE") >= 20)
        .await;
    let tally = load.stop().await;
    tally.assert_only_refused_with(&["SERVICE_UNAVAILABLE"]);
    // Once the files were gone, only orders already committed could still be answered
    // SUCCESS: at most one per client.
    assert!(tally.sold.len() <= sold_before + CLIENTS, "{tally:?}");

    // Stopped, the server finished writing into the files it had open; put back, they
    // hold every order it acknowledged.
    app.stop().await;
    put_back(&database);
    let reopened = app.serve_database(app.database.clone()).await;
    assert_every_sale_kept(&reopened, &buyer, &tally).await;
}
