//! The catalog as customers browse it (ANVEO.COUNTRIES.LIST, STATES.LIST, AREAS.LIST):
//! only places with numbers in stock, with stock counts (kept by triggers in `stock_counts`)
//! and per-area prices.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::PostgresStore;
use super::pricing::{PLANS_PRICED_IN_AREA, plan_price};
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

/// ANVEO.AREAS.LIST in one round trip: whether the country or state is known, and its
/// areas that sell the type and have stock, each with the plans priced there (one row
/// per area and plan; an area without a priced plan has one row with NULL plan columns;
/// an unknown or empty scope has one row with NULL area columns).
async fn list_areas(
    c: &impl GenericClient,
    did_type: DidType,
    scope: &AreaScope,
) -> StoreResult<Vec<AreaListing>> {
    let (table, column, id) = match scope {
        AreaScope::Country(country) => ("countries", "country_id", country.to_string()),
        AreaScope::State(state) => ("states", "state_id", state.clone()),
    };
    let query = c
        .prepare_cached(&format!(
            "SELECT known.yes, l.area_id, l.name, l.area_code, l.stock,
                    pp.rate_plan_id, pp.rate_plan_name, pp.monthly100, pp.setup100
             FROM (SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = $2) AS yes) known
             LEFT JOIN (
               SELECT a.area_id, a.country_id, a.name, a.area_code,
                 (SELECT COALESCE(SUM(s.n), 0)::BIGINT FROM stock_counts s
                    WHERE s.area_id = a.area_id AND s.did_type = $1
                      AND s.state = 'available') AS stock
               FROM areas a JOIN area_did_types t ON t.area_id = a.area_id AND t.did_type = $1
               WHERE a.{column} = $2) l ON l.stock > 0
             LEFT JOIN LATERAL ({PLANS_PRICED_IN_AREA}) pp ON true
             ORDER BY l.name, l.area_id, pp.rate_plan_id"
        ))
        .await?;
    let rows = c.query(&query, &[&did_type.as_str(), &id]).await?;
    if !rows.first().map_or(Ok(false), |r| r.try_get(0))? {
        return Err(match scope {
            AreaScope::Country(country) => DomainError::CountryNotFound(country.to_string()),
            AreaScope::State(state) => DomainError::StateNotFound(state.clone()),
        }
        .into());
    }
    let mut areas: Vec<AreaListing> = Vec::new();
    for r in &rows {
        let Some(area_id) = r.try_get::<_, Option<String>>(1)? else {
            continue;
        };
        if areas.last().is_none_or(|a| a.area_id != area_id) {
            areas.push(AreaListing {
                area_id,
                area_name: r.try_get(2)?,
                area_code: r.try_get(3)?,
                stock: r.try_get::<_, i64>(4)? as u64,
                plans: Vec::new(),
            });
        }
        if r.try_get::<_, Option<String>>(5)?.is_some() {
            let area = areas.last_mut().expect("pushed above");
            area.plans.push(plan_price(r, 5)?);
        }
    }
    Ok(areas)
}
