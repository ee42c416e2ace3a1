//! A full filesystem under load: orders are refused with `SERVICE_UNAVAILABLE` while it
//! is full (and `/ready` says so), none of them leaves anything behind, and orders are
//! served again by themselves once space returns. SQLite only, on a small tmpfs the test
//! mounts (as root, as CI runs; elsewhere it says it was skipped).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use didhub::api::ApiPolicy;
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::domain::DidType;
use didhub::store::StoreOptions;

use super::{AREA, OrderLoad, assert_every_sale_kept, rich_buyer};
use crate::support::{TestApp, TestDatabase};

/// A small tmpfs mounted for one test, unmounted when dropped.
pub struct SmallFilesystem {
    dir: tempfile::TempDir,
}

impl SmallFilesystem {
    /// Mounts a tmpfs of `megabytes`; `None` (with a note) where mounting is not allowed.
    pub fn mount(megabytes: u32, test: &str) -> Option<SmallFilesystem> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("{test}: skipped, cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallFilesystem { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        // Lazy: the store's read connections may still hold files open.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes `path` until the filesystem refuses more; returns whether it grew.
fn fill(path: &Path) -> bool {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut grew = false;
    while file
        .write_all(&chunk)
        .and_then(|()| file.sync_data())
        .is_ok()
    {
        grew = true;
    }
    // The last chunk may have fitted in part: the disk is full now.
    grew
}

mod a_full_filesystem_refuses_orders_and_recovers_under_load {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::a_full_filesystem_refuses_orders_and_recovers_under_load().await;
    }
}

async fn a_full_filesystem_refuses_orders_and_recovers_under_load() {
    let Some(disk) = SmallFilesystem::mount(
        24,
        "storage::full_disk::a_full_filesystem_refuses_orders_and_recovers_under_load",
    ) else {
        return;
    };
    let database = TestDatabase::sqlite_in(disk.path());
    let wal = database.sqlite_path().with_extension("db-wal");
    let catalog = bundled_subset(&DEMO_AREAS);
    let options = StoreOptions::default();
    let mut app = TestApp::spawn_on(database, options, catalog, ApiPolicy::default()).await;
    app.stock(AREA, DidType::Geographic, 5_000).await;
    let buyer = rich_buyer(&app).await;
    assert_eq!(app.get("/ready").await.0, 200);

    let load = OrderLoad::start(&app, &buyer, 6);
    load.wait_for("orders before the disk fills", |t| t.sold.len() >= 50)
        .await;

    // Something else fills the disk, and takes back whatever the server frees.
    let filler: PathBuf = disk.path().join("filler");
    let keep_full = {
        let filler = filler.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::task::spawn_blocking(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                fill(&filler);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        (stop, task)
    };
    load.wait_for("orders refused on the full disk", |t| {
        t.refused_with("SERVICE_UNAVAILABLE") >= 20
    })
    .await;
    let (status, body) = app.get("/ready").await;
    assert_eq!(
        (status, body.as_str()),
        (503, "NOT READY: no space left for the database\n")
    );
    // Space comes back: orders are served again, without a restart.
    keep_full
        .0
        .store(true, std::sync::atomic::Ordering::Relaxed);
    keep_full.1.await.unwrap();
    std::fs::remove_file(&filler).unwrap();
    let sold_while_full = load.tally().sold.len();
    load.wait_for("orders after space returned", |t| {
        t.sold.len() >= sold_while_full + 50
    })
    .await;
    let tally = load.stop().await;
    assert_eq!(app.get("/ready").await.0, 200);

    tally.assert_only_refused_with(&["SERVICE_UNAVAILABLE"]);
    assert_every_sale_kept(&app, &buyer, &tally).await;
    // Refused orders left nothing: the store holds exactly the orders answered SUCCESS.
    let counts = app.store.counts().await.unwrap();
    assert_eq!(counts.orders as usize, tally.sold.len());
    assert_eq!(counts.numbers_assigned as usize, tally.sold.len());

    app.stop().await;
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
}
