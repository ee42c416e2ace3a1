//! The PostgreSQL schema: refinery migrations in `migrations/`, with the same version
//! numbers as SQLite's, run when a store opens (`serve`, every CLI command, `migrate`).
//!
//! Several processes may start together on an empty database. Each takes the same
//! session-level advisory lock before it runs the migrations, so one migrates while the
//! others wait, then find nothing left to do. The lock belongs to the migration's own
//! connection and is released with it, even when the process dies.

use super::describe;
use super::tls::Connector;
use crate::store::{StoreError, StoreResult};

refinery::embed_migrations!("src/store/postgres/migrations");

/// The key of the advisory lock held while migrating ("didhub" in ASCII).
pub(super) const MIGRATION_LOCK: i64 = 0x6469_6468_7562;

/// Brings the schema up to date, once, whoever else is trying at the same moment.
pub(super) async fn run(config: &tokio_postgres::Config, connector: &Connector) -> StoreResult<()> {
    let (mut client, driver) = connector
        .connect(config)
        .await
        .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {}", describe(&e))))?;
    let outcome = migrate_locked(&mut client).await;
    drop(client);
    let _ = driver.await;
    outcome
}

async fn migrate_locked(client: &mut tokio_postgres::Client) -> StoreResult<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let migrated = migrations::runner().run_async(client).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    migrated.map_err(|e| StoreError::Backend(format!("migrating the PostgreSQL database: {e}")))?;
    Ok(())
}
