//! The catalog as customers browse it (ANVEO.COUNTRIES.LIST, STATES.LIST, AREAS.LIST):
//! only places with numbers in stock, with stock counts (kept by triggers in `stock_counts`)
//! and per-area prices.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::PostgresStore;
use crate::domain::catalog::{AreaListing, CountryListing, StateListing};
use crate::domain::{CountryId, DidType, DomainError};
use crate::store::{AreaScope, Listings, StoreResult};

/// Matches an area `a` with stock of type $1 (NULL: any type).
const AREA_HAS_STOCK: &str = "EXISTS (SELECT 1 FROM numbers n WHERE n.area_id = a.area_id \
     AND n.state = 'available' AND ($1::text IS NULL OR n.did_type = $1))";

#[async_trait]
impl Listings for PostgresStore {
    async fn list_countries(&self, did_type: Option<DidType>) -> StoreResult<Vec<CountryListing>> {
        let client = self.client().await?;
        let did_type = did_type.map(|t| t.as_str());
        let query = client
            .prepare_cached(&format!(
                "SELECT c.country_id, c.name,
                   EXISTS (SELECT 1 FROM states s WHERE s.country_id = c.country_id),
                   c.is_sms, c.is_fax
                 FROM countries c
                 WHERE EXISTS (SELECT 1 FROM areas a
                               WHERE a.country_id = c.country_id AND {AREA_HAS_STOCK})
                 ORDER BY c.country_id"
            ))
            .await?;
        let mut countries = Vec::new();
        for r in client.query(&query, &[&did_type]).await? {
            countries.push(CountryListing {
                country_id: r.try_get(0)?,
                country_name: r.try_get(1)?,
                has_states: r.try_get(2)?,
                is_sms: r.try_get(3)?,
                is_fax: r.try_get(4)?,
            });
        }
        Ok(countries)
    }

    async fn list_states(
        &self,
        country_id: &CountryId,
        did_type: Option<DidType>,
    ) -> StoreResult<Vec<StateListing>> {
        let client = self.client().await?;
        require_country(&client, country_id.as_str()).await?;
        let did_type = did_type.map(|t| t.as_str());
        let query = client
            .prepare_cached(&format!(
                "SELECT s.state_id, s.name, s.code FROM states s
                 WHERE s.country_id = $2 AND EXISTS (SELECT 1 FROM areas a
                   WHERE a.state_id = s.state_id AND {AREA_HAS_STOCK})
                 ORDER BY s.name"
            ))
            .await?;
        let mut states = Vec::new();
        for r in client
            .query(&query, &[&did_type, &country_id.as_str()])
            .await?
        {
            states.push(StateListing {
                state_id: r.try_get(0)?,
                state_name: r.try_get(1)?,
                state_code: r.try_get(2)?,
            });
        }
        Ok(states)
    }

    async fn list_areas(
        &self,
        did_type: DidType,
        scope: AreaScope,
    ) -> StoreResult<Vec<AreaListing>> {
        let client = self.client().await?;
        list_areas(&client, did_type, &scope).await
    }
}

async fn require_country(c: &impl GenericClient, country_id: &str) -> StoreResult<()> {
    let query = c
        .prepare_cached("SELECT 1 FROM countries WHERE country_id = $1")
        .await?;
    match c.query_opt(&query, &[&country_id]).await? {
        Some(_) => Ok(()),
        None => Err(DomainError::CountryNotFound(country_id.to_owned()).into()),
    }
}

async fn list_areas(
    c: &impl GenericClient,
    did_type: DidType,
    scope: &AreaScope,
) -> StoreResult<Vec<AreaListing>> {
    let (column, id) = match scope {
        AreaScope::Country(country) => {
            require_country(c, country.as_str()).await?;
            ("country_id", country.to_string())
        }
        AreaScope::State(state) => {
            let known = c
                .prepare_cached("SELECT 1 FROM states WHERE state_id = $1")
                .await?;
            if c.query_opt(&known, &[state]).await?.is_none() {
                return Err(DomainError::StateNotFound(state.clone()).into());
            }
            ("state_id", state.clone())
        }
    };
    let query = c
        .prepare_cached(&format!(
            "SELECT area_id, name, area_code, stock FROM (
               SELECT a.area_id, a.name, a.area_code,
                 (SELECT COALESCE(SUM(s.n), 0)::BIGINT FROM stock_counts s
                    WHERE s.area_id = a.area_id AND s.did_type = $1
                      AND s.state = 'available') AS stock
               FROM areas a JOIN area_did_types t ON t.area_id = a.area_id AND t.did_type = $1
               WHERE a.{column} = $2) listed
             WHERE stock > 0
             ORDER BY name, area_id"
        ))
        .await?;
    let mut areas = Vec::new();
    for r in c.query(&query, &[&did_type.as_str(), &id]).await? {
        areas.push(AreaListing {
            area_id: r.try_get(0)?,
            area_name: r.try_get(1)?,
            area_code: r.try_get(2)?,
            stock: r.try_get::<_, i64>(3)? as u64,
            plans: Vec::new(),
        });
    }
    for area in &mut areas {
        area.plans = super::pricing::area_plan_prices(c, &area.area_id, did_type).await?;
    }
    Ok(areas)
}
