//! The catalog bundled with the binary (`data/catalog.json`): the world catalog generated
//! by `tools/generate_catalog.py` from libphonenumber's metadata and geocoding data
//! (every country it knows, its area codes with English place names, US states and
//! Canadian provinces, toll-free and mobile ranges), with default prices per country and
//! type, so a fresh install has something to sell in any country.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::domain::catalog::CatalogData;

/// The JSON text of the bundled catalog, compiled into the binary.
const BUNDLED_CATALOG_JSON: &str = include_str!("../data/catalog.json");

/// The areas the demo stocks and the tests use: a few well-known cities, US toll-free,
/// and UK mobile. Their ids are those of the first, hand-made catalog.
pub const DEMO_AREAS: [&str; 11] = [
    "1.212", "1.213", "1.305", "1.312", "1.416", "1.512", "1.800", "1.888", "44.161", "44.20",
    "44.7",
];

/// The bundled catalog, parsed once per process.
///
/// Panics only if `data/catalog.json` is broken, which the tests below rule out.
pub fn bundled_catalog() -> CatalogData {
    static PARSED: OnceLock<CatalogData> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            serde_json::from_str(BUNDLED_CATALOG_JSON)
                .expect("data/catalog.json is a valid catalog")
        })
        .clone()
}

/// The part of the bundled catalog that sells in `area_ids`: those areas, their
/// countries and states, every plan, and their prices.
pub fn bundled_subset(area_ids: &[&str]) -> CatalogData {
    let catalog = bundled_catalog();
    let wanted: HashSet<&str> = area_ids.iter().copied().collect();
    let areas: Vec<_> = catalog
        .areas
        .into_iter()
        .filter(|a| wanted.contains(a.area_id.as_str()))
        .collect();
    let countries: HashSet<String> = areas.iter().map(|a| a.country_id.clone()).collect();
    let states: HashSet<String> = areas.iter().filter_map(|a| a.state_id.clone()).collect();
    CatalogData {
        countries: catalog
            .countries
            .into_iter()
            .filter(|c| countries.contains(&c.country_id))
            .collect(),
        states: catalog
            .states
            .into_iter()
            .filter(|s| states.contains(&s.state_id))
            .collect(),
        areas,
        rate_plans: catalog.rate_plans,
        prices: catalog
            .prices
            .into_iter()
            .filter(|p| wanted.contains(p.area_id.as_str()))
            .collect(),
        country_prices: catalog
            .country_prices
            .into_iter()
            .filter(|p| countries.contains(&p.country_id))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DidType;
    use crate::domain::catalog::Area;

    fn area<'a>(catalog: &'a CatalogData, area_id: &str) -> &'a Area {
        catalog
            .areas
            .iter()
            .find(|a| a.area_id == area_id)
            .unwrap_or_else(|| panic!("area {area_id} is bundled"))
    }

    /// (monthly100, setup100) of a plan for an area's first type: its own price, else
    /// its country's default.
    fn price(catalog: &CatalogData, area: &Area, plan: &str) -> Option<(i64, i64)> {
        let own = catalog
            .prices
            .iter()
            .find(|p| p.area_id == area.area_id && p.rate_plan_id == plan)
            .map(|p| (p.monthly100, p.setup100));
        own.or_else(|| {
            catalog
                .country_prices
                .iter()
                .find(|p| {
                    p.country_id == area.country_id
                        && p.did_type == area.did_types[0]
                        && p.rate_plan_id == plan
                })
                .map(|p| (p.monthly100, p.setup100))
        })
    }

    #[test]
    fn parses_and_validates() {
        let catalog = bundled_catalog();
        catalog.validate().unwrap();
        assert!(catalog.areas.len() > 10_000, "{}", catalog.areas.len());
    }

    #[test]
    fn covers_the_world_with_upper_case_country_names() {
        let catalog = bundled_catalog();
        assert!(
            catalog.countries.len() >= 200,
            "{}",
            catalog.countries.len()
        );
        for country in &catalog.countries {
            assert_eq!(
                country.name,
                country.name.to_uppercase(),
                "{}",
                country.country_id
            );
        }
        let expected = [
            ("US", "UNITED STATES", "1", true),
            ("CA", "CANADA", "1", true),
            ("GB", "UNITED KINGDOM", "44", false),
            ("DE", "GERMANY", "49", false),
            ("JP", "JAPAN", "81", false),
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
    fn keeps_the_first_catalogs_area_ids_with_real_names() {
        let catalog = bundled_catalog();
        let expected = [
            ("1.212", "US", Some("US-NY"), "New York", "GEOGRAPHIC"),
            ("1.213", "US", Some("US-CA"), "Los Angeles", "GEOGRAPHIC"),
            ("1.305", "US", Some("US-FL"), "Miami", "GEOGRAPHIC"),
            ("1.312", "US", Some("US-IL"), "Chicago", "GEOGRAPHIC"),
            ("1.416", "CA", Some("CA-ON"), "Toronto", "GEOGRAPHIC"),
            ("1.512", "US", Some("US-TX"), "Austin", "GEOGRAPHIC"),
            ("1.800", "US", None, "Toll-free 800", "TOLLFREE"),
            ("1.888", "US", None, "Toll-free 888", "TOLLFREE"),
            ("44.161", "GB", None, "Manchester", "GEOGRAPHIC"),
            ("44.20", "GB", None, "London", "GEOGRAPHIC"),
            ("44.7", "GB", None, "Mobile 7", "MOBILE"),
        ];
        assert_eq!(expected.map(|e| e.0), DEMO_AREAS);
        for (area_id, country, state, name, did_type) in expected {
            let area = area(&catalog, area_id);
            assert_eq!(area.country_id, country, "{area_id}");
            assert_eq!(area.state_id.as_deref(), state, "{area_id}");
            assert_eq!(area.name, name, "{area_id}");
            assert_eq!(
                Some(area.area_code.as_str()),
                area_id.split_once('.').map(|p| p.1)
            );
            assert_eq!(area.did_types, [did_type], "{area_id}");
            assert_eq!(area.national_number_length, 10, "{area_id}");
        }
    }

    #[test]
    fn area_ids_are_calling_code_and_prefix() {
        let catalog = bundled_catalog();
        let calling_code = |country_id: &str| {
            catalog
                .countries
                .iter()
                .find(|c| c.country_id == country_id)
                .map(|c| c.calling_code.clone())
                .unwrap()
        };
        for area in &catalog.areas {
            let expected = format!("{}.{}", calling_code(&area.country_id), area.area_code);
            assert_eq!(area.area_id, expected);
            for did_type in &area.did_types {
                DidType::parse("did_type", did_type).unwrap();
            }
        }
    }

    #[test]
    fn states_and_provinces_carry_codes_and_names() {
        let catalog = bundled_catalog();
        let state = |id: &str| catalog.states.iter().find(|s| s.state_id == id).unwrap();
        let new_york = state("US-NY");
        assert_eq!(
            (new_york.code.as_str(), new_york.name.as_str()),
            ("NY", "New York")
        );
        let ontario = state("CA-ON");
        assert_eq!(ontario.country_id, "CA");
        assert_eq!(
            (ontario.code.as_str(), ontario.name.as_str()),
            ("ON", "Ontario")
        );
        assert!(
            catalog
                .states
                .iter()
                .filter(|s| s.country_id == "US")
                .count()
                >= 50
        );
    }

    #[test]
    fn every_area_offers_the_default_plan_and_another() {
        let catalog = bundled_catalog();
        let su = catalog
            .rate_plans
            .iter()
            .find(|p| p.rate_plan_id == "SU")
            .unwrap();
        assert_eq!(su.name, "Service Unlimited");
        for area in &catalog.areas {
            assert!(price(&catalog, area, "SU").is_some(), "{}", area.area_id);
            assert!(price(&catalog, area, "VALUE").is_some(), "{}", area.area_id);
        }
    }

    #[test]
    fn every_documented_plan_is_offered_where_it_fits() {
        let catalog = bundled_catalog();
        let mut plan_ids: Vec<&str> = catalog
            .rate_plans
            .iter()
            .map(|p| p.rate_plan_id.as_str())
            .collect();
        plan_ids.sort_unstable();
        assert_eq!(
            plan_ids,
            ["DIRECTVALUE", "OU", "PU", "SU", "TOLLFREE", "VALUE"]
        );
        for area in &catalog.areas {
            let id = &area.area_id;
            for plan in ["DIRECTVALUE", "OU", "PU", "SU", "VALUE"] {
                assert!(price(&catalog, area, plan).is_some(), "{plan} in {id}");
            }
            let toll_free = area.did_types[0] == DidType::TollFree.as_str();
            assert_eq!(
                price(&catalog, area, "TOLLFREE").is_some(),
                toll_free,
                "TOLLFREE in {id}"
            );
        }
    }

    #[test]
    fn prices_of_the_first_catalog_are_kept() {
        let catalog = bundled_catalog();
        let price_of = |area_id: &str, plan: &str| price(&catalog, area(&catalog, area_id), plan);
        for area_id in [
            "1.212", "1.213", "1.305", "1.312", "1.512", "1.800", "1.888",
        ] {
            assert_eq!(price_of(area_id, "SU"), Some((149, 249)), "{area_id}");
        }
        assert_eq!(price_of("1.416", "SU"), Some((169, 249)));
        assert_eq!(price_of("1.212", "VALUE"), Some((99, 99)));
        assert_eq!(price_of("1.212", "PU"), Some((49, 0)));
        assert_eq!(price_of("44.20", "SU"), Some((199, 0)));
        let mobile = price_of("44.7", "SU").unwrap();
        assert!(mobile.0 > 199);
    }

    #[test]
    fn the_demo_subset_is_a_valid_catalog_of_the_demo_areas() {
        let subset = bundled_subset(&DEMO_AREAS);
        subset.validate().unwrap();
        assert_eq!(subset.areas.len(), DEMO_AREAS.len());
        let countries: Vec<&str> = subset
            .countries
            .iter()
            .map(|c| c.country_id.as_str())
            .collect();
        assert_eq!(countries, ["CA", "GB", "US"]);
        assert!(
            subset
                .country_prices
                .iter()
                .all(|p| countries.contains(&p.country_id.as_str()))
        );
    }
}
