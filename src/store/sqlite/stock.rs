//! Stock levels per area and type, read from the trigger-kept `stock_counts` (one row per
//! area, type and state), so `inventory stock` costs the same whatever the stock's size.

use rusqlite::{Connection, params};

use crate::store::{StockFilter, StockLevel, StoreResult};

pub(super) fn stock_levels(
    conn: &Connection,
    filter: &StockFilter,
) -> StoreResult<Vec<StockLevel>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.area_id, a.country_id, a.name, s.did_type,
                SUM(s.n * (s.state = 'available')), SUM(s.n * (s.state = 'active')),
                SUM(s.n * (s.state = 'aging'))
         FROM stock_counts s JOIN areas a ON a.area_id = s.area_id
         WHERE (?1 IS NULL OR a.country_id = ?1) AND (?2 IS NULL OR s.did_type = ?2)
         GROUP BY s.area_id, s.did_type
         HAVING SUM(s.n) > 0
         ORDER BY s.area_id, s.did_type",
    )?;
    let country = filter.country_id.as_ref().map(|c| c.as_str());
    let did_type = filter.did_type.map(|t| t.as_str());
    let levels = stmt.query_map(params![country, did_type], |r| {
        Ok(StockLevel {
            area_id: r.get(0)?,
            country_id: r.get(1)?,
            area_name: r.get(2)?,
            did_type: r.get(3)?,
            available: r.get::<_, i64>(4)? as u64,
            active: r.get::<_, i64>(5)? as u64,
            aging: r.get::<_, i64>(6)? as u64,
        })
    })?;
    Ok(levels.collect::<Result<_, _>>()?)
}
