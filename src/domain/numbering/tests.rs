//! Tests of the numbering-plan rules against the bundled catalog and libphonenumber.

use std::collections::HashSet;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::bundled::bundled_catalog;
use crate::domain::catalog::CatalogData;

fn e164(text: &str) -> E164 {
    E164::parse("E164", text).unwrap()
}

fn country_and_area(catalog: &CatalogData, area_id: &str) -> (Country, Area) {
    let area = catalog
        .areas
        .iter()
        .find(|a| a.area_id == area_id)
        .unwrap_or_else(|| panic!("area {area_id} is bundled"))
        .clone();
    let country = catalog
        .countries
        .iter()
        .find(|c| c.country_id == area.country_id)
        .unwrap()
        .clone();
    (country, area)
}

fn check(area_id: &str, did_type: DidType, number: &str) -> Result<(), NumberRejection> {
    let (country, area) = country_and_area(&bundled_catalog(), area_id);
    check_number(&country, &area, did_type, &e164(number))
}

/// The bundled area, moved to another country or area code, as an operator might misconfigure it.
fn misplaced(area_id: &str, country_id: &str, area_code: &str) -> (Country, Area) {
    let catalog = bundled_catalog();
    let (_, mut area) = country_and_area(&catalog, area_id);
    let country = catalog
        .countries
        .iter()
        .find(|c| c.country_id == country_id)
        .unwrap()
        .clone();
    area.country_id = country_id.to_owned();
    area.area_code = area_code.to_owned();
    (country, area)
}

#[test]
fn accepts_a_real_number_in_every_bundled_area() {
    let numbers = [
        ("1.212", DidType::Geographic, "12127362000"),
        ("1.213", DidType::Geographic, "12136210000"),
        ("1.305", DidType::Geographic, "13053580000"),
        ("1.312", DidType::Geographic, "13127440000"),
        ("1.512", DidType::Geographic, "15124720000"),
        ("1.800", DidType::TollFree, "18002752273"),
        ("1.888", DidType::TollFree, "18884250000"),
        ("1.416", DidType::Geographic, "14163920000"),
        ("44.20", DidType::Geographic, "442079460000"),
        ("44.161", DidType::Geographic, "441614960000"),
        ("44.7", DidType::Mobile, "447400123456"),
    ];
    for (area_id, did_type, number) in numbers {
        assert_eq!(
            check(area_id, did_type, number),
            Ok(()),
            "{number} in {area_id}"
        );
    }
    let covered: HashSet<&str> = numbers.iter().map(|(area_id, _, _)| *area_id).collect();
    for area_id in crate::bundled::DEMO_AREAS {
        assert!(covered.contains(area_id), "{area_id}");
    }
}

#[test]
fn nanp_numbers_fit_geographic_mobile_and_national() {
    for did_type in [DidType::Geographic, DidType::Mobile, DidType::National] {
        assert_eq!(
            check("1.212", did_type, "12127362000"),
            Ok(()),
            "{did_type}"
        );
    }
}

#[test]
fn toll_free_number_is_not_geographic() {
    let rejection = check("1.800", DidType::Geographic, "18002752273").unwrap_err();
    assert_eq!(rejection.reason_code(), "wrong_type");
    assert_eq!(
        rejection.to_string(),
        "a toll-free number, which is not sold as GEOGRAPHIC"
    );
}

#[test]
fn number_outside_the_area_code_is_rejected() {
    let rejection = check("1.212", DidType::Geographic, "13127440000").unwrap_err();
    assert_eq!(
        rejection,
        NumberRejection::OutsideArea {
            area_code: "212".to_owned()
        }
    );
    assert_eq!(rejection.reason_code(), "outside_area");
}

#[test]
fn number_under_another_calling_code_is_rejected() {
    let rejection = check("44.20", DidType::Geographic, "12127362000").unwrap_err();
    assert_eq!(rejection.reason_code(), "wrong_calling_code");
}

#[test]
fn canadian_number_is_not_accepted_in_a_us_area_and_vice_versa() {
    let rejection = check("1.212", DidType::Geographic, "14163920000").unwrap_err();
    assert_eq!(rejection.reason_code(), "outside_area");

    let (us, toronto_as_us) = misplaced("1.416", "US", "416");
    let rejection = check_number(
        &us,
        &toronto_as_us,
        DidType::Geographic,
        &e164("14163920000"),
    )
    .unwrap_err();
    assert_eq!(
        rejection,
        NumberRejection::NotInCountry {
            country_id: "US".to_owned(),
            region: "CA".to_owned()
        }
    );
    assert_eq!(rejection.to_string(), "a number of CA, not of US");

    let (canada, new_york_as_ca) = misplaced("1.212", "CA", "212");
    let rejection = check_number(
        &canada,
        &new_york_as_ca,
        DidType::Geographic,
        &e164("12127362000"),
    )
    .unwrap_err();
    assert_eq!(rejection.reason_code(), "not_in_country");
}

#[test]
fn crown_dependency_mobiles_are_not_uk_mobiles() {
    for (number, region) in [
        ("447911123456", "GG"),
        ("447797000000", "JE"),
        ("447624000000", "IM"),
    ] {
        let rejection = check("44.7", DidType::Mobile, number).unwrap_err();
        assert_eq!(
            rejection,
            NumberRejection::NotInCountry {
                country_id: "GB".to_owned(),
                region: region.to_owned()
            },
            "{number}"
        );
    }
}

#[test]
fn uk_personal_numbers_and_pagers_are_not_mobiles() {
    for number in ["447000000000", "447600000000"] {
        let rejection = check("44.7", DidType::Mobile, number).unwrap_err();
        assert_eq!(rejection.reason_code(), "wrong_type", "{number}");
    }
    assert_eq!(check("44.7", DidType::National, "447000000000"), Ok(()));
}

