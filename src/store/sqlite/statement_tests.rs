//! Cached statements stay prepared: serving requests must not make SQLite parse and plan
//! a statement again. SQLite silently re-prepares a statement whose plan read a bound
//! value (a bare `LIMIT ?`, for one) each time it is bound anew, which cost the writer a
//! parse per order before it was found in a profile.

use rusqlite::Connection;

use super::test_fixture::{buyer, order, store_with_stock};
use crate::domain::did_requests::{DidFilter, DidListRequest};
use crate::store::{Dids, Orders, StoreOptions, StoreResult};

/// How many times SQLite re-prepared the statements `conn` holds now (its statement
/// cache included), summed.
fn reprepares(conn: &Connection) -> StoreResult<i32> {
    let mut total = 0;
    // SAFETY: the handle is used only on this thread, while `conn` is borrowed, to walk
    // the connection's own statement list and read counters; nothing is freed or changed.
    unsafe {
        let db = conn.handle();
        let mut stmt = rusqlite::ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            total += rusqlite::ffi::sqlite3_stmt_status(
                stmt,
                rusqlite::ffi::SQLITE_STMTSTATUS_REPREPARE,
                0,
            );
            stmt = rusqlite::ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    Ok(total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_and_listings_reuse_their_prepared_statements() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        pool_size: 1,
        ..StoreOptions::default()
    };
    let store = store_with_stock(dir.path(), options, 40).await;
    let caller = buyer(&store, "buyer@x.example", 1_000_000).await;
    // Different quantities and pages bind different values to the same statements.
    for quantity in [1, 3, 2, 5, 1, 4] {
        store.place_order(order(&caller, quantity)).await.unwrap();
    }
    for (limit, offset) in [(Some(5), 0), (Some(2), 3), (Some(7), 1), (None, 0)] {
        let request = DidListRequest {
            caller: caller.clone(),
            holder: caller.account_number.clone(),
            filter: DidFilter::default(),
            limit,
            offset,
        };
        assert!(!store.list_dids(request).await.unwrap().dids.is_empty());
    }
    let writer = store.writer.write(reprepares).await.unwrap();
    let reader = store.reads.read(reprepares).await.unwrap();
    assert_eq!(
        (writer, reader),
        (0, 0),
        "statements re-prepared (writer, reader)"
    );
}
