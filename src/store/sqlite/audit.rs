//! The invariant audit behind `didhub check` (the rules are shared with PostgreSQL, see
//! [`crate::store::audit_rules`]), and row counts.

use async_trait::async_trait;
use rusqlite::Connection;

use super::SqliteStore;
use crate::store::audit_rules::RULES;
use crate::store::{Audit, StoreCounts, StoreResult, Violation};

#[async_trait]
impl Audit for SqliteStore {
    async fn audit(&self) -> StoreResult<Vec<Violation>> {
        self.reads.read(run_rules).await
    }

    async fn counts(&self) -> StoreResult<StoreCounts> {
        self.reads
            .read(|conn| {
                let count = |sql: &str| -> StoreResult<u64> {
                    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
                };
                Ok(StoreCounts {
                    accounts: count("SELECT COUNT(*) FROM accounts")?,
                    numbers_available: count(
                        "SELECT COUNT(*) FROM numbers WHERE state = 'available'",
                    )?,
                    numbers_assigned: count(
                        "SELECT COUNT(*) FROM numbers WHERE state <> 'available'",
                    )?,
                    orders: count("SELECT COUNT(*) FROM orders")?,
                    order_lines: count("SELECT COUNT(*) FROM order_lines")?,
                    ledger_rows: count("SELECT COUNT(*) FROM ledger")?,
                    events: count("SELECT COUNT(*) FROM events")?,
                    webhooks: count("SELECT COUNT(*) FROM webhooks")?,
                })
            })
            .await
    }
}

fn run_rules(conn: &Connection) -> StoreResult<Vec<Violation>> {
    let mut violations = Vec::new();
    for (rule, sql) in RULES {
        let mut stmt = conn.prepare(sql)?;
        for detail in stmt.query_map([], |r| r.get::<_, String>(0))? {
            violations.push(Violation {
                rule,
                detail: detail?,
            });
        }
    }
    Ok(violations)
}
