//! Catalog changes that never orphan stock, on PostgreSQL: reads what each area holds
//! (from the trigger-kept `stock_counts`, summed over its shards) for the shared rule
//! ([`crate::store::catalog_guard`]), and replaces a catalog.

use deadpool_postgres::GenericClient;

use super::catalog::upsert_catalog;
use crate::domain::catalog::CatalogData;
use crate::store::catalog_guard::{StockedArea, refuse_orphaning};
use crate::store::{CatalogLoadSummary, StoreResult};

/// Refuses `data` when it would orphan numbers (see [`refuse_orphaning`]).
pub(super) async fn check_stocked_areas(
    c: &impl GenericClient,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<()> {
    let rows = c
        .query(
            "SELECT s.area_id, s.did_type, SUM(s.n)::BIGINT, a.name, a.country_id, a.area_code,
                    a.national_number_length
             FROM stock_counts s JOIN areas a ON a.area_id = s.area_id
             GROUP BY s.area_id, s.did_type, a.name, a.country_id, a.area_code,
                      a.national_number_length
             HAVING SUM(s.n) > 0
             ORDER BY s.area_id, s.did_type",
            &[],
        )
        .await?;
    let mut stocked = Vec::with_capacity(rows.len());
    for r in &rows {
        let length: i32 = r.try_get(6)?;
        stocked.push(StockedArea {
            area_id: r.try_get(0)?,
            did_type: r.try_get(1)?,
            count: r.try_get(2)?,
            name: r.try_get(3)?,
            country_id: r.try_get(4)?,
            area_code: r.try_get(5)?,
            national_number_length: u8::try_from(length).unwrap_or(u8::MAX),
        });
    }
    refuse_orphaning(&stocked, data, replacing)
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
