//! `didhub store copy --from URL --to URL`: moves a whole database between backends
//! (SQLite to PostgreSQL is the upgrade path), then verifies the copy and audits it.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::config::redact_url;
use crate::store::transfer::copy_database;
use crate::store::{self, StoreOptions};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every row of one database into a new, empty one, verify it and audit it.
    /// Stop every process writing to the source first.
    Copy {
        /// The database to read, e.g. sqlite:///var/lib/didhub/didhub.db.
        #[arg(long)]
        from: String,
        /// The empty database to fill, e.g. postgres://didhub@db/didhub (migrated first).
        #[arg(long)]
        to: String,
    },
}

pub async fn run(command: StoreCommand, pool_size: u32) -> anyhow::Result<Report> {
    match command {
        StoreCommand::Copy { from, to } => {
            if from == to {
                anyhow::bail!("--from and --to name the same database");
            }
            let options = StoreOptions {
                pool_size,
                ..StoreOptions::default()
            };
            let source = store::open(&from, options.clone())
                .await
                .map_err(|e| anyhow::anyhow!("--from {}: {e}", redact_url(&from)))?;
            let target = store::open(&to, options)
                .await
                .map_err(|e| anyhow::anyhow!("--to {}: {e}", redact_url(&to)))?;
            let copied = copy_database(source.as_ref(), target.as_ref()).await;
            source.close().await;
            target.close().await;
            let report = copied?;
            let mut text = String::new();
            for (table, rows) in &report.tables {
                text.push_str(&format!("{table:<16} {rows} rows\n"));
            }
            text.push_str(&format!(
                "copied schema version {} from {} to {}; every table reads back identical\n",
                report.schema_version,
                redact_url(&from),
                redact_url(&to)
            ));
            for v in &report.violations {
                text.push_str(&format!("VIOLATION {}: {}\n", v.rule, v.detail));
            }
            if report.violations.is_empty() {
                text.push_str("check: ok\n");
            }
            let tables: serde_json::Map<String, serde_json::Value> = report
                .tables
                .iter()
                .map(|(table, rows)| (table.clone(), json!(rows)))
                .collect();
            Ok(Report {
                json: json!({
                    "copied": true,
                    "schema_version": report.schema_version,
                    "tables": tables,
                    "counts": report.counts,
                    "ok": report.violations.is_empty(),
                    "violations": report.violations,
                }),
                text,
                success: report.violations.is_empty(),
            })
        }
    }
}
