//! Staged imports: rows go, batch by batch, into a TEMP table of the writer's
//! connection (private to this process, gone if it dies, spilled to disk by SQLite so
//! memory stays bounded); the commit moves every fresh row into `numbers` in one
//! transaction, in chunks of [`COMMIT_CHUNK`] rows.

use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::SqliteStore;
use crate::domain::catalog::CatalogData;
use crate::store::{
    BulkInventory, CatalogLoadSummary, ImportId, StagedOutcome, StagedRow, StockFilter, StockLevel,
    StoreError, StoreResult,
};

/// Import ids are unique in the process, so two imports through one store never mix.
static NEXT_IMPORT: AtomicI64 = AtomicI64::new(1);

const CREATE_STAGING: &str = "
    CREATE TEMP TABLE IF NOT EXISTS staged_numbers (
        import_id    INTEGER NOT NULL,
        e164         TEXT NOT NULL,
        line         INTEGER NOT NULL,
        area_id      TEXT NOT NULL,
        did_type     TEXT NOT NULL,
        rate_plan_id TEXT,
        fresh        INTEGER NOT NULL,
        PRIMARY KEY (import_id, e164)
    ) WITHOUT ROWID";

#[async_trait]
impl BulkInventory for SqliteStore {
    async fn begin_import(&self) -> StoreResult<ImportId> {
        let import = ImportId(NEXT_IMPORT.fetch_add(1, Ordering::Relaxed));
        self.writer
            .write(move |conn| Ok(conn.execute_batch(CREATE_STAGING)?))
            .await?;
        Ok(import)
    }

    async fn stage_rows(
        &self,
        import: ImportId,
        rows: Vec<StagedRow>,
    ) -> StoreResult<Vec<StagedOutcome>> {
        self.writer
            .write(move |conn| stage(conn, import, &rows))
            .await
    }

    async fn commit_import(&self, import: ImportId) -> StoreResult<u64> {
        self.writer.write(move |conn| commit(conn, import)).await
    }

    async fn abandon_import(&self, import: ImportId) -> StoreResult<()> {
        self.writer
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM temp.staged_numbers WHERE import_id = ?1",
                    [import.0],
                )?;
                Ok(())
            })
            .await
    }

    async fn stock_levels(&self, filter: StockFilter) -> StoreResult<Vec<StockLevel>> {
        self.reads
            .read(move |conn| super::stock::stock_levels(conn, &filter))
            .await
    }

    async fn replace_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary> {
        self.writer
            .write(move |conn| super::catalog_guard::replace_catalog(conn, &data))
            .await
    }
}

fn stage(
    conn: &Connection,
    import: ImportId,
    rows: &[StagedRow],
) -> StoreResult<Vec<StagedOutcome>> {
    let mut first_line = conn.prepare_cached(
        "SELECT line FROM temp.staged_numbers WHERE import_id = ?1 AND e164 = ?2",
    )?;
    let mut in_stock = conn.prepare_cached("SELECT 1 FROM main.numbers WHERE e164 = ?1")?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO temp.staged_numbers (import_id, e164, line, area_id, did_type,
           rate_plan_id, fresh) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let n = &row.number;
        let earlier: Option<i64> = first_line
            .query_row(params![import.0, n.e164.as_str()], |r| r.get(0))
            .optional()?;
        if let Some(first_line) = earlier {
            outcomes.push(StagedOutcome::DuplicateInFile {
                first_line: first_line as u64,
            });
            continue;
        }
        // A number already in stock is staged too (not fresh), so a later repeat in the
        // file is reported as a duplicate of this line, as it would be without stock.
        let fresh = !in_stock.exists([n.e164.as_str()])?;
        insert.execute(params![
            import.0,
            n.e164.as_str(),
            row.line as i64,
            n.area_id.as_str(),
            n.did_type.as_str(),
            n.rate_plan_id.as_ref().map(|p| p.as_str()),
            fresh
        ])?;
        outcomes.push(if fresh {
            StagedOutcome::Fresh
        } else {
            StagedOutcome::AlreadyInStock
        });
    }
    Ok(outcomes)
}

/// Fresh rows move into `numbers` this many at a time. `numbers` has triggers (the stock
/// counts), so SQLite materializes an `INSERT ... SELECT`'s whole result before inserting
/// it; chunks keep that copy, and memory, small whatever the file's size.
const COMMIT_CHUNK: i64 = 10_000;

fn commit(conn: &Connection, import: ImportId) -> StoreResult<u64> {
    let mut chunk_end = conn.prepare_cached(
        "SELECT MAX(e164) FROM (SELECT e164 FROM temp.staged_numbers
           WHERE import_id = ?1 AND fresh AND e164 > ?2 ORDER BY e164 LIMIT CAST(?3 AS INTEGER))",
    )?;
    // In e164 order, so the numbers' index is filled in order.
    let mut insert = conn.prepare_cached(
        "INSERT INTO main.numbers (e164, area_id, did_type, stock_rate_plan_id)
         SELECT e164, area_id, did_type, rate_plan_id FROM temp.staged_numbers
         WHERE import_id = ?1 AND fresh AND e164 > ?2 AND e164 <= ?3
         ORDER BY e164",
    )?;
    let mut added = 0u64;
    let mut after = String::new();
    while let Some(last) = chunk_end.query_row(params![import.0, after, COMMIT_CHUNK], |r| {
        r.get::<_, Option<String>>(0)
    })? {
        added += insert
            .execute(params![import.0, after, last])
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => StoreError::Rejected(format!(
                    "a number of this import entered stock (or its area left the catalog) \
                     while the import ran; nothing was added, run the import again ({e})"
                )),
                _ => e.into(),
            })? as u64;
        after = last;
    }
    conn.execute(
        "DELETE FROM temp.staged_numbers WHERE import_id = ?1",
        [import.0],
    )?;
    Ok(added)
}