#[test]
fn wrong_length_is_rejected() {
    let rejection = check("44.20", DidType::Geographic, "4420794600001").unwrap_err();
    assert_eq!(
        rejection,
        NumberRejection::WrongLength {
            expected: 10,
            found: 11
        }
    );
    let rejection = check("1.212", DidType::Geographic, "1212736200").unwrap_err();
    assert_eq!(rejection.reason_code(), "wrong_length");
}

#[test]
fn numbers_libphonenumber_does_not_know_are_rejected() {
    // NANP exchanges never start with 0 or 1; 020 9 is unassigned in London.
    for (area_id, number) in [
        ("1.212", "12121230000"),
        ("1.212", "12120230000"),
        ("44.20", "442090000000"),
    ] {
        let rejection = check(area_id, DidType::Geographic, number).unwrap_err();
        assert_eq!(rejection, NumberRejection::InvalidNumber, "{number}");
    }
}

#[test]
fn reason_codes_are_distinct() {
    let rejections = [
        NumberRejection::WrongCallingCode {
            calling_code: "1".to_owned(),
        },
        NumberRejection::OutsideArea {
            area_code: "212".to_owned(),
        },
        NumberRejection::WrongLength {
            expected: 10,
            found: 9,
        },
        NumberRejection::InvalidNumber,
        NumberRejection::NotInCountry {
            country_id: "US".to_owned(),
            region: "CA".to_owned(),
        },
        NumberRejection::WrongType {
            did_type: DidType::Geographic,
            found: "toll-free",
        },
    ];
    let codes: HashSet<&str> = rejections.iter().map(|r| r.reason_code()).collect();
    assert_eq!(codes.len(), rejections.len());
}

#[test]
fn random_candidate_has_the_area_prefix_and_length() {
    let (country, area) = country_and_area(&bundled_catalog(), "44.161");
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..100 {
        let candidate = random_candidate(&country, &area, &mut rng).unwrap();
        assert!(candidate.as_str().starts_with("44161"), "{candidate}");
        assert_eq!(candidate.as_str().len(), 12, "{candidate}");
    }
}

#[test]
fn random_candidate_is_none_for_an_area_that_cannot_hold_numbers() {
    let (country, mut area) = country_and_area(&bundled_catalog(), "1.212");
    let mut rng = StdRng::seed_from_u64(7);
    area.national_number_length = 2;
    assert_eq!(random_candidate(&country, &area, &mut rng), None);
    area.national_number_length = 20;
    assert_eq!(random_candidate(&country, &area, &mut rng), None);
    let empty = generate_numbers(
        &country,
        &area,
        DidType::Geographic,
        5,
        &HashSet::new(),
        &mut rng,
    );
    assert!(empty.is_empty());
}

/// Generates `first`, then `more` other numbers in an area, all distinct and valid.
fn assert_area_fills(
    catalog: &CatalogData,
    area_id: &str,
    (first, more): (usize, usize),
    rng: &mut StdRng,
) {
    let (country, area) = country_and_area(catalog, area_id);
    let did_type = DidType::parse("did_type", &area.did_types[0]).unwrap();
    let exclude: HashSet<E164> =
        generate_numbers(&country, &area, did_type, first, &HashSet::new(), rng)
            .into_iter()
            .collect();
    assert_eq!(exclude.len(), first, "{area_id}");

    let numbers = generate_numbers(&country, &area, did_type, more, &exclude, rng);
    assert_eq!(numbers.len(), more, "{area_id}");
    assert!(numbers.is_sorted(), "{area_id}");
    let distinct: HashSet<&E164> = numbers.iter().collect();
    assert_eq!(distinct.len(), more, "{area_id}");
    for number in &numbers {
        assert!(!exclude.contains(number), "{number} was excluded");
        assert_eq!(
            check_number(&country, &area, did_type, number),
            Ok(()),
            "{number}"
        );
    }
}

#[test]
fn generates_distinct_valid_numbers_in_every_demo_area() {
    let catalog = bundled_catalog();
    let mut rng = StdRng::seed_from_u64(42);
    for area_id in crate::bundled::DEMO_AREAS {
        assert_area_fills(&catalog, area_id, (50, 200), &mut rng);
    }
}

#[test]
fn generates_valid_numbers_in_a_sample_of_areas_of_every_country() {
    // Every 50th area, plus the first area of each country and of each type: a sample
    // across every country and every kind of range of the world catalog.
    let catalog = bundled_catalog();
    let mut seen = HashSet::new();
    let sample: Vec<&str> = catalog
        .areas
        .iter()
        .enumerate()
        .filter(|(i, a)| seen.insert((a.country_id.clone(), a.did_types[0].clone())) || i % 50 == 0)
        .map(|(_, a)| a.area_id.as_str())
        .collect();
    assert!(sample.len() > 500, "{}", sample.len());
    let mut rng = StdRng::seed_from_u64(7);
    for area_id in sample {
        assert_area_fills(&catalog, area_id, (5, 20), &mut rng);
    }
}

#[test]
fn generation_gives_up_when_the_area_runs_out() {
    // Only 10 numbers exist under 212 736 200x.
    let (country, area) = misplaced("1.212", "US", "212736200");
    let mut rng = StdRng::seed_from_u64(1);
    let exclude: HashSet<E164> = [e164("12127362000")].into_iter().collect();
    let numbers = generate_numbers(&country, &area, DidType::Geographic, 20, &exclude, &mut rng);
    assert_eq!(numbers.len(), 9);
}
