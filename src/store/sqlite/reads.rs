//! The read side: a small pool of read-only connections (WAL lets them read while the
//! writer writes). Reads run on tokio's blocking threads.

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

    /// Runs `work` on a pooled read-only connection.
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
            work(&conn)
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
