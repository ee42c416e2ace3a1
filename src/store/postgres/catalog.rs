//! Catalog storage: countries, states, areas, rate plans and per-area prices.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{PostgresStore, begin, finish};
use crate::domain::AreaId;
use crate::domain::catalog::{Area, CatalogData, Country};
use crate::store::{Catalog, CatalogLoadSummary, StoreError, StoreResult};

#[async_trait]
impl Catalog for PostgresStore {
    async fn load_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = upsert_catalog(&tx, &data, false).await;
        finish(tx, outcome).await
    }

    async fn country(&self, country_id: &str) -> StoreResult<Option<Country>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(
                "SELECT country_id, name, calling_code, is_sms, is_fax FROM countries
                 WHERE country_id = $1",
            )
            .await?;
        let Some(r) = client.query_opt(&query, &[&country_id]).await? else {
            return Ok(None);
        };
        Ok(Some(Country {
            country_id: r.try_get(0)?,
            name: r.try_get(1)?,
            calling_code: r.try_get(2)?,
            is_sms: r.try_get(3)?,
            is_fax: r.try_get(4)?,
        }))
    }

    async fn area(&self, area_id: &AreaId) -> StoreResult<Option<Area>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(&format!("{AREA_SELECT} WHERE area_id = $1"))
            .await?;
        let Some(row) = client.query_opt(&query, &[&area_id.as_str()]).await? else {
            return Ok(None);
        };
        Ok(Some(with_did_types(&client, area_from_row(&row)?).await?))
    }

    async fn areas(&self) -> StoreResult<Vec<Area>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{AREA_SELECT} ORDER BY area_id"), &[])
            .await?;
        let mut areas = Vec::with_capacity(rows.len());
        for row in &rows {
            areas.push(with_did_types(&client, area_from_row(row)?).await?);
        }
        Ok(areas)
    }
}

const AREA_SELECT: &str = "SELECT area_id, country_id, state_id, name, area_code, \
     national_number_length FROM areas";

fn area_from_row(row: &Row) -> StoreResult<Area> {
    let length: i32 = row.try_get(5)?;
    Ok(Area {
        area_id: row.try_get(0)?,
        country_id: row.try_get(1)?,
        state_id: row.try_get(2)?,
        name: row.try_get(3)?,
        area_code: row.try_get(4)?,
        national_number_length: u8::try_from(length).map_err(|_| {
            StoreError::Backend(format!(
                "stored national_number_length {length} is out of range"
            ))
        })?,
        did_types: Vec::new(),
    })
}

async fn with_did_types(c: &impl GenericClient, mut area: Area) -> StoreResult<Area> {
    let query = c
        .prepare_cached("SELECT did_type FROM area_did_types WHERE area_id = $1 ORDER BY did_type")
        .await?;
    area.did_types = c
        .query(&query, &[&area.area_id])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    Ok(area)
}

/// Inserts or updates `data` (`replacing`: the areas it leaves out are about to be
/// removed; see `catalog_guard`).
pub(super) async fn upsert_catalog(
    c: &impl GenericClient,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<CatalogLoadSummary> {
    data.validate().map_err(StoreError::Rejected)?;
    super::catalog_guard::check_stocked_areas(c, data, replacing).await?;
    let country = c
        .prepare_cached(
            "INSERT INTO countries (country_id, name, calling_code, is_sms, is_fax)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (country_id) DO UPDATE SET name = excluded.name,
               calling_code = excluded.calling_code, is_sms = excluded.is_sms,
               is_fax = excluded.is_fax",
        )
        .await?;
    for x in &data.countries {
        c.execute(
            &country,
            &[
                &x.country_id,
                &x.name,
                &x.calling_code,
                &x.is_sms,
                &x.is_fax,
            ],
        )
        .await?;
    }
    let state = c
        .prepare_cached(
            "INSERT INTO states (state_id, country_id, name, code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (state_id) DO UPDATE SET country_id = excluded.country_id,
               name = excluded.name, code = excluded.code",
        )
        .await?;
    for s in &data.states {
        c.execute(&state, &[&s.state_id, &s.country_id, &s.name, &s.code])
            .await?;
    }
    let area = c
        .prepare_cached(
            "INSERT INTO areas (area_id, country_id, state_id, name, area_code,
               national_number_length) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (area_id) DO UPDATE SET country_id = excluded.country_id,
               state_id = excluded.state_id, name = excluded.name,
               area_code = excluded.area_code,
               national_number_length = excluded.national_number_length",
        )
        .await?;
    let area_type = c
        .prepare_cached(
            "INSERT INTO area_did_types (area_id, did_type) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    for a in &data.areas {
        let length = i32::from(a.national_number_length);
        c.execute(
            &area,
            &[
                &a.area_id,
                &a.country_id,
                &a.state_id,
                &a.name,
                &a.area_code,
                &length,
            ],
        )
        .await?;
        for t in &a.did_types {
            c.execute(&area_type, &[&a.area_id, &t.to_ascii_uppercase()])
                .await?;
        }
    }
    let plan = c
        .prepare_cached(
            "INSERT INTO rate_plans (rate_plan_id, name) VALUES ($1, $2)
             ON CONFLICT (rate_plan_id) DO UPDATE SET name = excluded.name",
        )
        .await?;
    for p in &data.rate_plans {
        c.execute(&plan, &[&p.rate_plan_id, &p.name]).await?;
    }
    let price = c
        .prepare_cached(
            "INSERT INTO area_prices (area_id, rate_plan_id, monthly100, setup100)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (area_id, rate_plan_id) DO UPDATE SET
               monthly100 = excluded.monthly100, setup100 = excluded.setup100",
        )
        .await?;
    for p in &data.prices {
        c.execute(
            &price,
            &[&p.area_id, &p.rate_plan_id, &p.monthly100, &p.setup100],
        )
        .await?;
    }
    super::pricing::upsert_country_prices(c, &data.country_prices).await?;
    Ok(CatalogLoadSummary {
        country_prices: data.country_prices.len(),
        removed_areas: 0,
        countries: data.countries.len(),
        states: data.states.len(),
        areas: data.areas.len(),
        rate_plans: data.rate_plans.len(),
        prices: data.prices.len(),
    })
}
