//! A real SQLite store for this module's own tests: the demo areas' catalog, numbers in
//! stock in area 1.312, and main accounts with credit that order there.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use super::SqliteStore;
use crate::admin::accounts::{AccountSpec, create_account};
use crate::admin::generate::generate_stock;
use crate::bundled::{DEMO_AREAS, bundled_subset};
use crate::domain::order::OrderRequest;
use crate::domain::{AreaId, Caller, DidType, Money, RatePlanId};
use crate::store::{Catalog, StoreOptions, StoreResult};

/// The area the fixture stocks and orders from.
pub(super) fn area() -> AreaId {
    AreaId::parse("AREA_ID", "1.312").unwrap()
}

/// A store in `dir` with the demo catalog and `numbers` GEOGRAPHIC numbers in [`area`].
pub(super) async fn store_with_stock(
    dir: &Path,
    options: StoreOptions,
    numbers: usize,
) -> Arc<SqliteStore> {
    let store = Arc::new(
        SqliteStore::open(&dir.join("fixture.db"), options)
            .await
            .unwrap(),
    );
    store
        .load_catalog(bundled_subset(&DEMO_AREAS))
        .await
        .unwrap();
    generate_stock(store.as_ref(), &area(), DidType::Geographic, numbers, None)
        .await
        .unwrap();
    store
}

/// A new main account with `credit` (minor units), as the caller of its own key.
pub(super) async fn buyer(store: &SqliteStore, email: &str, credit: i64) -> Caller {
    let spec = AccountSpec {
        email: email.into(),
        credit: Money(credit),
        ..AccountSpec::default()
    };
    let created = create_account(store, spec).await.unwrap();
    Caller {
        account_number: created.account.account_number,
        parent: None,
        signature_hash: None,
    }
}

/// `caller` buys `quantity` numbers in [`area`] for itself, under the default plan.
pub(super) fn order(caller: &Caller, quantity: u32) -> OrderRequest {
    OrderRequest {
        caller: caller.clone(),
        holder: caller.account_number.clone(),
        area_id: area(),
        did_type: DidType::Geographic,
        rate_plan_id: RatePlanId::default_plan(),
        quantity,
        title: String::new(),
        dry_run: false,
    }
}

/// Holds the writer inside one command until the returned sender is used (or dropped),
/// so that every command queued meanwhile is committed in the next batch, together.
/// Returns once the writer is held, with the held command's task.
pub(super) async fn hold_writer(
    store: &Arc<SqliteStore>,
) -> (
    std_mpsc::Sender<()>,
    tokio::task::JoinHandle<StoreResult<()>>,
) {
    let (release, wait) = std_mpsc::channel::<()>();
    let (started, running) = tokio::sync::oneshot::channel::<()>();
    let store = store.clone();
    let held = tokio::spawn(async move {
        store
            .writer
            .write(move |_| {
                let _ = started.send(());
                let _ = wait.recv();
                Ok(())
            })
            .await
    });
    running.await.unwrap();
    (release, held)
}
