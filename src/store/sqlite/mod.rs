//! The embedded SQLite backend, the default.
//!
//! One writer thread owns the only read-write connection ([`writer`]); reads use a small
//! pool of read-only connections ([`reads`]). WAL mode lets both run at once. The
//! schema comes from the versioned migrations in `migrations/`, run at open.
//!
//! One didhub process per database file: the writer thread is what makes allocation
//! safe, so several processes must share PostgreSQL instead.
//!
//! Storage faults (`faults.rs`: no space, I/O errors, a lock held too long, files
//! deleted or replaced, see `files.rs`) fail a write with [`StoreError::Unavailable`];
//! nothing is kept from the failure, so writes succeed again once the cause is gone.

mod accounts;
mod audit;
mod billing;
mod bulk_import;
mod catalog;
mod catalog_guard;
mod deliveries;
mod dids;
mod events;
mod faults;
mod files;
mod history;
mod idempotency;
mod inventory;
mod ledger;
mod lifecycle;
mod listings;
mod order_terms;
mod orders;
mod pricing;
mod reads;
mod routes;
mod sms;
mod statement;
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

use super::{Fault, FaultReason, Store, StoreError, StoreOptions, StoreResult};
use crate::domain::Clock;
use files::DatabaseFiles;
use reads::ReadPool;
use writer::checkpoint::{Checkpointer, hand_checkpoints_over};
use writer::wal_policy::WalLimits;
use writer::{Upkeep, Writer};

pub use writer::wal_policy::DEFAULT_WAL_LIMIT_PAGES;

refinery::embed_migrations!("src/store/sqlite/migrations");

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// How long a connection waits for a lock another one holds (an admin command's import,
/// a checkpoint) before the statement fails with a `busy` fault.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        faults::classify(e)
    }
}

/// A didhub database in one SQLite file.
pub struct SqliteStore {
    writer: Writer,
    reads: ReadPool,
    clock: Arc<dyn Clock>,
    files: Arc<DatabaseFiles>,
    limits: WalLimits,
}

impl SqliteStore {
    /// Opens the database file, creating and migrating it when needed.
    pub async fn open(path: &Path, options: StoreOptions) -> StoreResult<SqliteStore> {
        let path = path.to_owned();
        let durable = options.durable;
        let limits = WalLimits::new(options.wal_limit_pages);
        let opened = tokio::task::spawn_blocking(move || {
            let writer = open_writer_connection(&path, durable)?;
            let checkpoints = open_checkpoint_connection(&path, durable)?;
            hand_checkpoints_over(&writer, limits)?;
            Ok::<_, StoreError>((writer, checkpoints, path))
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?;
        let (conn, checkpoints, path) = opened?;
        let reads = ReadPool::open(&path, options.pool_size)?;
        // Every connection is open, so the WAL and -shm exist: note who they are.
        let files = Arc::new(DatabaseFiles::note(&path));
        let upkeep = Upkeep::new(Checkpointer::spawn(checkpoints, limits), files.clone());
        Ok(SqliteStore {
            writer: Writer::spawn(conn, Some(upkeep)),
            reads,
            clock: options.clock,
            files,
            limits,
        })
    }
}

fn open_writer_connection(path: &Path, durable: bool) -> StoreResult<Connection> {
    let mut conn = Connection::open(path)
        .map_err(|e| StoreError::Backend(format!("opening {}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
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
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let synchronous = if durable { "FULL" } else { "NORMAL" };
    conn.execute_batch(&format!("PRAGMA synchronous = {synchronous};"))?;
    Ok(conn)
}

#[async_trait]
impl Store for SqliteStore {
    /// Ready when the writer runs and answers, the files are the ones opened, and their
    /// filesystem has room for at least a short WAL.
    async fn readiness(&self) -> Result<(), Fault> {
        if !self.writer.is_running() {
            return Err(Fault::new(
                FaultReason::WriterStopped,
                "the writer thread has ended",
            ));
        }
        self.files
            .check_intact()
            .map_err(|detail| Fault::new(FaultReason::FileReplaced, detail))?;
        let needed = self.limits.exhausted_below();
        match self.files.free_bytes() {
            Some(free) if free < needed => {
                return Err(Fault::new(
                    FaultReason::DiskFull,
                    format!("{free} bytes free on the database's filesystem, fewer than {needed}"),
                ));
            }
            _ => {}
        }
        // An empty write: the writer answers, and can take its lock. Replayable, so it
        // does not make the batch it joins run with savepoints.
        match self.writer.write_replayable(|_| Ok(())).await {
            Ok(()) => Ok(()),
            Err(StoreError::Unavailable(fault)) => Err(fault),
            Err(e) => Err(Fault::new(FaultReason::WriterStopped, e.to_string())),
        }
    }

    async fn close(&self) {
        self.writer.stop();
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }
}
