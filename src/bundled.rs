//! The catalog bundled with the binary (`data/catalog.json`): a small, real catalog
//! (US, Canada and the UK, a few areas each, plans `SU`, `VALUE` and `PU`) so that a fresh
//! install and the tests have something to sell without the operator loading one first.

use crate::domain::catalog::CatalogData;

/// The JSON text of the bundled catalog, compiled into the binary.
const BUNDLED_CATALOG_JSON: &str = include_str!("../data/catalog.json");

/// The bundled catalog, parsed.
///
/// Panics only if `data/catalog.json` is broken, which the tests below rule out.
pub fn bundled_catalog() -> CatalogData {
    serde_json::from_str(BUNDLED_CATALOG_JSON).expect("data/catalog.json is a valid catalog")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{Area, AreaPrice};

    fn area<'a>(catalog: &'a CatalogData, area_id: &str) -> &'a Area {
        catalog
            .areas
            .iter()
            .find(|a| a.area_id == area_id)
            .unwrap_or_else(|| panic!("area {area_id} is bundled"))
    }

    fn price<'a>(catalog: &'a CatalogData, area_id: &str, plan: &str) -> Option<&'a AreaPrice> {
        catalog
            .prices
            .iter()
            .find(|p| p.area_id == area_id && p.rate_plan_id == plan)
    }

    #[test]
    fn parses_and_validates() {
        let catalog = bundled_catalog();
        catalog.validate().unwrap();
        assert!(!catalog.areas.is_empty());
    }

    #[test]
    fn countries_have_their_calling_codes_and_sms_flags() {
        let catalog = bundled_catalog();
        let expected = [
            ("US", "UNITED STATES", "1", true),
            ("CA", "CANADA", "1", true),
            ("GB", "UNITED KINGDOM", "44", false),
        ];
        for (id, name, calling_code, is_sms) in expected {
            let country = catalog
                .countries
                .iter()
                .find(|c| c.country_id == id)
                .unwrap_or_else(|| panic!("country {id} is bundled"));
            assert_eq!(
                (country.name.as_str(), country.calling_code.as_str()),
                (name, calling_code)
            );
            assert_eq!(country.is_sms, is_sms, "{id}");
        }
    }

    #[test]
    fn areas_have_their_names_states_and_types() {
        let catalog = bundled_catalog();
        let expected = [
            (
                "1.212",
                "US",
                Some("US-NY"),
                "New York",
                "212",
                "GEOGRAPHIC",
            ),
            (
                "1.213",
                "US",
                Some("US-CA"),
                "Los Angeles",
                "213",
                "GEOGRAPHIC",
            ),
            ("1.312", "US", Some("US-IL"), "Chicago", "312", "GEOGRAPHIC"),
            ("1.305", "US", Some("US-FL"), "Miami", "305", "GEOGRAPHIC"),
            ("1.512", "US", Some("US-TX"), "Austin", "512", "GEOGRAPHIC"),
            ("1.416", "CA", Some("CA-ON"), "Toronto", "416", "GEOGRAPHIC"),
            ("1.800", "US", None, "Toll-free 800", "800", "TOLLFREE"),
            ("1.888", "US", None, "Toll-free 888", "888", "TOLLFREE"),
            ("44.20", "GB", None, "London", "20", "GEOGRAPHIC"),
            ("44.161", "GB", None, "Manchester", "161", "GEOGRAPHIC"),
            ("44.7", "GB", None, "UK mobile", "7", "MOBILE"),
        ];
        for (area_id, country, state, name, code, did_type) in expected {
            let area = area(&catalog, area_id);
            assert_eq!(area.country_id, country, "{area_id}");
            assert_eq!(area.state_id.as_deref(), state, "{area_id}");
            assert_eq!(area.name, name, "{area_id}");
            assert_eq!(area.area_code, code, "{area_id}");
            assert_eq!(area.did_types, [did_type], "{area_id}");
            assert_eq!(area.national_number_length, 10, "{area_id}");
        }
    }

    #[test]
    fn states_carry_codes_and_names() {
        let catalog = bundled_catalog();
        let new_york = catalog
            .states
            .iter()
            .find(|s| s.state_id == "US-NY")
            .unwrap();
        assert_eq!(
            (new_york.code.as_str(), new_york.name.as_str()),
            ("NY", "New York")
        );
        let ontario = catalog
            .states
            .iter()
            .find(|s| s.state_id == "CA-ON")
            .unwrap();
        assert_eq!(ontario.country_id, "CA");
        assert_eq!(
            (ontario.code.as_str(), ontario.name.as_str()),
            ("ON", "Ontario")
        );
    }

    #[test]
    fn every_area_offers_the_default_plan() {
        let catalog = bundled_catalog();
        for area in &catalog.areas {
            assert!(
                price(&catalog, &area.area_id, "SU").is_some(),
                "{}",
                area.area_id
            );
        }
        let su = catalog
            .rate_plans
            .iter()
            .find(|p| p.rate_plan_id == "SU")
            .unwrap();
        assert_eq!(su.name, "Service Unlimited");
    }

    #[test]
    fn service_unlimited_costs_149_monthly_and_249_setup_in_every_us_area() {
        let catalog = bundled_catalog();
        let us_areas: Vec<&Area> = catalog
            .areas
            .iter()
            .filter(|a| a.country_id == "US")
            .collect();
        assert!(us_areas.len() >= 6);
        for area in us_areas {
            let su = price(&catalog, &area.area_id, "SU").unwrap();
            assert_eq!((su.monthly100, su.setup100), (149, 249), "{}", area.area_id);
        }
    }

    #[test]
    fn value_plan_is_offered_in_some_areas_at_its_own_prices() {
        let catalog = bundled_catalog();
        let value_areas: Vec<&AreaPrice> = catalog
            .prices
            .iter()
            .filter(|p| p.rate_plan_id == "VALUE")
            .collect();
        assert!(value_areas.len() >= 3);
        for value in value_areas {
            let su = price(&catalog, &value.area_id, "SU").unwrap();
            assert_ne!(
                (value.monthly100, value.setup100),
                (su.monthly100, su.setup100)
            );
        }
    }

    #[test]
    fn uk_prices_have_no_setup_and_mobile_costs_more() {
        let catalog = bundled_catalog();
        let london = price(&catalog, "44.20", "SU").unwrap();
        let mobile = price(&catalog, "44.7", "SU").unwrap();
        assert_eq!((london.monthly100, london.setup100), (199, 0));
        assert!(mobile.monthly100 > london.monthly100);
    }
}
