//! Catalog changes that never orphan stock (the rules of SQLite's `catalog_guard.rs`):
//! while an area holds numbers, a catalog may rename its AREA_NAME but may not remove it,
//! change its id, country, prefix or length, or stop selling a type it holds numbers of.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;

use super::catalog::upsert_catalog;
use crate::domain::catalog::{Area, CatalogData};
use crate::store::{CatalogLoadSummary, StoreError, StoreResult};

/// Problems listed in full before the rest are only counted.
const LISTED: usize = 10;

/// Fails, naming every offending area, when `data` would orphan numbers: by changing a
/// stocked area (always), or by leaving a stocked area or type out (`replacing`).
pub(super) async fn check_stocked_areas(
    c: &impl GenericClient,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<()> {
    let incoming: HashMap<&str, &Area> =
        data.areas.iter().map(|a| (a.area_id.as_str(), a)).collect();
    let rows = c
        .query(
            "SELECT n.area_id, n.did_type, COUNT(*), a.name, a.country_id, a.area_code,
                    a.national_number_length
             FROM numbers n JOIN areas a ON a.area_id = n.area_id
             GROUP BY n.area_id, n.did_type, a.name, a.country_id, a.area_code,
                      a.national_number_length
             ORDER BY n.area_id, n.did_type",
            &[],
        )
        .await?;
    let mut problems = Vec::new();
    for row in &rows {
        let area_id: String = row.try_get(0)?;
        let did_type: String = row.try_get(1)?;
        let count: i64 = row.try_get(2)?;
        let name: String = row.try_get(3)?;
        let stocked = format!("area {area_id} ({name}) holds {count} {did_type} numbers");
        let Some(new) = incoming.get(area_id.as_str()) else {
            if replacing {
                problems.push(format!(
                    "{stocked}: it cannot be removed, nor its AREA_ID renamed"
                ));
            }
            continue;
        };
        let old: (String, String, i32) = (row.try_get(4)?, row.try_get(5)?, row.try_get(6)?);
        let new_length = i32::from(new.national_number_length);
        if (new.country_id.as_str(), new.area_code.as_str(), new_length)
            != (old.0.as_str(), old.1.as_str(), old.2)
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

/// Upserts `data`, then removes the areas (and types) it leaves out, with their prices;
/// in the caller's transaction, so a refusal changes nothing.
pub(super) async fn replace_catalog(
    c: &impl GenericClient,
    data: &CatalogData,
) -> StoreResult<CatalogLoadSummary> {
    let mut summary = upsert_catalog(c, data, true).await?;
    let (areas, types): (Vec<String>, Vec<String>) = data
        .areas
        .iter()
        .flat_map(|a| {
            a.did_types
                .iter()
                .map(|t| (a.area_id.clone(), t.to_ascii_uppercase()))
        })
        .unzip();
    c.execute(
        "DELETE FROM area_did_types d WHERE NOT EXISTS (
           SELECT 1 FROM UNNEST($1::text[], $2::text[]) AS k (area_id, did_type)
           WHERE k.area_id = d.area_id AND k.did_type = d.did_type)",
        &[&areas, &types],
    )
    .await?;
    c.execute(
        "DELETE FROM area_prices WHERE area_id <> ALL ($1::text[])",
        &[&areas],
    )
    .await?;
    summary.removed_areas = c
        .execute(
            "DELETE FROM areas WHERE area_id <> ALL ($1::text[])",
            &[&areas],
        )
        .await? as usize;
    Ok(summary)
}
