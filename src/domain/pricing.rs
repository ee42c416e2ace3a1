//! Prices in two layers: a default per country, DID type and rate plan
//! ([`CountryPrice`]), and an area's own price for a plan ([`AreaPrice`]), which wins.
//!
//! A plan is offered in an area, for a type the area sells, exactly when one of the two
//! layers prices it there. Amounts are integer minor units.

use std::collections::HashSet;

use super::DidType;
use super::catalog::AreaPrice;

/// The default price of a plan for one type of number in one country.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CountryPrice {
    pub country_id: String,
    /// `GEOGRAPHIC`, `NATIONAL`, `TOLLFREE` or `MOBILE`.
    pub did_type: String,
    pub rate_plan_id: String,
    pub monthly100: i64,
    pub setup100: i64,
}

/// Every price the operator sets: what `catalog prices import` reads and `export` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PriceList {
    pub country_prices: Vec<CountryPrice>,
    pub area_prices: Vec<AreaPrice>,
}

impl PriceList {
    pub fn len(&self) -> usize {
        self.country_prices.len() + self.area_prices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks country prices against the catalog's countries and plans (a part of
/// [`super::catalog::CatalogData::validate`]).
pub fn validate_country_prices(
    prices: &[CountryPrice],
    countries: &HashSet<&str>,
    plans: &HashSet<&str>,
) -> Result<(), String> {
    for price in prices {
        let what = format!(
            "price for {} / {} / {}",
            price.country_id, price.did_type, price.rate_plan_id
        );
        if !countries.contains(price.country_id.as_str()) {
            return Err(format!("{what} names an unknown country"));
        }
        if !plans.contains(price.rate_plan_id.as_str()) {
            return Err(format!("{what} names an unknown rate plan"));
        }
        DidType::parse("did_type", &price.did_type).map_err(|e| format!("{what}: {e}"))?;
        if price.monthly100 < 0 || price.setup100 < 0 {
            return Err(format!("{what} is negative"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(country_id: &str, did_type: &str, plan: &str, monthly100: i64) -> CountryPrice {
        CountryPrice {
            country_id: country_id.into(),
            did_type: did_type.into(),
            rate_plan_id: plan.into(),
            monthly100,
            setup100: 0,
        }
    }

    #[test]
    fn country_prices_must_name_known_countries_plans_and_types() {
        let countries: HashSet<&str> = ["US"].into();
        let plans: HashSet<&str> = ["SU"].into();
        let check = |p: CountryPrice| validate_country_prices(&[p], &countries, &plans);
        assert_eq!(check(price("US", "GEOGRAPHIC", "SU", 149)), Ok(()));
        assert!(check(price("ZZ", "GEOGRAPHIC", "SU", 149)).is_err());
        assert!(check(price("US", "GEOGRAPHIC", "NOPE", 149)).is_err());
        assert!(check(price("US", "PIGEON", "SU", 149)).is_err());
        assert!(
            check(price("US", "GEOGRAPHIC", "SU", -1))
                .unwrap_err()
                .contains("negative")
        );
    }
}
