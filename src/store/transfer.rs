//! Moving a whole didhub database between backends (`didhub store copy`), and the
//! backend-neutral table dump it is built on.
//!
//! [`TABLES`] names every table in foreign-key order with a deterministic row order, so
//! a dump reads the same from SQLite and PostgreSQL and imports parents before children.
//! [`copy_database`] refuses unless both databases are at the same schema version and the
//! target is empty, imports in one transaction, then proves the copy: every table of the
//! target, read back, equals the source's dump, the counts agree, and the audit passes.

use super::{Store, StoreCounts, StoreError, StoreResult, Violation};

/// A table and the order its rows are read in.
#[derive(Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub name: &'static str,
    /// The ORDER BY clause: the primary key, so dumps compare row by row (main accounts
    /// come before their sub-accounts, which reference them).
    pub order_by: &'static str,
}

const fn spec(name: &'static str, order_by: &'static str) -> TableSpec {
    TableSpec { name, order_by }
}

/// Every table of the schema (migrations V1 to V13) that holds data of its own, parents
/// before children. A table added by a migration must be added here or to
/// [`DERIVED_TABLES`]: [`copy_database`] refuses a database with a table it does not
/// know rather than leave it behind.
pub const TABLES: &[TableSpec] = &[
    spec("countries", "country_id"),
    spec("states", "state_id"),
    spec("areas", "area_id"),
    spec("area_did_types", "area_id, did_type"),
    spec("rate_plans", "rate_plan_id"),
    spec("area_prices", "area_id, rate_plan_id"),
    spec("country_prices", "country_id, did_type, rate_plan_id"),
    spec(
        "accounts",
        "parent_account_number IS NOT NULL, account_number",
    ),
    spec("api_keys", "key_hash"),
    spec("orders", "order_id"),
    spec("numbers", "e164"),
    spec("order_lines", "order_id, e164"),
    spec("ledger", "entry_id"),
    spec("billing_periods", "order_id, e164, starts_at"),
    spec("number_events", "event_id"),
    spec("events", "seq"),
    spec("webhooks", "webhook_id"),
    spec("deliveries", "delivery_id"),
    spec("idempotency_keys", "account_number, idempotency_key"),
    spec("routing_tokens", "token_hash"),
    spec("sms_prices", "country_id"),
    spec("sms_messages", "sms_id"),
];

/// Tables the database keeps itself from the others (by triggers): a copy does not move
/// them, the target's triggers rebuild them as the rows arrive (the audit after the copy
/// checks the stock counts; the credentials version only has to move, not match).
pub const DERIVED_TABLES: &[&str] = &["stock_counts", "credentials_version", "routing_version"];

/// The spec of a table by name.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// One value. Booleans travel as 0 and 1, as SQLite stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A table's columns and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDump {
    pub table: &'static TableSpec,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl TableDump {
    /// The values of one column, row by row.
    pub fn column(&self, name: &str) -> Option<impl Iterator<Item = &Cell>> {
        let index = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().map(move |row| &row[index]))
    }
}

/// What a verified copy did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    pub schema_version: i64,
    /// Rows copied per table, in copy order.
    pub tables: Vec<(String, u64)>,
    pub counts: StoreCounts,
    /// What `didhub check` finds on the target (empty: the copy is sound).
    pub violations: Vec<Violation>,
}

/// Copies every row of `source` into the empty `target` and verifies the result. The
/// source must not change meanwhile (stop its servers first).
pub async fn copy_database(source: &dyn Store, target: &dyn Store) -> StoreResult<CopyReport> {
    let version = source.schema_version().await?;
    let target_version = target.schema_version().await?;
    if version != target_version {
        return Err(StoreError::Rejected(format!(
            "the source is at schema version {version} but the target at {target_version}; \
             run the same didhub version on both"
        )));
    }
    for (side, store) in [("source", source), ("target", target)] {
        for name in store.table_names().await? {
            if table(&name).is_none() && !DERIVED_TABLES.contains(&name.as_str()) {
                return Err(StoreError::Rejected(format!(
                    "the {side} has a table '{name}' that store copy does not know; \
                     nothing was copied"
                )));
            }
        }
    }
    for table in TABLES {
        let rows = target.row_count(table).await?;
        if rows > 0 {
            return Err(StoreError::Rejected(format!(
                "the target is not empty ({rows} rows in {}); copy into a new database",
                table.name
            )));
        }
    }
    let all: Vec<&'static TableSpec> = TABLES.iter().collect();
    let empty_target = target.export_tables(all.clone()).await?;
    let dump = source.export_tables(all.clone()).await?;
    for (theirs, ours) in dump.iter().zip(&empty_target) {
        if !same_columns(&theirs.columns, &ours.columns) {
            return Err(StoreError::Rejected(format!(
                "table {} has columns ({}) in the source but ({}) in the target",
                theirs.table.name,
                theirs.columns.join(", "),
                ours.columns.join(", ")
            )));
        }
    }
    let tables = dump
        .iter()
        .map(|t| (t.table.name.to_owned(), t.rows.len() as u64))
        .collect();
    target.import_tables(dump).await?;
    verify_copy(source, target).await?;
    Ok(CopyReport {
        schema_version: version,
        tables,
        counts: target.counts().await?,
        violations: target.audit().await?,
    })
}

