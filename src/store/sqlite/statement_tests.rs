//! Cached statements stay prepared: serving requests must not make SQLite parse and plan
//! a statement again. SQLite silently re-prepares a statement whose plan read a bound
//! value (a bare `LIMIT ?`, for one) each time it is bound anew, which cost the writer a
//! parse per order before it was found in a profile.

use std::sync::Arc;

use rusqlite::Connection;

use super::SqliteStore;
use crate::admin::accounts::{AccountSpec, create_account};
use crate::admin::generate::generate_stock;
use crate::bundled::{DEMO_AREAS, bundled_subset};
use crate::domain::did_requests::{DidFilter, DidListRequest};
use crate::domain::order::OrderRequest;
use crate::domain::{AreaId, Caller, DidType, Money, RatePlanId};
use crate::store::{Catalog, Dids, Orders, StoreOptions, StoreResult};

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
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("stmts.db"), options)
            .await
            .unwrap(),
    );
    store
        .load_catalog(bundled_subset(&DEMO_AREAS))
        .await
        .unwrap();
    let area = AreaId::parse("AREA_ID", "1.312").unwrap();
    generate_stock(store.as_ref(), &area, DidType::Geographic, 40, None)
        .await
        .unwrap();
    let spec = AccountSpec {
        email: "buyer@x.example".into(),
        credit: Money(1_000_000),
        ..AccountSpec::default()
    };
    let account = create_account(store.as_ref(), spec).await.unwrap();
    let caller = Caller {
        account_number: account.account.account_number.clone(),
        parent: None,
        signature_hash: None,
    };
    // Different quantities and pages bind different values to the same statements.
    for quantity in [1, 3, 2, 5, 1, 4] {
        let request = OrderRequest {
            caller: caller.clone(),
            holder: caller.account_number.clone(),
            area_id: area.clone(),
            did_type: DidType::Geographic,
            rate_plan_id: RatePlanId::default_plan(),
            quantity,
            title: String::new(),
            dry_run: false,
        };
        store.place_order(request).await.unwrap();
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
