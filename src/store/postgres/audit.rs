//! The invariant audit behind `didhub check` (the rules are shared with SQLite, see
//! [`crate::store::audit_rules`]), and row counts. Both read one snapshot, so a check
//! run while other processes sell numbers sees a consistent database.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{PostgresStore, begin_snapshot, finish};
use crate::store::audit_rules::RULES;
use crate::store::{Audit, StoreCounts, StoreResult, Violation};

#[async_trait]
impl Audit for PostgresStore {
    async fn audit(&self) -> StoreResult<Vec<Violation>> {
        let mut client = self.client().await?;
        let snapshot = begin_snapshot(&mut client).await?;
        let outcome = run_rules(&snapshot).await;
        finish(snapshot, outcome).await
    }

    async fn counts(&self) -> StoreResult<StoreCounts> {
        let mut client = self.client().await?;
        let snapshot = begin_snapshot(&mut client).await?;
        let outcome = counts(&snapshot).await;
        finish(snapshot, outcome).await
    }
}

async fn run_rules(c: &impl GenericClient) -> StoreResult<Vec<Violation>> {
    let mut violations = Vec::new();
    for (rule, sql) in RULES {
        for row in c.query(*sql, &[]).await? {
            violations.push(Violation {
                rule,
                detail: row.try_get(0)?,
            });
        }
    }
    Ok(violations)
}

async fn counts(c: &impl GenericClient) -> StoreResult<StoreCounts> {
    let count = async |sql: &str| -> StoreResult<u64> {
        Ok(c.query_one(sql, &[]).await?.try_get::<_, i64>(0)? as u64)
    };
    Ok(StoreCounts {
        accounts: count("SELECT COUNT(*) FROM accounts").await?,
        numbers_available: count("SELECT COUNT(*) FROM numbers WHERE state = 'available'").await?,
        numbers_assigned: count("SELECT COUNT(*) FROM numbers WHERE state <> 'available'").await?,
        orders: count("SELECT COUNT(*) FROM orders").await?,
        order_lines: count("SELECT COUNT(*) FROM order_lines").await?,
        ledger_rows: count("SELECT COUNT(*) FROM ledger").await?,
        events: count("SELECT COUNT(*) FROM events").await?,
        webhooks: count("SELECT COUNT(*) FROM webhooks").await?,
    })
}
