//! The WAL stays bounded under continuous orders and continuous DID.LIST calls of the
//! buying account, for a minute, and a graceful stop leaves it empty (SQLite only: the
//! WAL is SQLite's).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use didhub::api::ApiPolicy;
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::domain::DidType;
use didhub::store::StoreOptions;

use super::{AREA, OrderLoad, assert_every_sale_kept, rich_buyer};
use crate::support::{Reply, TestApp, TestDatabase};

/// The WAL limit of this test: 2,000 pages (8 MiB), so that a minute of a debug build's
/// load passes it many times over.
const LIMIT_PAGES: u32 = 2_000;
/// What the WAL may reach: its limit, plus what is committed while a restart waits for
/// its turn (a generous margin: without restarts it grows past this within seconds).
const BOUND_BYTES: u64 = 3 * LIMIT_PAGES as u64 * 4096;
const LOAD: Duration = Duration::from_secs(60);

mod the_wal_stays_bounded_under_a_minute_of_orders_and_listings {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::the_wal_stays_bounded_under_a_minute_of_orders_and_listings().await;
    }
}

async fn the_wal_stays_bounded_under_a_minute_of_orders_and_listings() {
    let database = TestDatabase::create(crate::support::Backend::Sqlite);
    let wal = {
        let mut name = database.sqlite_path().into_os_string();
        name.push("-wal");
        std::path::PathBuf::from(name)
    };
    let options = StoreOptions {
        wal_limit_pages: LIMIT_PAGES,
        ..StoreOptions::default()
    };
    let catalog = bundled_subset(&DEMO_AREAS);
    let mut app = TestApp::spawn_on(database, options, catalog, ApiPolicy::default()).await;
    app.stock(AREA, DidType::Geographic, 30_000).await;
    let buyer = rich_buyer(&app).await;

    let stop = Arc::new(AtomicBool::new(false));
    let largest = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (stop, largest, wal) = (stop.clone(), largest.clone(), wal.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                largest.fetch_max(size, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    let list = format!(
        "{}/api/v2.asp?userkey={}&action=DID.LIST&param%5BLIMIT%5D=50",
        app.base_url, buyer.userkey
    );
    let listers: Vec<_> = (0..4)
        .map(|_| {
            let (stop, list, http) = (stop.clone(), list.clone(), reqwest::Client::new());
            tokio::spawn(async move {
                let mut listed = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let body = http.get(&list).send().await.unwrap().text().await.unwrap();
                    Reply::parse(&body).assert_success();
                    listed += 1;
                }
                listed
            })
        })
        .collect();
    let orders = OrderLoad::start(&app, &buyer, 4);
    let started = Instant::now();
    while started.elapsed() < LOAD {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let size = largest.load(Ordering::Relaxed);
        assert!(size < BOUND_BYTES, "the WAL reached {size} bytes");
    }
    let tally = orders.stop().await;
    stop.store(true, Ordering::Relaxed);
    let mut listed = 0;
    for lister in listers {
        listed += lister.await.unwrap();
    }
    watcher.await.unwrap();

    eprintln!(
        "{} orders and {listed} listings in {LOAD:?}; the WAL peaked at {} bytes",
        tally.sold.len(),
        largest.load(Ordering::Relaxed)
    );
    // Each batch of orders writes several pages: these passed the limit many times.
    assert!(tally.sold.len() >= LIMIT_PAGES as usize, "{tally:?}");
    assert!(listed > 0);
    tally.assert_only_refused_with(&["NOT_ENOUGH_STOCK"]);
    assert!(largest.load(Ordering::Relaxed) < BOUND_BYTES);
    assert_every_sale_kept(&app, &buyer, &tally).await;

    app.stop().await;
    let after_stop = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(after_stop, 0, "a graceful stop truncates the WAL");
}
