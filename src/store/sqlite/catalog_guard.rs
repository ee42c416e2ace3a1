//! Catalog changes that never orphan stock.
//!
//! An area's AREA_ID is what its numbers, their orders and customers refer to, and its
//! country, prefix and length are what its numbers were validated against. So while an
//! area holds numbers (in any state), a catalog may rename its AREA_NAME but may not
//! remove it, change its id (a rename of the id is a removal), move it to another
//! country, prefix or length, or stop selling a type it holds numbers of.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::catalog::upsert_catalog;
use crate::domain::catalog::{Area, CatalogData};
use crate::store::{CatalogLoadSummary, StoreError, StoreResult};

/// Problems listed in full before the rest are only counted.
const LISTED: usize = 10;

/// Fails, naming every offending area, when `data` would orphan numbers: by changing a
/// stocked area (always), or by leaving a stocked area or type out (`replacing`).
pub(super) fn check_stocked_areas(
    conn: &Connection,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<()> {
    let incoming: HashMap<&str, &Area> =
        data.areas.iter().map(|a| (a.area_id.as_str(), a)).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT n.area_id, n.did_type, COUNT(*), a.name, a.country_id, a.area_code,
                a.national_number_length
         FROM numbers n JOIN areas a ON a.area_id = n.area_id
         GROUP BY n.area_id, n.did_type ORDER BY n.area_id, n.did_type",
    )?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    while let Some(row) = rows.next()? {
        let area_id: String = row.get(0)?;
        let did_type: String = row.get(1)?;
        let count: i64 = row.get(2)?;
        let name: String = row.get(3)?;
        let stocked = format!("area {area_id} ({name}) holds {count} {did_type} numbers");
        let Some(new) = incoming.get(area_id.as_str()) else {
            if replacing {
                problems.push(format!(
                    "{stocked}: it cannot be removed, nor its AREA_ID renamed"
                ));
            }
            continue;
        };
        let old = (
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, u8>(6)?,
        );
        if (
            new.country_id.as_str(),
            new.area_code.as_str(),
            new.national_number_length,
        ) != (old.0.as_str(), old.1.as_str(), old.2)
        {
            problems.push(format!(
                "{stocked}: its country, prefix and length cannot change (from {} {} {} to {} {} {})",
                old.0, old.1, old.2, new.country_id, new.area_code, new.national_number_length
            ));
        }
        if replacing
            && !new
                .did_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&did_type))
        {
            problems.push(format!("{stocked}: it must keep selling {did_type}"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(LISTED);
    problems.truncate(LISTED);
    let mut message = problems.join("; ");
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    message.push_str("; nothing was changed (move or sell the numbers out first)");
    Err(StoreError::Rejected(message))
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
