//! Whole tables in and out of the SQLite file, for `didhub store copy` (see
//! [`crate::store::transfer`]). An export reads every table inside one read transaction,
//! so it is one snapshot; an import runs on the writer, in one transaction.

use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::{Value, ValueRef};

use super::SqliteStore;
use crate::store::transfer::quote_identifier;
use crate::store::{Cell, StoreError, StoreResult, TableDump, TableSpec, Transfer};

#[async_trait]
impl Transfer for SqliteStore {
    async fn schema_version(&self) -> StoreResult<i64> {
        self.reads
            .read(|conn| {
                Ok(conn.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
    }

    async fn table_names(&self) -> StoreResult<Vec<String>> {
        self.reads
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                       AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'
                     ORDER BY name",
                )?;
                let names = stmt.query_map([], |r| r.get(0))?;
                Ok(names.collect::<Result<Vec<String>, _>>()?)
            })
            .await
    }

    async fn export_tables(&self, tables: Vec<&'static TableSpec>) -> StoreResult<Vec<TableDump>> {
        self.reads
            // Every read is one read transaction: the tables come from one snapshot.
            .read(move |conn| {
                tables
                    .into_iter()
                    .map(|table| export_table(conn, table))
                    .collect::<StoreResult<Vec<_>>>()
            })
            .await
    }

    async fn import_tables(&self, dump: Vec<TableDump>) -> StoreResult<()> {
        self.writer
            .write(move |conn| {
                for table in &dump {
                    import_table(conn, table)?;
                }
                Ok(())
            })
            .await
    }

    async fn row_count(&self, table: &'static TableSpec) -> StoreResult<u64> {
        self.reads
            .read(move |conn| {
                let sql = format!("SELECT COUNT(*) FROM {}", table.name);
                Ok(conn.query_row(&sql, [], |r| r.get::<_, i64>(0))? as u64)
            })
            .await
    }
}

fn export_table(conn: &Connection, table: &'static TableSpec) -> StoreResult<TableDump> {
    let mut stmt = conn.prepare(&format!(
        "SELECT * FROM {} ORDER BY {}",
        table.name, table.order_by
    ))?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut cursor = stmt.query([])?;
    while let Some(row) = cursor.next()? {
        let mut cells = Vec::with_capacity(width);
        for (index, column) in columns.iter().enumerate() {
            cells.push(match row.get_ref(index)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(i) => Cell::Int(i),
                ValueRef::Text(t) => Cell::Text(
                    String::from_utf8(t.to_vec())
                        .map_err(|e| StoreError::Backend(format!("{}: {e}", table.name)))?,
                ),
                other => {
                    return Err(StoreError::Backend(format!(
                        "{}.{column} holds an unexpected {:?}",
                        table.name,
                        other.data_type()
                    )));
                }
            });
        }
        rows.push(cells);
    }
    Ok(TableDump {
        table,
        columns,
        rows,
    })
}

fn import_table(conn: &Connection, dump: &TableDump) -> StoreResult<()> {
    let columns: Vec<String> = dump.columns.iter().map(|c| quote_identifier(c)).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let mut insert = conn.prepare(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        dump.table.name,
        columns.join(", "),
        placeholders.join(", ")
    ))?;
    for row in &dump.rows {
        let values = row.iter().map(|cell| match cell {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::Integer(*i),
            Cell::Text(t) => Value::Text(t.clone()),
        });
        insert.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}
