//! Whole tables in and out of PostgreSQL, for `didhub store copy` (see
//! [`crate::store::transfer`]). An export reads every table in one read-only snapshot; an
//! import streams each table with binary `COPY` inside one transaction, converting every
//! value to its column's type, then moves the id sequences past the copied ids.

use std::pin::pin;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use futures_util::TryStreamExt;
use tokio_postgres::Row;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::{PostgresStore, begin, begin_snapshot, finish};
use crate::store::transfer::quote_identifier;
use crate::store::{Cell, StoreError, StoreResult, TableDump, TableSpec, Transfer};

#[async_trait]
impl Transfer for PostgresStore {
    async fn schema_version(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::bigint FROM refinery_schema_history",
                &[],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn table_names(&self) -> StoreResult<Vec<String>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT tablename::text FROM pg_tables
                 WHERE schemaname = current_schema() AND tablename <> 'refinery_schema_history'
                 ORDER BY tablename",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    async fn export_tables(&self, tables: Vec<&'static TableSpec>) -> StoreResult<Vec<TableDump>> {
        let mut client = self.client().await?;
        let snapshot = begin_snapshot(&mut client).await?;
        let outcome = export_all(&snapshot, tables).await;
        finish(snapshot, outcome).await
    }

    async fn import_tables(&self, dump: Vec<TableDump>) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = import_all(&tx, &dump).await;
        finish(tx, outcome).await
    }

    async fn row_count(&self, table: &'static TableSpec) -> StoreResult<u64> {
        let client = self.client().await?;
        let sql = format!("SELECT COUNT(*) FROM {}", table.name);
        Ok(client.query_one(&sql, &[]).await?.try_get::<_, i64>(0)? as u64)
    }
}

async fn export_all(
    c: &impl GenericClient,
    tables: Vec<&'static TableSpec>,
) -> StoreResult<Vec<TableDump>> {
    let mut dumps = Vec::with_capacity(tables.len());
    for table in tables {
        dumps.push(export_table(c, table).await?);
    }
    Ok(dumps)
}

async fn export_table(c: &impl GenericClient, table: &'static TableSpec) -> StoreResult<TableDump> {
    let query = c
        .prepare(&format!(
            "SELECT * FROM {} ORDER BY {}",
            table.name, table.order_by
        ))
        .await?;
    let columns: Vec<String> = query
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    // Streamed: each row becomes cells as it arrives, so only the cells are held.
    let mut stream = pin!(c.query_raw(&query, NO_PARAMETERS).await?);
    let mut rows = Vec::new();
    while let Some(row) = stream.try_next().await? {
        rows.push(
            (0..columns.len())
                .map(|i| cell_of(&row, i, table, &columns[i]))
                .collect::<StoreResult<_>>()?,
        );
    }
    Ok(TableDump {
        table,
        columns,
        rows,
    })
}

fn cell_of(row: &Row, index: usize, table: &TableSpec, column: &str) -> StoreResult<Cell> {
    let ty = row.columns()[index].type_();
    let cell = match *ty {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|v| Cell::Int(v.into())),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|v| Cell::Int(v.into())),
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Cell::Int),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|v| Cell::Int(v.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(index)?.map(Cell::Text)
        }
        _ => {
            return Err(StoreError::Backend(format!(
                "{}.{column} has type {ty}, which store copy does not carry",
                table.name
            )));
        }
    };
    Ok(cell.unwrap_or(Cell::Null))
}

async fn import_all(c: &Transaction<'_>, dump: &[TableDump]) -> StoreResult<()> {
    for table in dump {
        import_table(c, table).await?;
    }
    // Identity columns keep the copied ids; the next id must come after them.
    let identities = c
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
            &[],
        )
        .await?;
    for row in identities {
        let (table, column): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({}), 0) + 1, false)
             FROM {}",
            quote_identifier(&column),
            quote_identifier(&table)
        );
        c.query_one(&sql, &[&table, &column]).await?;
    }
    Ok(())
}

async fn import_table(c: &Transaction<'_>, dump: &TableDump) -> StoreResult<()> {
    let columns = dump
        .columns
        .iter()
        .map(|c| quote_identifier(c))
        .collect::<Vec<_>>()
        .join(", ");
    let shape = c
        .prepare(&format!(
            "SELECT {columns} FROM {} LIMIT 0",
            dump.table.name
        ))
        .await?;
    let types: Vec<Type> = shape.columns().iter().map(|c| c.type_().clone()).collect();
    let sink = c
        .copy_in(&format!(
            "COPY {} ({columns}) FROM STDIN (FORMAT binary)",
            dump.table.name
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for row in &dump.rows {
        let values = row
            .iter()
            .zip(&types)
            .zip(&dump.columns)
            .map(|((cell, ty), column)| typed_value(cell, ty, dump.table.name, column))
            .collect::<StoreResult<Vec<_>>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer.as_mut().write(&refs).await?;
    }
    writer.finish().await?;
    Ok(())
}

type Value = Box<dyn ToSql + Sync + Send>;

const NO_PARAMETERS: [&(dyn ToSql + Sync); 0] = [];

/// `cell` as a value of the column's type; an integer that does not fit is an error.
fn typed_value(cell: &Cell, ty: &Type, table: &str, column: &str) -> StoreResult<Value> {
    let wrong = || {
        StoreError::Backend(format!(
            "{table}.{column}: {cell:?} does not fit the column's type {ty}"
        ))
    };
    let int = |cell: &Cell| match cell {
        Cell::Int(i) => Ok(Some(*i)),
        Cell::Null => Ok(None),
        Cell::Text(_) => Err(wrong()),
    };
    Ok(match *ty {
        Type::INT2 => Box::new(
            int(cell)?
                .map(i16::try_from)
                .transpose()
                .map_err(|_| wrong())?,
        ),
        Type::INT4 => Box::new(
            int(cell)?
                .map(i32::try_from)
                .transpose()
                .map_err(|_| wrong())?,
        ),
        Type::INT8 => Box::new(int(cell)?),
        Type::BOOL => Box::new(match int(cell)? {
            None => None,
            Some(0) => Some(false),
            Some(1) => Some(true),
            Some(_) => return Err(wrong()),
        }),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR => Box::new(match cell {
            Cell::Text(t) => Some(t.clone()),
            Cell::Null => None,
            Cell::Int(_) => return Err(wrong()),
        }),
        _ => return Err(wrong()),
    })
}
