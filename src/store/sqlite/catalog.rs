//! Catalog storage: countries, states, areas, rate plans and per-area prices.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use crate::domain::AreaId;
use crate::domain::catalog::{Area, CatalogData, Country};
use crate::store::{Catalog, CatalogLoadSummary, StoreError, StoreResult};

#[async_trait]
impl Catalog for SqliteStore {
    async fn load_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary> {
        self.writer
            .write(move |conn| upsert_catalog(conn, &data, false))
            .await
    }

    async fn country(&self, country_id: &str) -> StoreResult<Option<Country>> {
        let country_id = country_id.to_owned();
        self.reads
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(
                        "SELECT country_id, name, calling_code, is_sms, is_fax FROM countries
                         WHERE country_id = ?1",
                    )?
                    .query_row([&country_id], |r| {
                        Ok(Country {
                            country_id: r.get(0)?,
                            name: r.get(1)?,
                            calling_code: r.get(2)?,
                            is_sms: r.get(3)?,
                            is_fax: r.get(4)?,
                        })
                    })
                    .optional()?)
            })
            .await
    }

    async fn area(&self, area_id: &AreaId) -> StoreResult<Option<Area>> {
        let area_id = area_id.as_str().to_owned();
        self.reads
            .read(move |conn| {
                let area = conn
                    .query_row(
                        &format!("{AREA_SELECT} WHERE area_id = ?1"),
                        [&area_id],
                        area_from_row,
                    )
                    .optional()?;
                area.map(|a| with_did_types(conn, a)).transpose()
            })
            .await
    }

    async fn areas(&self) -> StoreResult<Vec<Area>> {
        self.reads
            .read(|conn| {
                let mut stmt = conn.prepare(&format!("{AREA_SELECT} ORDER BY area_id"))?;
                let areas = stmt
                    .query_map([], area_from_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                areas.into_iter().map(|a| with_did_types(conn, a)).collect()
            })
            .await
    }
}

const AREA_SELECT: &str = "SELECT area_id, country_id, state_id, name, area_code, \
     national_number_length FROM areas";

fn area_from_row(row: &Row<'_>) -> rusqlite::Result<Area> {
    Ok(Area {
        area_id: row.get(0)?,
        country_id: row.get(1)?,
        state_id: row.get(2)?,
        name: row.get(3)?,
        area_code: row.get(4)?,
        national_number_length: row.get(5)?,
        did_types: Vec::new(),
    })
}

fn with_did_types(conn: &Connection, mut area: Area) -> StoreResult<Area> {
    let mut stmt = conn.prepare_cached(
        "SELECT did_type FROM area_did_types WHERE area_id = ?1 ORDER BY did_type",
    )?;
    area.did_types = stmt
        .query_map([&area.area_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(area)
}

/// Inserts or updates every record of `data`, after checking that it orphans no number
/// (`replacing`: the areas it leaves out are about to be removed; see `catalog_guard`).
pub(super) fn upsert_catalog(
    conn: &Connection,
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<CatalogLoadSummary> {
    data.validate().map_err(StoreError::Rejected)?;
    super::catalog_guard::check_stocked_areas(conn, data, replacing)?;
    for c in &data.countries {
        conn.prepare_cached(
            "INSERT INTO countries (country_id, name, calling_code, is_sms, is_fax)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (country_id) DO UPDATE SET name = excluded.name,
               calling_code = excluded.calling_code, is_sms = excluded.is_sms,
               is_fax = excluded.is_fax",
        )?
        .execute(params![
            c.country_id,
            c.name,
            c.calling_code,
            c.is_sms,
            c.is_fax
        ])?;
    }
    for s in &data.states {
        conn.prepare_cached(
            "INSERT INTO states (state_id, country_id, name, code) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (state_id) DO UPDATE SET country_id = excluded.country_id,
               name = excluded.name, code = excluded.code",
        )?
        .execute(params![s.state_id, s.country_id, s.name, s.code])?;
    }
    for a in &data.areas {
        conn.prepare_cached(
            "INSERT INTO areas (area_id, country_id, state_id, name, area_code,
               national_number_length) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (area_id) DO UPDATE SET country_id = excluded.country_id,
               state_id = excluded.state_id, name = excluded.name,
               area_code = excluded.area_code,
               national_number_length = excluded.national_number_length",
        )?
        .execute(params![
            a.area_id,
            a.country_id,
            a.state_id,
            a.name,
            a.area_code,
            a.national_number_length
        ])?;
        for t in &a.did_types {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO area_did_types (area_id, did_type) VALUES (?1, ?2)",
            )?
            .execute(params![a.area_id, t.to_ascii_uppercase()])?;
        }
    }
    for p in &data.rate_plans {
        conn.prepare_cached(
            "INSERT INTO rate_plans (rate_plan_id, name) VALUES (?1, ?2)
             ON CONFLICT (rate_plan_id) DO UPDATE SET name = excluded.name",
        )?
        .execute(params![p.rate_plan_id, p.name])?;
    }
    for p in &data.prices {
        conn.prepare_cached(
            "INSERT INTO area_prices (area_id, rate_plan_id, monthly100, setup100)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (area_id, rate_plan_id) DO UPDATE SET
               monthly100 = excluded.monthly100, setup100 = excluded.setup100",
        )?
        .execute(params![p.area_id, p.rate_plan_id, p.monthly100, p.setup100])?;
    }
    super::pricing::upsert_country_prices(conn, &data.country_prices)?;
    Ok(CatalogLoadSummary {
        countries: data.countries.len(),
        states: data.states.len(),
        areas: data.areas.len(),
        rate_plans: data.rate_plans.len(),
        prices: data.prices.len(),
        country_prices: data.country_prices.len(),
        removed_areas: 0,
    })
}
