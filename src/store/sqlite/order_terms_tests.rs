//! The writer's cache of order terms never outlives a change to them: a price changed by
//! a write command queued between two orders of one batch, or by another connection
//! between two batches, is what the next order pays.

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;

use super::SqliteStore;
use super::test_fixture::{area, buyer, hold_writer, order, store_with_stock};
use crate::domain::order::OrderReceipt;
use crate::domain::{Caller, Money};
use crate::store::{Orders, StoreOptions, StoreResult};

/// The monthly and setup price (minor units) the tests set for the fixture's area.
const NEW_PRICE: (i64, i64) = (777, 0);

const SET_PRICE: &str =
    "INSERT OR REPLACE INTO area_prices (area_id, rate_plan_id, monthly100, setup100)
     VALUES (?1, 'SU', ?2, ?3)";

fn set_price(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        SET_PRICE,
        rusqlite::params![area().as_str(), NEW_PRICE.0, NEW_PRICE.1],
    )
}

/// A fixture store with a buyer who has placed one order (cached its terms), and what
/// that order cost, which is not [`NEW_PRICE`].
async fn store_after_one_order(dir: &Path) -> (Arc<SqliteStore>, Caller, Money) {
    let store = store_with_stock(dir, StoreOptions::default(), 5).await;
    let rich = buyer(&store, "rich@x.example", 100_000).await;
    let before = store.place_order(order(&rich, 1)).await.unwrap().total;
    assert_ne!(before, Money(NEW_PRICE.0 + NEW_PRICE.1));
    (store, rich, before)
}

fn spawn_order(
    store: &Arc<SqliteStore>,
    request: crate::domain::order::OrderRequest,
) -> tokio::task::JoinHandle<StoreResult<OrderReceipt>> {
    let store = store.clone();
    tokio::spawn(async move { store.place_order(request).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_change_queued_between_two_orders_of_one_batch_is_paid_by_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let (store, rich, before) = store_after_one_order(dir.path()).await;

    // Hold the writer while an order, a price change and another order queue behind it.
    let (release, blocker) = hold_writer(&store).await;
    let first = spawn_order(&store, order(&rich, 1));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let change = {
        let store = store.clone();
        tokio::spawn(async move { store.writer.write(|conn| Ok(set_price(conn)?)).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second = spawn_order(&store, order(&rich, 1));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    release.send(()).unwrap();
    blocker.await.unwrap().unwrap();

    assert_eq!(first.await.unwrap().unwrap().total, before);
    change.await.unwrap().unwrap();
    assert_eq!(
        second.await.unwrap().unwrap().total,
        Money(NEW_PRICE.0 + NEW_PRICE.1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_changed_by_another_connection_is_paid_by_the_next_order() {
    let dir = tempfile::tempdir().unwrap();
    let (store, rich, _) = store_after_one_order(dir.path()).await;

    // As the CLI would: its own connection to the file, while the server runs.
    let other = Connection::open(dir.path().join("fixture.db")).unwrap();
    other
        .busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    set_price(&other).unwrap();

    let after = store.place_order(order(&rich, 1)).await.unwrap();
    assert_eq!(after.total, Money(NEW_PRICE.0 + NEW_PRICE.1));
}
