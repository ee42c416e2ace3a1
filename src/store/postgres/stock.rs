//! Stock levels per area and type, read from the trigger-kept `stock_counts` (summed over
//! its shards), so `inventory stock` costs the same whatever the stock's size.

use deadpool_postgres::GenericClient;

use crate::store::{StockFilter, StockLevel, StoreResult};

pub(super) async fn stock_levels(
    c: &impl GenericClient,
    filter: &StockFilter,
) -> StoreResult<Vec<StockLevel>> {
    let query = c
        .prepare_cached(
            "SELECT s.area_id, a.country_id, a.name, s.did_type,
                    COALESCE(SUM(s.n) FILTER (WHERE s.state = 'available'), 0)::BIGINT,
                    COALESCE(SUM(s.n) FILTER (WHERE s.state = 'active'), 0)::BIGINT,
                    COALESCE(SUM(s.n) FILTER (WHERE s.state = 'aging'), 0)::BIGINT
             FROM stock_counts s JOIN areas a ON a.area_id = s.area_id
             WHERE ($1::text IS NULL OR a.country_id = $1) AND ($2::text IS NULL OR s.did_type = $2)
             GROUP BY s.area_id, a.country_id, a.name, s.did_type
             HAVING SUM(s.n) > 0
             ORDER BY s.area_id, s.did_type",
        )
        .await?;
    let country = filter.country_id.as_ref().map(|c| c.as_str());
    let did_type = filter.did_type.map(|t| t.as_str());
    let rows = c.query(&query, &[&country, &did_type]).await?;
    rows.iter()
        .map(|r| {
            Ok(StockLevel {
                area_id: r.try_get(0)?,
                country_id: r.try_get(1)?,
                area_name: r.try_get(2)?,
                did_type: r.try_get(3)?,
                available: r.try_get::<_, i64>(4)? as u64,
                active: r.try_get::<_, i64>(5)? as u64,
                aging: r.try_get::<_, i64>(6)? as u64,
            })
        })
        .collect()
}
