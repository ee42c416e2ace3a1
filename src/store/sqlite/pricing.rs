//! Pricing storage: country defaults (`country_prices`), area prices (`area_prices`)
//! and the plans priced in an area (the order path resolves one plan's price with the
//! same rule in `orders::ORDER_TERMS`).

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, params};

use super::SqliteStore;
use crate::domain::catalog::{AreaPrice, PlanPrice, RatePlan};
use crate::domain::pricing::{CountryPrice, PriceList};
use crate::domain::{AreaId, DidType};
use crate::store::{PriceImportSummary, Pricing, StoreError, StoreResult};

/// Plans priced in an area for a type: the area's own price, else the country's default.
const AREA_PLANS: &str = "
    SELECT p.rate_plan_id, p.name,
           COALESCE(ap.monthly100, cp.monthly100), COALESCE(ap.setup100, cp.setup100)
    FROM areas a
    JOIN area_did_types t ON t.area_id = a.area_id AND t.did_type = ?2
    JOIN rate_plans p
    LEFT JOIN area_prices ap ON ap.area_id = a.area_id AND ap.rate_plan_id = p.rate_plan_id
    LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = ?2
                               AND cp.rate_plan_id = p.rate_plan_id
    WHERE a.area_id = ?1
      AND (ap.area_id IS NOT NULL OR cp.country_id IS NOT NULL)
    ORDER BY p.rate_plan_id";

#[async_trait]
impl Pricing for SqliteStore {
    async fn rate_plans(&self) -> StoreResult<Vec<RatePlan>> {
        self.reads
            .read(|conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT rate_plan_id, name FROM rate_plans ORDER BY 1")?;
                let plans = stmt.query_map([], |r| {
                    Ok(RatePlan {
                        rate_plan_id: r.get(0)?,
                        name: r.get(1)?,
                    })
                })?;
                Ok(plans.collect::<Result<_, _>>()?)
            })
            .await
    }

    async fn area_plans(&self, area_id: &AreaId, did_type: DidType) -> StoreResult<Vec<PlanPrice>> {
        let area_id = area_id.as_str().to_owned();
        self.reads
            .read(move |conn| area_plan_prices(conn, &area_id, did_type))
            .await
    }

    async fn import_prices(&self, prices: PriceList) -> StoreResult<PriceImportSummary> {
        self.writer
            .write(move |conn| {
                upsert_country_prices(conn, &prices.country_prices)?;
                upsert_area_prices(conn, &prices.area_prices)?;
                Ok(PriceImportSummary {
                    country_prices: prices.country_prices.len(),
                    area_prices: prices.area_prices.len(),
                })
            })
            .await
    }

    async fn export_prices(&self) -> StoreResult<PriceList> {
        self.reads.read(read_price_list).await
    }
}

/// The plans priced in an area for a type.
pub(super) fn area_plan_prices(
    conn: &Connection,
    area_id: &str,
    did_type: DidType,
) -> StoreResult<Vec<PlanPrice>> {
    let mut stmt = conn.prepare_cached(AREA_PLANS)?;
    let plans = stmt.query_map(params![area_id, did_type.as_str()], |r| {
        Ok(PlanPrice {
            rate_plan_id: r.get(0)?,
            rate_plan_name: r.get(1)?,
            monthly100: r.get(2)?,
            setup100: r.get(3)?,
        })
    })?;
    Ok(plans.collect::<Result<_, _>>()?)
}

pub(super) fn upsert_country_prices(conn: &Connection, prices: &[CountryPrice]) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO country_prices (country_id, did_type, rate_plan_id, monthly100, setup100)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (country_id, did_type, rate_plan_id) DO UPDATE SET
           monthly100 = excluded.monthly100, setup100 = excluded.setup100",
    )?;
    for p in prices {
        let did_type = DidType::parse("did_type", &p.did_type)?;
        stmt.execute(params![
            p.country_id,
            did_type.as_str(),
            p.rate_plan_id,
            p.monthly100,
            p.setup100
        ])
        .map_err(|e| {
            rejected(
                e,
                &format!("{} / {} / {}", p.country_id, p.did_type, p.rate_plan_id),
            )
        })?;
    }
    Ok(())
}

fn upsert_area_prices(conn: &Connection, prices: &[AreaPrice]) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO area_prices (area_id, rate_plan_id, monthly100, setup100)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (area_id, rate_plan_id) DO UPDATE SET
           monthly100 = excluded.monthly100, setup100 = excluded.setup100",
    )?;
    for p in prices {
        stmt.execute(params![p.area_id, p.rate_plan_id, p.monthly100, p.setup100])
            .map_err(|e| rejected(e, &format!("{} / {}", p.area_id, p.rate_plan_id)))?;
    }
    Ok(())
}

/// A constraint failure is the operator's to fix: an unknown country, area or plan, or
/// a negative amount.
fn rejected(e: rusqlite::Error, what: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Rejected(format!(
            "price for {what} names an unknown country, area or plan, or is negative"
        )),
        _ => e.into(),
    }
}

fn read_price_list(conn: &Connection) -> StoreResult<PriceList> {
    let mut stmt = conn.prepare_cached(
        "SELECT country_id, did_type, rate_plan_id, monthly100, setup100 FROM country_prices
         ORDER BY country_id, did_type, rate_plan_id",
    )?;
    let country_prices = stmt
        .query_map([], |r| {
            Ok(CountryPrice {
                country_id: r.get(0)?,
                did_type: r.get(1)?,
                rate_plan_id: r.get(2)?,
                monthly100: r.get(3)?,
                setup100: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT area_id, rate_plan_id, monthly100, setup100 FROM area_prices
         ORDER BY area_id, rate_plan_id",
    )?;
    let area_prices = stmt
        .query_map([], |r| {
            Ok(AreaPrice {
                area_id: r.get(0)?,
                rate_plan_id: r.get(1)?,
                monthly100: r.get(2)?,
                setup100: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(PriceList {
        country_prices,
        area_prices,
    })
}
