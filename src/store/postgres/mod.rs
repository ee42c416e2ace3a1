//! The PostgreSQL backend: several stateless didhub processes share one database.
//!
//! Every method takes a connection from a pool (deadpool-postgres, `pool_size` per
//! process). Each write is one READ COMMITTED transaction; any error rolls all of it back.
//! Where the SQLite store relies on its single writer, this one relies on row locks:
//! - orders are placed in batches, one statement each ([`order_queue`]); an order picks
//!   its numbers with `FOR UPDATE SKIP LOCKED` from a random point of the area's range,
//!   so concurrent orders, from any number of processes, never wait on or share a number;
//! - a debit is a guarded `UPDATE ... WHERE balance100 + amount >= 0`, re-checked by
//!   PostgreSQL against the latest committed balance, so a balance never goes negative;
//! - update, move and cancel lock the numbers they change (`FOR UPDATE`, in E164 order);
//!   the aging sweep skips numbers another process is releasing.
//!
//! An unreachable server (refused or closed connections, no connection free in time,
//! the database dropped) or one that cannot write is a storage fault ([`faults`]): the
//! request fails with [`StoreError::Unavailable`], and the pool reconnects by itself
//! once the server answers again.
//!
//! Dry runs and reads take no row locks. Migrations run at open, under an advisory lock,
//! so processes starting together migrate once ([`migrate`]). The rules themselves (who
//! may act for whom, error order, responses) are the SQLite store's, query for query.

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
mod history;
mod idempotency;
mod inventory;
mod ledger;
mod lifecycle;
mod listings;
mod migrate;
mod order_batch;
mod order_queue;
mod orders;
mod pricing;
mod routes;
mod sms;
mod statement;
mod stock;
pub mod tls;
mod transfer;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime, Transaction,
};
use tokio_postgres::NoTls;

use tls::Connector;

use super::{Fault, FaultReason, Store, StoreError, StoreOptions, StoreResult};
use crate::domain::Clock;

/// How long a request waits for a pooled connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How long opening one connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a readiness probe waits for a pooled connection.
const READINESS_WAIT: Duration = Duration::from_secs(2);

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        faults::classify(&e)
    }
}

impl From<PoolError> for StoreError {
    fn from(e: PoolError) -> Self {
        faults::classify_pool(e)
    }
}

/// A PostgreSQL error with the server's message (tokio-postgres prints only "db error").
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} ({})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(": {detail}"));
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

/// A didhub database in PostgreSQL.
pub struct PostgresStore {
    pool: Pool,
    clock: Arc<dyn Clock>,
    /// Connections of the bulk imports under way ([`bulk_import`]).
    imports: bulk_import::Imports,
    /// Where real orders wait for their batch ([`order_queue`]).
    orders: order_queue::OrderQueue,
}

impl PostgresStore {
    /// Connects, migrates (once, whoever else is starting) and builds the pool.
    pub async fn open(url: &str, options: StoreOptions) -> StoreResult<PostgresStore> {
        let url = tls::parse_url(url)?;
        let connector = Connector::for_url(&url)?;
        let mut config: tokio_postgres::Config = url.url.parse().map_err(|e| {
            StoreError::Rejected(format!("invalid PostgreSQL URL: {}", describe(&e)))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("didhub");
        }
        migrate::run(&config, &connector).await?;
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match connector {
            Connector::Plain => Manager::from_config(config, NoTls, manager_config),
            Connector::Tls(tls) => Manager::from_config(config, tls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1) as usize)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Backend(format!("building the connection pool: {e}")))?;
        let orders = order_queue::OrderQueue::start(pool.clone());
        Ok(PostgresStore {
            pool,
            clock: options.clock,
            imports: Default::default(),
            orders,
        })
    }

    /// A pooled connection.
    async fn client(&self) -> StoreResult<Object> {
        pooled(&self.pool).await
    }
}

/// A connection of `pool`, its use recorded.
async fn pooled(pool: &Pool) -> StoreResult<Object> {
    let client = pool.get().await?;
    record_pool_use(pool);
    Ok(client)
}

/// The pool's connections in use and idle, and the requests waiting, as one is taken.
fn record_pool_use(pool: &Pool) {
    use crate::telemetry::names::{POOL_CONNECTIONS, POOL_WAITING};
    let status = pool.status();
    let in_use = status.size.saturating_sub(status.available) as f64;
    metrics::gauge!(POOL_CONNECTIONS, "pool" => "postgres", "state" => "in_use").set(in_use);
    metrics::gauge!(POOL_CONNECTIONS, "pool" => "postgres", "state" => "idle")
        .set(status.available as f64);
    metrics::gauge!(POOL_WAITING, "pool" => "postgres").set(status.waiting as f64);
}

/// Starts a READ COMMITTED transaction (PostgreSQL's default level).
async fn begin(client: &mut Object) -> StoreResult<Transaction<'_>> {
    Ok(client.transaction().await?)
}

/// A read-only snapshot: every query sees the same committed state, and nothing is
/// locked or written (dry runs, exports).
async fn begin_snapshot(client: &mut Object) -> StoreResult<Transaction<'_>> {
    Ok(client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// Commits when `outcome` is `Ok`, rolls everything back otherwise.
async fn finish<T>(tx: Transaction<'_>, outcome: StoreResult<T>) -> StoreResult<T> {
    match outcome {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            // A failed rollback leaves nothing behind either: the connection discards the
            // transaction when it is dropped or reused.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    /// Ready when a pooled connection comes within [`READINESS_WAIT`] and the server
    /// takes writes (not a standby, not read-only by default).
    async fn readiness(&self) -> Result<(), Fault> {
        let not_ready = |e: StoreError| match e {
            StoreError::Unavailable(fault) => fault,
            other => Fault::new(FaultReason::Unreachable, other.to_string()),
        };
        let timeouts = deadpool_postgres::Timeouts {
            wait: Some(READINESS_WAIT),
            create: Some(READINESS_WAIT),
            recycle: Some(READINESS_WAIT),
        };
        let client = self
            .pool
            .timeout_get(&timeouts)
            .await
            .map_err(|e| not_ready(e.into()))?;
        let writable: bool = client
            .query_one(
                "SELECT NOT pg_is_in_recovery() \
                 AND current_setting('default_transaction_read_only') = 'off'",
                &[],
            )
            .await
            .map_err(|e| not_ready(e.into()))?
            .get(0);
        if writable {
            Ok(())
        } else {
            Err(Fault::new(
                FaultReason::ReadOnly,
                "the server is a standby or read-only",
            ))
        }
    }

    async fn close(&self) {
        self.pool.close();
    }

    fn now(&self) -> crate::domain::Timestamp {
        self.clock.now()
    }
}
