//! Catalog changes that never orphan stock, on SQLite: reads what each area holds (from
//! the trigger-kept `stock_counts`) for the shared rule
//! ([`crate::store::catalog_guard`]), and replaces a catalog.

use rusqlite::{Connection, params};

use super::catalog::upsert_catalog;
use crate::domain::catalog::CatalogData;
use crate::store::catalog_guard::{StockedArea, refuse_orphaning};
use crate::store::{CatalogLoadSummary, StoreResult};

/// Refuses `data` when it would orphan numbers (see [`refuse_orphaning`]).
pub(super) fn check_stocked_areas(
    conn: &Connection,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.area_id, s.did_type, SUM(s.n), a.name, a.country_id, a.area_code,
                a.national_number_length
         FROM stock_counts s JOIN areas a ON a.area_id = s.area_id
         GROUP BY s.area_id, s.did_type HAVING SUM(s.n) > 0
         ORDER BY s.area_id, s.did_type",
    )?;
    let stocked = stmt
        .query_map([], |r| {
            Ok(StockedArea {
                area_id: r.get(0)?,
                did_type: r.get(1)?,
                count: r.get(2)?,
                name: r.get(3)?,
                country_id: r.get(4)?,
                area_code: r.get(5)?,
                national_number_length: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    refuse_orphaning(&stocked, data, replacing)
}

/// Upserts `data`, then removes the areas (and types) it leaves out, with their prices.
/// The whole runs in one writer command, so a refusal changes nothing.
pub(super) fn replace_catalog(
    conn: &Connection,
    data: &CatalogData,
) -> StoreResult<CatalogLoadSummary> {
    let mut summary = upsert_catalog(conn, data, true)?;
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS catalog_area_types (
             area_id TEXT NOT NULL, did_type TEXT NOT NULL, PRIMARY KEY (area_id, did_type)
         ) WITHOUT ROWID;
         DELETE FROM temp.catalog_area_types;",
    )?;
    let mut keep = conn.prepare_cached(
        "INSERT OR IGNORE INTO temp.catalog_area_types (area_id, did_type) VALUES (?1, ?2)",
    )?;
    for area in &data.areas {
        for did_type in &area.did_types {
            keep.execute(params![area.area_id, did_type.to_ascii_uppercase()])?;
        }
    }
    conn.execute_batch(
        "DELETE FROM area_did_types WHERE NOT EXISTS (
             SELECT 1 FROM temp.catalog_area_types k
             WHERE k.area_id = area_did_types.area_id AND k.did_type = area_did_types.did_type);
         DELETE FROM area_prices
             WHERE area_id NOT IN (SELECT area_id FROM temp.catalog_area_types);",
    )?;
    summary.removed_areas = conn.execute(
        "DELETE FROM areas WHERE area_id NOT IN (SELECT area_id FROM temp.catalog_area_types)",
        [],
    )?;
    conn.execute_batch("DELETE FROM temp.catalog_area_types")?;
    Ok(summary)
}
