//! Checkpoints on their own thread: the writer's WAL stays bounded because the
//! checkpoint thread copies it back, never because the writer checkpoints itself.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::Writer;
use super::checkpoint::{Checkpointer, hand_checkpoints_over};

/// WAL pages after which the tests' checkpoints start: small, so a test writes little.
const AFTER_PAGES: i32 = 50;

fn open(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);",
    )
    .unwrap();
    conn
}

/// A writer's connection whose checkpoints are left to a checkpoint thread.
fn writer_connection(db: &Path) -> Connection {
    let conn = open(db);
    hand_checkpoints_over(&conn).unwrap();
    conn
}

fn wal_pages(db: &Path) -> u64 {
    let wal = db.with_file_name("test.db-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len() / 4096)
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

#[tokio::test]
async fn the_checkpoint_thread_keeps_the_wal_short() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let writer_conn = writer_connection(&db);
    let checkpointer = Checkpointer::spawn(open(&db), AFTER_PAGES);
    let completed = checkpointer.completed();
    let writer = Writer::spawn(writer_conn, Some(checkpointer));

    // About 2,000 pages in all, forty times the threshold, written in small steps so
    // that checkpoints overlap the writer's later commits.
    for _ in 0..40 {
        write_batches(&writer, 5).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while completed.load(Ordering::Acquire) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(completed.load(Ordering::Acquire) > 0, "no checkpoint ran");
    // Each checkpoint lets the writer start the WAL over; without them it would hold
    // every page written (see the next test).
    assert!(
        wal_pages(&db) < 10 * AFTER_PAGES as u64,
        "the WAL grew to {} pages",
        wal_pages(&db)
    );
    let rows: i64 = writer
        .write(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(rows, 2000);
}

#[tokio::test]
async fn the_writer_never_checkpoints_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("test.db");
    let writer_conn = writer_connection(&db);
    // No checkpoint thread: every page written stays in the WAL, far past SQLite's own
    // threshold of 1,000 pages.
    let writer = Writer::spawn(writer_conn, None);
    write_batches(&writer, 150).await;
    assert!(
        wal_pages(&db) >= 1500,
        "the WAL holds only {} pages",
        wal_pages(&db)
    );
}
