//! Checkpoints: the writer's WAL stays bounded because the checkpoint thread copies it
//! back and the writer restarts it at its limit, even while readers keep taking new
//! snapshots; a graceful stop leaves it empty.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::checkpoint::{Checkpointer, hand_checkpoints_over};
use super::wal_policy::{PAGE_BYTES, WalLimits};
use super::{Upkeep, Writer};
use crate::store::sqlite::files::DatabaseFiles;
use crate::store::sqlite::reads::in_read_transaction;

/// The tests' WAL limit: small, so a test writes little.
const LIMIT_PAGES: u32 = 100;

fn open(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);",
    )
    .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

fn wal_path(db: &Path) -> PathBuf {
    db.with_file_name("test.db-wal")
}

fn wal_pages(db: &Path) -> u64 {
    std::fs::metadata(wal_path(db)).map_or(0, |m| m.len() / PAGE_BYTES)
}

/// A writer on `db` with its checkpoint thread, as the store starts it; and the count of
/// checkpoints the thread ran.
fn writer_with_upkeep(db: &Path) -> (Writer, Arc<std::sync::atomic::AtomicU64>) {
    let limits = WalLimits::new(LIMIT_PAGES);
    let conn = open(db);
    hand_checkpoints_over(&conn, limits).unwrap();
    let checkpointer = Checkpointer::spawn(open(db), limits);
    let completed = checkpointer.completed();
    let upkeep = Upkeep::new(checkpointer, Arc::new(DatabaseFiles::note(db)));
    (Writer::spawn(conn, Some(upkeep)), completed)
}

/// Commits `batches` transactions of about ten 4 KiB pages each.
async fn write_batches(writer: &Writer, batches: usize) {
    for _ in 0..batches {
        writer
            .write(|conn| {
                let mut insert =
                    conn.prepare_cached("INSERT INTO t (v) VALUES (zeroblob(3500))")?;
                for _ in 0..10 {
                    insert.execute([])?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }
}

async fn rows(writer: &Writer) -> i64 {
    writer
        .write(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_checkpoint_thread_keeps_the_wal_short() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let (writer, completed) = writer_with_upkeep(&db);

    // About 2,000 pages in all, twenty times the limit, written in small steps so that
    // checkpoints overlap the writer's later commits.
    for _ in 0..40 {
        write_batches(&writer, 5).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while completed.load(Ordering::Acquire) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(completed.load(Ordering::Acquire) > 0, "no checkpoint ran");
    // Without checkpoints it would hold every page written (see the next test).
    assert!(
        wal_pages(&db) < 2 * u64::from(LIMIT_PAGES),
        "the WAL grew to {} pages",
        wal_pages(&db)
    );
    assert_eq!(rows(&writer).await, 2000);
}

#[tokio::test]
async fn the_writer_never_checkpoints_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let conn = open(&db);
    hand_checkpoints_over(&conn, WalLimits::new(LIMIT_PAGES)).unwrap();
    // No upkeep: every page written stays in the WAL, far past SQLite's own threshold
    // of 1,000 pages.
    let writer = Writer::spawn(conn, None);
    write_batches(&writer, 150).await;
    assert!(
        wal_pages(&db) >= 1500,
        "the WAL holds only {} pages",
        wal_pages(&db)
    );
}

/// Readers that never stop, each taking a new snapshot as the last one ends, with two
/// of them overlapping: a PASSIVE checkpoint alone never lets such a WAL start over.
fn continuous_readers(db: &Path, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<u64>> {
    (0..2)
        .map(|_| {
            let (db, stop) = (db.to_owned(), stop.clone());
            std::thread::spawn(move || {
                let reader =
                    Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
                let mut reads = 0;
                while !stop.load(Ordering::Relaxed) {
                    in_read_transaction(&reader, |conn| {
                        let n: i64 = conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
                        std::thread::sleep(Duration::from_micros(300));
                        Ok(n)
                    })
                    .unwrap();
                    reads += 1;
                }
                reads
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_continuous_readers_and_is_empty_after_a_stop() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let (writer, _) = writer_with_upkeep(&db);
    let stop = Arc::new(AtomicBool::new(false));
    let readers = continuous_readers(&db, stop.clone());
    let mut largest = 0;
    // About 6,000 pages, sixty times the limit, with no pause for the readers.
    for _ in 0..60 {
        write_batches(&writer, 10).await;
        largest = largest.max(wal_pages(&db));
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    // Twice the limit at most before the writer insists, plus a batch or two. Without
    // restarts it holds every page written.
    assert!(
        largest < 3 * u64::from(LIMIT_PAGES),
        "the WAL grew to {largest} pages"
    );
    assert_eq!(rows(&writer).await, 6_000);
    let stopper = Arc::new(writer);
    let stopping = stopper.clone();
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    assert_eq!(
        std::fs::metadata(wal_path(&db)).map_or(0, |m| m.len()),
        0,
        "a graceful stop truncates the WAL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_read_delays_restarts_without_failing_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let (writer, _) = writer_with_upkeep(&db);
    write_batches(&writer, 5).await;
    // A reader that keeps one snapshot for a second (an audit, a copy) while the writer
    // passes the WAL's limit: restarts give way to it, then insist, and wait for it.
    let (started, holding) = std::sync::mpsc::channel();
    let reader = {
        let db = db.clone();
        std::thread::spawn(move || {
            let reader =
                Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            in_read_transaction(&reader, |conn| {
                let n: i64 = conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
                started.send(()).unwrap();
                std::thread::sleep(Duration::from_secs(1));
                Ok(n)
            })
            .unwrap()
        })
    };
    holding.recv().unwrap();
    write_batches(&writer, 100).await;
    assert_eq!(
        reader.join().unwrap(),
        50,
        "the reader saw its own snapshot"
    );
    for _ in 0..20 {
        write_batches(&writer, 10).await;
    }
    assert!(
        wal_pages(&db) < 3 * u64::from(LIMIT_PAGES),
        "the WAL grew to {} pages",
        wal_pages(&db)
    );
    assert_eq!(rows(&writer).await, 50 + 1000 + 2000);
}
