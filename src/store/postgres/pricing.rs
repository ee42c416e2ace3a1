//! Pricing storage: country defaults (`country_prices`), area prices (`area_prices`)
//! and the plans priced in an area, which listings use too (the order path resolves one
//! plan's price with the same rule in `orders::ORDER_TERMS`). The queries are the SQLite
//! store's.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;

use super::{PostgresStore, begin, describe, finish};
use crate::domain::catalog::{AreaPrice, PlanPrice, RatePlan};
use crate::domain::pricing::{CountryPrice, PriceList};
use crate::domain::{AreaId, DidType};
use crate::store::{PriceImportSummary, Pricing, StoreError, StoreResult};

/// The plans priced for type $1 in the area `l` (with `l.area_id`, `l.country_id`): the
/// area's own price, else the country's default. Joined LATERAL by [`area_plan_prices`] and by
/// ANVEO.AREAS.LIST (`listings.rs`), so the rule is written once.
pub(super) const PLANS_PRICED_IN_AREA: &str = "
    SELECT p.rate_plan_id, p.name AS rate_plan_name,
           COALESCE(ap.monthly100, cp.monthly100) AS monthly100,
           COALESCE(ap.setup100, cp.setup100) AS setup100
    FROM rate_plans p
    LEFT JOIN area_prices ap ON ap.area_id = l.area_id AND ap.rate_plan_id = p.rate_plan_id
    LEFT JOIN country_prices cp ON cp.country_id = l.country_id AND cp.did_type = $1
                               AND cp.rate_plan_id = p.rate_plan_id
    WHERE ap.area_id IS NOT NULL OR cp.country_id IS NOT NULL";

/// Plans priced in area $2 for type $1, if the area sells the type.
fn area_plans_query() -> String {
    format!(
        "SELECT pp.rate_plan_id, pp.rate_plan_name, pp.monthly100, pp.setup100
         FROM areas l JOIN area_did_types t ON t.area_id = l.area_id AND t.did_type = $1
         CROSS JOIN LATERAL ({PLANS_PRICED_IN_AREA}) pp
         WHERE l.area_id = $2
         ORDER BY pp.rate_plan_id"
    )
}

#[async_trait]
impl Pricing for PostgresStore {
    async fn rate_plans(&self) -> StoreResult<Vec<RatePlan>> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT rate_plan_id, name FROM rate_plans ORDER BY 1", &[])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RatePlan {
                    rate_plan_id: r.try_get(0)?,
                    name: r.try_get(1)?,
                })
            })
            .collect()
    }

    async fn area_plans(&self, area_id: &AreaId, did_type: DidType) -> StoreResult<Vec<PlanPrice>> {
        let client = self.client().await?;
        area_plan_prices(&client, area_id.as_str(), did_type).await
    }

    async fn import_prices(&self, prices: PriceList) -> StoreResult<PriceImportSummary> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = async {
            upsert_country_prices(&tx, &prices.country_prices).await?;
            upsert_area_prices(&tx, &prices.area_prices).await?;
            Ok(PriceImportSummary {
                country_prices: prices.country_prices.len(),
                area_prices: prices.area_prices.len(),
            })
        }
        .await;
        finish(tx, outcome).await
    }

    async fn export_prices(&self) -> StoreResult<PriceList> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT country_id, did_type, rate_plan_id, monthly100, setup100
                 FROM country_prices ORDER BY country_id, did_type, rate_plan_id",
                &[],
            )
            .await?;
        let country_prices = rows
            .iter()
            .map(|r| {
                Ok(CountryPrice {
                    country_id: r.try_get(0)?,
                    did_type: r.try_get(1)?,
                    rate_plan_id: r.try_get(2)?,
                    monthly100: r.try_get(3)?,
                    setup100: r.try_get(4)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let rows = client
            .query(
                "SELECT area_id, rate_plan_id, monthly100, setup100 FROM area_prices
                 ORDER BY area_id, rate_plan_id",
                &[],
            )
            .await?;
        let area_prices = rows
            .iter()
            .map(|r| {
                Ok(AreaPrice {
                    area_id: r.try_get(0)?,
                    rate_plan_id: r.try_get(1)?,
                    monthly100: r.try_get(2)?,
                    setup100: r.try_get(3)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(PriceList {
            country_prices,
            area_prices,
        })
    }
}

/// The plans priced in an area for a type.
pub(super) async fn area_plan_prices(
    c: &impl GenericClient,
    area_id: &str,
    did_type: DidType,
) -> StoreResult<Vec<PlanPrice>> {
    let query = c.prepare_cached(&area_plans_query()).await?;
    let rows = c.query(&query, &[&did_type.as_str(), &area_id]).await?;
    rows.iter().map(|r| plan_price(r, 0)).collect()
}

/// The plan price in the four columns of `row` from `at` on (as [`PLANS_PRICED_IN_AREA`]).
pub(super) fn plan_price(row: &tokio_postgres::Row, at: usize) -> StoreResult<PlanPrice> {
    Ok(PlanPrice {
        rate_plan_id: row.try_get(at)?,
        rate_plan_name: row.try_get(at + 1)?,
        monthly100: row.try_get(at + 2)?,
        setup100: row.try_get(at + 3)?,
    })
}

pub(super) async fn upsert_country_prices(
    c: &impl GenericClient,
    prices: &[CountryPrice],
) -> StoreResult<()> {
    let query = c
        .prepare_cached(
            "INSERT INTO country_prices (country_id, did_type, rate_plan_id, monthly100, setup100)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (country_id, did_type, rate_plan_id) DO UPDATE SET
               monthly100 = excluded.monthly100, setup100 = excluded.setup100",
        )
        .await?;
    for p in prices {
        let did_type = DidType::parse("did_type", &p.did_type)?;
        c.execute(
            &query,
            &[
                &p.country_id,
                &did_type.as_str(),
                &p.rate_plan_id,
                &p.monthly100,
                &p.setup100,
            ],
        )
        .await
        .map_err(|e| {
            rejected(
                e,
                &format!("{} / {} / {}", p.country_id, p.did_type, p.rate_plan_id),
            )
        })?;
    }
    Ok(())
}

async fn upsert_area_prices(c: &impl GenericClient, prices: &[AreaPrice]) -> StoreResult<()> {
    let query = c
        .prepare_cached(
            "INSERT INTO area_prices (area_id, rate_plan_id, monthly100, setup100)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (area_id, rate_plan_id) DO UPDATE SET
               monthly100 = excluded.monthly100, setup100 = excluded.setup100",
        )
        .await?;
    for p in prices {
        c.execute(
            &query,
            &[&p.area_id, &p.rate_plan_id, &p.monthly100, &p.setup100],
        )
        .await
        .map_err(|e| rejected(e, &format!("{} / {}", p.area_id, p.rate_plan_id)))?;
    }
    Ok(())
}

/// A constraint failure is the operator's to fix: an unknown country, area or plan, or
/// a negative amount. (Inside a transaction it also aborts it, which the caller's
/// `finish` rolls back.)
fn rejected(e: tokio_postgres::Error, what: &str) -> StoreError {
    let constraint = e
        .code()
        .is_some_and(|c| *c == SqlState::FOREIGN_KEY_VIOLATION || *c == SqlState::CHECK_VIOLATION);
    if constraint {
        StoreError::Rejected(format!(
            "price for {what} names an unknown country, area or plan, or is negative"
        ))
    } else {
        StoreError::Backend(describe(&e))
    }
}
