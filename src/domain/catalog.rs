//! The catalog: identifiers of countries, areas and rate plans, and the records that
//! describe what is for sale where and at what price.

use std::fmt;

use super::{DidType, DomainError, Money};

/// An area's id: `<country calling code>.<area prefix>` (`1.212`, `44.20`). Clients treat
/// it as opaque; one trailing `.` is ignored, as in the seed document's example.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaId(String);

impl AreaId {
    pub fn parse(name: &str, text: &str) -> Result<AreaId, DomainError> {
        let id = text.strip_suffix('.').unwrap_or(text);
        let well_formed = !id.is_empty()
            && id.len() <= 64
            && id
                .split('.')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(DomainError::invalid(
                name,
                text,
                "expected an AREA_ID from ANVEO.AREAS.LIST, such as 1.212",
            ));
        }
        Ok(AreaId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rate plan's id: 1 to 16 upper-case letters, digits or `_` (`SU`, `VALUE`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RatePlanId(String);

impl RatePlanId {
    /// The plan used when an order names none: "Service Unlimited".
    pub fn default_plan() -> RatePlanId {
        RatePlanId("SU".to_owned())
    }

    /// Accepts any letter case; stored upper case.
    pub fn parse(name: &str, text: &str) -> Result<RatePlanId, DomainError> {
        let well_formed = (1..=16).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed {
            return Err(DomainError::invalid(
                name,
                text,
                "expected a rate plan id such as SU",
            ));
        }
        Ok(RatePlanId(text.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RatePlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A country's id: ISO 3166-1 alpha-2, upper case (`US`, `GB`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryId(String);

impl CountryId {
    pub fn parse(name: &str, text: &str) -> Result<CountryId, DomainError> {
        if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(DomainError::invalid(
                name,
                text,
                "expected an ISO 3166-1 alpha-2 country id such as US",
            ));
        }
        Ok(CountryId(text.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A country for sale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub country_id: String,
    /// Upper case, e.g. `UNITED STATES`.
    pub name: String,
    /// E.164 country calling code without `+`, e.g. `1`, `44`.
    pub calling_code: String,
    #[serde(default)]
    pub is_sms: bool,
    #[serde(default)]
    pub is_fax: bool,
}

/// A state or province of a country.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// `<country id>-<code>`, e.g. `US-NY`.
    pub state_id: String,
    pub country_id: String,
    pub name: String,
    /// e.g. `NY`.
    pub code: String,
}

/// An area numbers are sold in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Area {
    pub area_id: String,
    pub country_id: String,
    #[serde(default)]
    pub state_id: Option<String>,
    pub name: String,
    /// The national prefix of the area (`212`, `20`, `800`).
    pub area_code: String,
    /// Digits of a full national (significant) number in this area, prefix included.
    pub national_number_length: u8,
    /// Types of number sold here (`GEOGRAPHIC`, ...).
    pub did_types: Vec<String>,
}

/// A rate plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RatePlan {
    pub rate_plan_id: String,
    pub name: String,
}

/// The price of a plan in an area, in minor units.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AreaPrice {
    pub area_id: String,
    pub rate_plan_id: String,
    pub monthly100: i64,
    pub setup100: i64,
}

impl AreaPrice {
    /// What one number costs at order time: setup plus the first month.
    pub fn order_price(&self) -> Money {
        Money(self.setup100 + self.monthly100)
    }
}

/// A whole catalog, as loaded by the operator (and as bundled in `data/catalog.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CatalogData {
    pub countries: Vec<Country>,
    #[serde(default)]
    pub states: Vec<State>,
    pub areas: Vec<Area>,
    pub rate_plans: Vec<RatePlan>,
    pub prices: Vec<AreaPrice>,
    /// Default prices per country, type and plan; an area's own price overrides them.
    #[serde(default)]
    pub country_prices: Vec<super::pricing::CountryPrice>,
}

impl CatalogData {
    /// Checks internal consistency: every reference resolves and every type parses.
    pub fn validate(&self) -> Result<(), String> {
        use std::collections::HashSet;
        let countries: HashSet<&str> = self
            .countries
            .iter()
            .map(|c| c.country_id.as_str())
            .collect();
        let states: HashSet<&str> = self.states.iter().map(|s| s.state_id.as_str()).collect();
        let areas: HashSet<&str> = self.areas.iter().map(|a| a.area_id.as_str()).collect();
        let plans: HashSet<&str> = self
            .rate_plans
            .iter()
            .map(|p| p.rate_plan_id.as_str())
            .collect();
        for state in &self.states {
            if !countries.contains(state.country_id.as_str()) {
                return Err(format!(
                    "state {} names unknown country {}",
                    state.state_id, state.country_id
                ));
            }
        }
        for area in &self.areas {
            AreaId::parse("area_id", &area.area_id).map_err(|e| e.to_string())?;
            if !countries.contains(area.country_id.as_str()) {
                return Err(format!(
                    "area {} names unknown country {}",
                    area.area_id, area.country_id
                ));
            }
            if let Some(state) = &area.state_id
                && !states.contains(state.as_str())
            {
                return Err(format!("area {} names unknown state {state}", area.area_id));
            }
            for t in &area.did_types {
                DidType::parse("did_type", t).map_err(|e| format!("area {}: {e}", area.area_id))?;
            }
        }
        for price in &self.prices {
            if !areas.contains(price.area_id.as_str())
                || !plans.contains(price.rate_plan_id.as_str())
            {
                return Err(format!(
                    "price for {} / {} names an unknown area or plan",
                    price.area_id, price.rate_plan_id
                ));
            }
            if price.monthly100 < 0 || price.setup100 < 0 {
                return Err(format!(
                    "price for {} / {} is negative",
                    price.area_id, price.rate_plan_id
                ));
            }
        }
        super::pricing::validate_country_prices(&self.country_prices, &countries, &plans)
    }
}

/// A country in ANVEO.COUNTRIES.LIST.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CountryListing {
    pub country_id: String,
    pub country_name: String,
    pub has_states: bool,
    pub is_sms: bool,
    pub is_fax: bool,
}

/// A state in ANVEO.STATES.LIST.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateListing {
    pub state_id: String,
    pub state_name: String,
    pub state_code: String,
}

/// A plan and its price in one area, as listed under an area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanPrice {
    pub rate_plan_id: String,
    pub rate_plan_name: String,
    pub monthly100: i64,
    pub setup100: i64,
}

/// An area in ANVEO.AREAS.LIST.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AreaListing {
    pub area_id: String,
    pub area_name: String,
    pub area_code: String,
    /// Numbers of the requested type available now.
    pub stock: u64,
    pub plans: Vec<PlanPrice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_id_ignores_one_trailing_dot() {
        assert_eq!(
            AreaId::parse("AREA_ID", "1.212.").unwrap().as_str(),
            "1.212"
        );
        assert!(AreaId::parse("AREA_ID", "1.212..").is_err());
        assert!(AreaId::parse("AREA_ID", "").is_err());
        assert!(AreaId::parse("AREA_ID", "1 212").is_err());
    }

    #[test]
    fn rate_plan_is_upper_cased() {
        assert_eq!(
            RatePlanId::parse("RATE_PLAN_ID", "su").unwrap().as_str(),
            "SU"
        );
        assert!(RatePlanId::parse("RATE_PLAN_ID", "S U").is_err());
    }
}