/// A column name as a double-quoted SQL identifier (both backends read it the same way).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// Reads both databases back, a table at a time: every table of the target must equal
/// the source's, value by value, and the counts must agree.
async fn verify_copy(source: &dyn Store, target: &dyn Store) -> StoreResult<()> {
    for table in TABLES {
        let expected = source.export_tables(vec![table]).await?.remove(0);
        let copied = target.export_tables(vec![table]).await?.remove(0);
        if copied.rows.len() != expected.rows.len() {
            return Err(StoreError::Backend(format!(
                "copy verification failed: {} has {} rows in the target, {} in the source",
                table.name,
                copied.rows.len(),
                expected.rows.len()
            )));
        }
        if let Some((index, was, became)) = first_difference(&expected, &copied) {
            return Err(StoreError::Backend(format!(
                "copy verification failed: row {} of {} differs: {was:?} became {became:?}",
                index + 1,
                table.name,
            )));
        }
    }
    let (before, after) = (source.counts().await?, target.counts().await?);
    if before != after {
        return Err(StoreError::Backend(format!(
            "copy verification failed: counts {before:?} became {after:?}"
        )));
    }
    Ok(())
}

/// The first row (index, expected, actual) where `actual` differs from `expected`,
/// matching columns by name (the two backends may list them in another order).
fn first_difference(
    expected: &TableDump,
    actual: &TableDump,
) -> Option<(usize, Vec<Cell>, Vec<Cell>)> {
    let positions: Vec<Option<usize>> = expected
        .columns
        .iter()
        .map(|c| actual.columns.iter().position(|a| a == c))
        .collect();
    let in_expected_order = |row: &[Cell]| -> Vec<Cell> {
        positions
            .iter()
            .map(|p| p.map_or(Cell::Null, |i| row[i].clone()))
            .collect()
    };
    expected
        .rows
        .iter()
        .zip(&actual.rows)
        .enumerate()
        .find(|(_, (want, got))| {
            positions.len() != got.len()
                || positions
                    .iter()
                    .zip(want.iter())
                    .any(|(p, cell)| p.is_none_or(|i| &got[i] != cell))
        })
        .map(|(index, (want, got))| (index, want.clone(), in_expected_order(got)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_listed_once_and_found_by_name() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        assert_eq!(table("numbers").unwrap().order_by, "e164");
        assert!(table("refinery_schema_history").is_none());
        assert!(DERIVED_TABLES.iter().all(|name| table(name).is_none()));
    }

    #[test]
    fn columns_are_compared_as_sets_and_rows_by_column_name() {
        let a = vec!["x".to_owned(), "y".to_owned()];
        let b = vec!["y".to_owned(), "x".to_owned()];
        assert!(same_columns(&a, &b));
        assert!(!same_columns(&a, &a[..1]));
        let dump = |columns: &[String], rows: Vec<Vec<Cell>>| TableDump {
            table: table("numbers").unwrap(),
            columns: columns.to_vec(),
            rows,
        };
        let one = || Cell::Text("one".into());
        let expected = dump(
            &a,
            vec![vec![one(), Cell::Int(2)], vec![Cell::Null, Cell::Int(3)]],
        );
        let same = dump(
            &b,
            vec![vec![Cell::Int(2), one()], vec![Cell::Int(3), Cell::Null]],
        );
        assert_eq!(first_difference(&expected, &same), None);
        let changed = dump(
            &b,
            vec![vec![Cell::Int(2), one()], vec![Cell::Int(4), Cell::Null]],
        );
        assert_eq!(
            first_difference(&expected, &changed),
            Some((
                1,
                vec![Cell::Null, Cell::Int(3)],
                vec![Cell::Null, Cell::Int(4)]
            ))
        );
    }
}
