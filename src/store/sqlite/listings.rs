//! The catalog as customers browse it (ANVEO.COUNTRIES.LIST, STATES.LIST, AREAS.LIST):
//! only places with numbers in stock, with stock counts (kept by triggers in `stock_counts`)
//! and per-area prices.

use async_trait::async_trait;
use rusqlite::{Connection, params};

use super::SqliteStore;
use crate::domain::catalog::{AreaListing, CountryListing, StateListing};
use crate::domain::{CountryId, DidType, DomainError};
use crate::store::{AreaScope, Listings, StoreResult};

/// Matches an area `a` with stock of type ?1 (NULL: any type).
const AREA_HAS_STOCK: &str = "EXISTS (SELECT 1 FROM numbers n WHERE n.area_id = a.area_id \
     AND n.state = 'available' AND (?1 IS NULL OR n.did_type = ?1))";

#[async_trait]
impl Listings for SqliteStore {
    async fn list_countries(&self, did_type: Option<DidType>) -> StoreResult<Vec<CountryListing>> {
        let did_type = did_type.map(|t| t.as_str());
        self.reads
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT c.country_id, c.name,
                       EXISTS (SELECT 1 FROM states s WHERE s.country_id = c.country_id),
                       c.is_sms, c.is_fax
                     FROM countries c
                     WHERE EXISTS (SELECT 1 FROM areas a
                                   WHERE a.country_id = c.country_id AND {AREA_HAS_STOCK})
                     ORDER BY c.country_id"
                ))?;
                let rows = stmt.query_map([did_type], |r| {
                    Ok(CountryListing {
                        country_id: r.get(0)?,
                        country_name: r.get(1)?,
                        has_states: r.get(2)?,
                        is_sms: r.get(3)?,
                        is_fax: r.get(4)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    async fn list_states(
        &self,
        country_id: &CountryId,
        did_type: Option<DidType>,
    ) -> StoreResult<Vec<StateListing>> {
        let country_id = country_id.to_string();
        let did_type = did_type.map(|t| t.as_str());
        self.reads
            .read(move |conn| {
                require_country(conn, &country_id)?;
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT s.state_id, s.name, s.code FROM states s
                     WHERE s.country_id = ?2 AND EXISTS (SELECT 1 FROM areas a
                       WHERE a.state_id = s.state_id AND {AREA_HAS_STOCK})
                     ORDER BY s.name"
                ))?;
                let rows = stmt.query_map(params![did_type, country_id], |r| {
                    Ok(StateListing {
                        state_id: r.get(0)?,
                        state_name: r.get(1)?,
                        state_code: r.get(2)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    async fn list_areas(
        &self,
        did_type: DidType,
        scope: AreaScope,
    ) -> StoreResult<Vec<AreaListing>> {
        self.reads
            .read(move |conn| list_areas(conn, did_type, &scope))
            .await
    }
}

fn require_country(conn: &Connection, country_id: &str) -> StoreResult<()> {
    let known = conn
        .prepare_cached("SELECT 1 FROM countries WHERE country_id = ?1")?
        .exists([country_id])?;
    if known {
        Ok(())
    } else {
        Err(DomainError::CountryNotFound(country_id.to_owned()).into())
    }
}

fn list_areas(
    conn: &Connection,
    did_type: DidType,
    scope: &AreaScope,
) -> StoreResult<Vec<AreaListing>> {
    let (column, id) = match scope {
        AreaScope::Country(country) => {
            require_country(conn, country.as_str())?;
            ("country_id", country.to_string())
        }
        AreaScope::State(state) => {
            let known = conn
                .prepare_cached("SELECT 1 FROM states WHERE state_id = ?1")?
                .exists([state])?;
            if !known {
                return Err(DomainError::StateNotFound(state.clone()).into());
            }
            ("state_id", state.clone())
        }
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT a.area_id, a.name, a.area_code,
           (SELECT COALESCE(SUM(s.n), 0) FROM stock_counts s WHERE s.area_id = a.area_id
              AND s.did_type = ?1 AND s.state = 'available') AS stock
         FROM areas a JOIN area_did_types t ON t.area_id = a.area_id AND t.did_type = ?1
         WHERE a.{column} = ?2 AND stock > 0
         ORDER BY a.name, a.area_id"
    ))?;
    let mut areas = stmt
        .query_map(params![did_type.as_str(), id], |r| {
            Ok(AreaListing {
                area_id: r.get(0)?,
                area_name: r.get(1)?,
                area_code: r.get(2)?,
                stock: r.get::<_, i64>(3)? as u64,
                plans: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for area in &mut areas {
        area.plans = super::pricing::area_plan_prices(conn, &area.area_id, did_type)?;
    }
    Ok(areas)
}
