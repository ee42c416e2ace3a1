//! Staged imports, as in the SQLite store: rows go, batch by batch, into a TEMP table of
//! one pooled connection that the import keeps to itself (private to this process, gone
//! with the session); the commit moves every fresh row into `numbers` with one statement
//! in one transaction. Each batch costs three round trips, whatever its size.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::error::SqlState;

use super::{PostgresStore, begin, describe, finish};
use crate::domain::catalog::CatalogData;
use crate::store::{
    BulkInventory, CatalogLoadSummary, ImportId, StagedOutcome, StagedRow, StockFilter, StockLevel,
    StoreError, StoreResult,
};

/// Import ids are unique in the process, so two imports through one store never mix.
static NEXT_IMPORT: AtomicI64 = AtomicI64::new(1);

const CREATE_STAGING: &str = "
    CREATE TEMP TABLE IF NOT EXISTS staged_numbers (
        import_id    BIGINT NOT NULL,
        e164         TEXT COLLATE \"C\" NOT NULL,
        line         BIGINT NOT NULL,
        area_id      TEXT COLLATE \"C\" NOT NULL,
        did_type     TEXT COLLATE \"C\" NOT NULL,
        rate_plan_id TEXT COLLATE \"C\",
        fresh        BOOLEAN NOT NULL,
        PRIMARY KEY (import_id, e164)
    )";

/// The connections of the imports under way, each holding its staging table.
pub(super) type Imports = tokio::sync::Mutex<HashMap<i64, Object>>;

impl PostgresStore {
    /// The import's own connection, taken out while one call uses it.
    async fn take_import(&self, import: ImportId) -> StoreResult<Object> {
        self.imports
            .lock()
            .await
            .remove(&import.0)
            .ok_or_else(|| StoreError::Backend(format!("import {} is not under way", import.0)))
    }
}

#[async_trait]
impl BulkInventory for PostgresStore {
    async fn begin_import(&self) -> StoreResult<ImportId> {
        let client = self.client().await?;
        client.batch_execute(CREATE_STAGING).await?;
        let import = ImportId(NEXT_IMPORT.fetch_add(1, Ordering::Relaxed));
        self.imports.lock().await.insert(import.0, client);
        Ok(import)
    }

    async fn stage_rows(
        &self,
        import: ImportId,
        rows: Vec<StagedRow>,
    ) -> StoreResult<Vec<StagedOutcome>> {
        let client = self.take_import(import).await?;
        let outcome = stage(&client, import, &rows).await;
        self.imports.lock().await.insert(import.0, client);
        outcome
    }

    async fn commit_import(&self, import: ImportId) -> StoreResult<u64> {
        let mut client = self.take_import(import).await?;
        let tx = begin(&mut client).await?;
        let outcome = commit(&tx, import).await;
        let added = finish(tx, outcome).await;
        if added.is_err() {
            // The import stays under way: it may be abandoned (or committed again).
            self.imports.lock().await.insert(import.0, client);
            return added;
        }
        client
            .execute(
                "DELETE FROM staged_numbers WHERE import_id = $1",
                &[&import.0],
            )
            .await?;
        added
    }

    async fn abandon_import(&self, import: ImportId) -> StoreResult<()> {
        let client = self.take_import(import).await?;
        client
            .execute(
                "DELETE FROM staged_numbers WHERE import_id = $1",
                &[&import.0],
            )
            .await?;
        Ok(())
    }

    async fn stock_levels(&self, filter: StockFilter) -> StoreResult<Vec<StockLevel>> {
        let client = self.client().await?;
        super::stock::stock_levels(&client, &filter).await
    }

    async fn replace_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = super::catalog_guard::replace_catalog(&tx, &data).await;
        finish(tx, outcome).await
    }
}

async fn stage(
    c: &impl GenericClient,
    import: ImportId,
    rows: &[StagedRow],
) -> StoreResult<Vec<StagedOutcome>> {
    let numbers: Vec<&str> = rows.iter().map(|r| r.number.e164.as_str()).collect();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for r in c
        .query(
            "SELECT e164, line FROM staged_numbers WHERE import_id = $1 AND e164 = ANY ($2)",
            &[&import.0, &numbers],
        )
        .await?
    {
        first_line.insert(r.try_get(0)?, r.try_get::<_, i64>(1)? as u64);
    }
    let in_stock: std::collections::HashSet<String> = c
        .query(
            "SELECT e164 FROM numbers WHERE e164 = ANY ($1)",
            &[&numbers],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut staged = Staged::default();
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let n = &row.number;
        if let Some(first) = first_line.get(n.e164.as_str()) {
            outcomes.push(StagedOutcome::DuplicateInFile { first_line: *first });
            continue;
        }
        // A number already in stock is staged too (not fresh), so a later repeat in the
        // file is reported as a duplicate of this line, as it would be without stock.
        let fresh = !in_stock.contains(n.e164.as_str());
        first_line.insert(n.e164.to_string(), row.line);
        staged.push(row, fresh);
        outcomes.push(if fresh {
            StagedOutcome::Fresh
        } else {
            StagedOutcome::AlreadyInStock
        });
    }
    c.execute(
        "INSERT INTO staged_numbers (import_id, e164, line, area_id, did_type, rate_plan_id, fresh)
         SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                                  $7::boolean[])",
        &[
            &import.0,
            &staged.e164,
            &staged.line,
            &staged.area_id,
            &staged.did_type,
            &staged.rate_plan_id,
            &staged.fresh,
        ],
    )
    .await?;
    Ok(outcomes)
}

/// Staged rows as columns, for one UNNEST insert.
#[derive(Default)]
struct Staged {
    e164: Vec<String>,
    line: Vec<i64>,
    area_id: Vec<String>,
    did_type: Vec<String>,
    rate_plan_id: Vec<Option<String>>,
    fresh: Vec<bool>,
}

impl Staged {
    fn push(&mut self, row: &StagedRow, fresh: bool) {
        let n = &row.number;
        self.e164.push(n.e164.to_string());
        self.line.push(row.line as i64);
        self.area_id.push(n.area_id.to_string());
        self.did_type.push(n.did_type.as_str().to_owned());
        self.rate_plan_id
            .push(n.rate_plan_id.as_ref().map(|p| p.to_string()));
        self.fresh.push(fresh);
    }
}

async fn commit(c: &impl GenericClient, import: ImportId) -> StoreResult<u64> {
    c.execute(
        "INSERT INTO numbers (e164, area_id, did_type, stock_rate_plan_id)
         SELECT e164, area_id, did_type, rate_plan_id FROM staged_numbers
         WHERE import_id = $1 AND fresh
         ORDER BY e164",
        &[&import.0],
    )
    .await
    .map_err(|e| {
        let constraint = e.code().is_some_and(|c| {
            *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::FOREIGN_KEY_VIOLATION
        });
        if constraint {
            StoreError::Rejected(format!(
                "a number of this import entered stock (or its area left the catalog) while \
                 the import ran; nothing was added, run the import again ({})",
                describe(&e)
            ))
        } else {
            StoreError::Backend(describe(&e))
        }
    })
}
