//! The read side: a small pool of read-only connections (WAL lets them read while the
//! writer writes). Reads run on tokio's blocking threads.
//!
//! Each read is one read transaction, ended before its connection goes back to the
//! pool: all its queries see one snapshot (DID.LIST's total and its page agree), and no
//! idle connection keeps an old snapshot. A snapshot held past its request would stop
//! every checkpoint from letting the WAL start over (see `writer/wal_policy.rs`).

use std::path::Path;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::store::{StoreError, StoreResult};

#[derive(Clone)]
pub struct ReadPool(Pool<SqliteConnectionManager>);

impl ReadPool {
    pub fn open(path: &Path, size: u32) -> StoreResult<ReadPool> {
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| {
                c.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
                c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;")
            });
        let pool = Pool::builder()
            .max_size(size.max(1))
            .build(manager)
            .map_err(|e| StoreError::Backend(format!("opening read connections: {e}")))?;
        Ok(ReadPool(pool))
    }

    /// Runs `work` on a pooled read-only connection, in one read transaction.
    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool
                .get()
                .map_err(|e| StoreError::Backend(format!("no read connection: {e}")))?;
            record_pool_use(&pool);
            in_read_transaction(&conn, work)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

/// The read pool's connections in use and idle, as a request takes one.
fn record_pool_use(pool: &Pool<SqliteConnectionManager>) {
    use crate::telemetry::names::POOL_CONNECTIONS;
    let state = pool.state();
    let idle = f64::from(state.idle_connections);
    let in_use = f64::from(state.connections) - idle;
    metrics::gauge!(POOL_CONNECTIONS, "pool" => "sqlite_read", "state" => "in_use").set(in_use);
    metrics::gauge!(POOL_CONNECTIONS, "pool" => "sqlite_read", "state" => "idle").set(idle);
}

/// Runs `work` between `BEGIN` and `ROLLBACK` (it only reads): the transaction ends
/// whatever `work` returned. rusqlite resets every statement whose rows are dropped, so
/// nothing keeps the snapshot once this returns.
pub(super) fn in_read_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("BEGIN")?;
    let outcome = work(conn);
    let ended = run("ROLLBACK");
    let value = outcome?;
    ended?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TRUNCATE checkpoint completes only when no reader holds a snapshot of the WAL.
    fn wal_restarts(db: &Path) -> bool {
        let conn = Connection::open(db).unwrap();
        conn.busy_timeout(std::time::Duration::ZERO).unwrap();
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap();
        busy == 0
    }

    #[test]
    fn a_read_holds_one_snapshot_for_its_work_and_none_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let writer = Connection::open(&db).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (k INTEGER PRIMARY KEY);
                 INSERT INTO t VALUES (1), (2), (3);",
            )
            .unwrap();
        let reader = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let (before, after) = in_read_transaction(&reader, |conn| {
            let count = |conn: &Connection| -> rusqlite::Result<i64> {
                conn.prepare_cached("SELECT COUNT(*) FROM t")?
                    .query_row([], |r| r.get(0))
            };
            let before = count(conn)?;
            writer.execute("INSERT INTO t VALUES (4)", []).unwrap();
            assert!(!wal_restarts(&db), "the read holds its snapshot");
            Ok((before, count(conn)?))
        })
        .unwrap();
        assert_eq!((before, after), (3, 3), "one snapshot for the whole read");
        assert!(reader.is_autocommit());
        writer.execute("INSERT INTO t VALUES (5)", []).unwrap();
        assert!(wal_restarts(&db), "the reader still holds a snapshot");
    }
}
