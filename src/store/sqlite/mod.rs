//! The embedded SQLite backend, the default.
//!
//! One writer thread owns the only read-write connection ([`writer`]); reads use a small
//! pool of read-only connections ([`reads`]). WAL mode lets both run at once. The
//! schema comes from the versioned migrations in `migrations/`, run at open.
//!
//! One didhub process per database file: the writer thread is what makes allocation
//! safe, so several processes must share PostgreSQL instead.

mod accounts;
mod audit;
mod bulk_import;
mod catalog;
mod catalog_guard;
mod deliveries;
mod dids;
mod events;
mod history;
mod idempotency;
mod inventory;
mod lifecycle;
mod listings;
mod order_terms;
mod orders;
mod pricing;
mod reads;
mod stock;
mod transfer;
mod webhooks;
mod writer;

#[cfg(test)]
mod group_commit_tests;
#[cfg(test)]
mod order_terms_tests;
#[cfg(test)]
mod statement_tests;
#[cfg(test)]
mod test_fixture;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::Connection;

use super::{Store, StoreError, StoreOptions, StoreResult};
use crate::domain::Clock;
use reads::ReadPool;
use writer::Writer;
use writer::checkpoint::{CHECKPOINT_PAGES, Checkpointer, hand_checkpoints_over};

refinery::embed_migrations!("src/store/sqlite/migrations");

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// A didhub database in one SQLite file.
pub struct SqliteStore {
    writer: Writer,
    reads: ReadPool,
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// Opens the database file, creating and migrating it when needed.
    pub async fn open(path: &Path, options: StoreOptions) -> StoreResult<SqliteStore> {
        let path = path.to_owned();
        let durable = options.durable;
        let opened = tokio::task::spawn_blocking(move || {
            let writer = open_writer_connection(&path, durable)?;
            let checkpoints = open_checkpoint_connection(&path, durable)?;
            hand_checkpoints_over(&writer)?;
            Ok::<_, StoreError>((writer, checkpoints, path))
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?;
        let (conn, checkpoints, path) = opened?;
        let reads = ReadPool::open(&path, options.pool_size)?;
        Ok(SqliteStore {
            writer: Writer::spawn(
                conn,
                Some(Checkpointer::spawn(checkpoints, CHECKPOINT_PAGES)),
            ),
            reads,
            clock: options.clock,
        })
    }
}

fn open_writer_connection(path: &Path, durable: bool) -> StoreResult<Connection> {
    let mut conn = Connection::open(path)
        .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // An order alone runs a dozen distinct cached statements; rusqlite's default cache
    // of 16 would evict and re-parse them on every command.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // The page cache stays small (8 MiB): at every commit SQLite walks the cache's hash
    // table, and with 64 MiB of pages that walk was the writer's costliest function
    // (docs/BENCHMARKS.md). What orders touch (the low end of the stock index, the tails
    // of the order and ledger tables) fits many times over. Temporary data stays on disk
    // (the default `temp_store`), so an import's staging table does not grow memory.
    let synchronous = if durable { "FULL" } else { "NORMAL" };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -8192;"
    ))?;
    migrations::runner()
        .run(&mut conn)
        .map_err(|e| StoreError::Backend(format!("migrating {}: {e}", path.display())))?;
    Ok(conn)
}

/// The checkpoint thread's connection: it syncs the database file as the writer would.
fn open_checkpoint_connection(path: &Path, durable: bool) -> StoreResult<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let synchronous = if durable { "FULL" } else { "NORMAL" };
    conn.execute_batch(&format!("PRAGMA synchronous = {synchronous};"))?;
    Ok(conn)
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        self.writer.stop();
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }
}
