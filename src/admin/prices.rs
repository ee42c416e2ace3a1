//! `catalog prices import|export`: the operator's price list as CSV.
//!
//! Columns `country_id,did_type,area_id,rate_plan_id,monthly,setup` (header optional);
//! amounts are decimal with at most two places. A row sets either a country's default
//! for a type (`country_id` and `did_type`, no `area_id`) or an area's own price
//! (`area_id` only), which wins over its country's default. An import is all or
//! nothing: any bad line fails it, naming every bad line, and changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use crate::domain::catalog::AreaPrice;
use crate::domain::pricing::{CountryPrice, PriceList};
use crate::domain::{AreaId, CountryId, DidType, Money, RatePlanId};
use crate::store::{PriceImportSummary, Store};

use super::AdminError;

const HEADER: [&str; 6] = [
    "country_id",
    "did_type",
    "area_id",
    "rate_plan_id",
    "monthly",
    "setup",
];
/// Bad lines named in the error before the rest are only counted.
const LISTED_ERRORS: usize = 50;

/// Reads, checks and imports a price list.
pub async fn import_prices_csv(
    store: &dyn Store,
    input: impl Read,
) -> Result<PriceImportSummary, AdminError> {
    let plans: HashSet<String> = store
        .rate_plans()
        .await?
        .into_iter()
        .map(|p| p.rate_plan_id)
        .collect();
    let mut checker = PriceChecker {
        store,
        plans,
        known: HashMap::new(),
        first_line: HashMap::new(),
        list: PriceList::default(),
        errors: Vec::new(),
    };
    let mut reader = super::operator_csv(input);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let is_header = line == 1 && record.get(0) == Some(HEADER[0]);
                if !is_header && let Err(why) = checker.check(line, &record).await? {
                    checker.errors.push(format!("line {line}: {why}"));
                }
            }
            Err(e) => checker.errors.push(format!("line {line}: {e}")),
        }
    }
    if !checker.errors.is_empty() {
        let count = checker.errors.len();
        let mut message = format!("{count} bad lines; no price was changed:\n");
        message.push_str(&checker.errors[..count.min(LISTED_ERRORS)].join("\n"));
        if count > LISTED_ERRORS {
            message.push_str(&format!("\n... and {} more", count - LISTED_ERRORS));
        }
        return Err(AdminError::Invalid(message));
    }
    if checker.list.is_empty() {
        return Err(AdminError::Invalid("the file holds no price".into()));
    }
    Ok(store.import_prices(checker.list).await?)
}

/// Writes the price list as CSV: country defaults, then area prices.
pub fn write_prices_csv(list: &PriceList, out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for p in &list.country_prices {
        let (monthly, setup) = amounts(p.monthly100, p.setup100);
        writer.write_record([
            &p.country_id,
            &p.did_type,
            "",
            &p.rate_plan_id,
            &monthly,
            &setup,
        ])?;
    }
    for p in &list.area_prices {
        let (monthly, setup) = amounts(p.monthly100, p.setup100);
        writer.write_record(["", "", &p.area_id, &p.rate_plan_id, &monthly, &setup])?;
    }
    writer.flush()?;
    Ok(())
}

fn amounts(monthly100: i64, setup100: i64) -> (String, String) {
    (Money(monthly100).to_string(), Money(setup100).to_string())
}

/// What a price row sets, to find a line that repeats another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PriceKey {
    Country(String, String, String),
    Area(String, String),
}

struct PriceChecker<'a> {
    store: &'a dyn Store,
    plans: HashSet<String>,
    /// Whether each country (`true:US`) or area (`false:1.212`) named so far is in the
    /// catalog.
    known: HashMap<String, bool>,
    first_line: HashMap<PriceKey, u64>,
    list: PriceList,
    errors: Vec<String>,
}

impl PriceChecker<'_> {
    /// `Ok(Err(why))` for a bad line; `Err` only when the store fails.
    async fn check(
        &mut self,
        line: u64,
        record: &csv::StringRecord,
    ) -> Result<Result<(), String>, AdminError> {
        if record.len() != HEADER.len() {
            return Ok(Err(format!(
                "expected {} columns {}, found {}",
                HEADER.len(),
                HEADER.join(","),
                record.len()
            )));
        }
        let plan = match RatePlanId::parse("rate_plan_id", &record[3]) {
            Ok(plan) if self.plans.contains(plan.as_str()) => plan,
            Ok(plan) => return Ok(Err(format!("rate plan {plan} is not in the catalog"))),
            Err(e) => return Ok(Err(e.to_string())),
        };
        let (monthly100, setup100) =
            match (amount("monthly", &record[4]), amount("setup", &record[5])) {
                (Ok(m), Ok(s)) => (m, s),
                (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
            };
        let plan = plan.as_str().to_owned();
        let key = match (&record[0], &record[1], &record[2]) {
            (country, did_type, "") if !country.is_empty() && !did_type.is_empty() => {
                let country = match CountryId::parse("country_id", country) {
                    Ok(c) => c.as_str().to_owned(),
                    Err(e) => return Ok(Err(e.to_string())),
                };
                let did_type = match DidType::parse("did_type", did_type) {
                    Ok(t) => t.as_str().to_owned(),
                    Err(e) => return Ok(Err(e.to_string())),
                };
                if !self.is_known(&country, true).await? {
                    return Ok(Err(format!("country {country} is not in the catalog")));
                }
                PriceKey::Country(country, did_type, plan)
            }
            ("", "", area) if !area.is_empty() => {
                let area = match AreaId::parse("area_id", area) {
                    Ok(a) => a.as_str().to_owned(),
                    Err(e) => return Ok(Err(e.to_string())),
                };
                if !self.is_known(&area, false).await? {
                    return Ok(Err(format!("area {area} is not in the catalog")));
                }
                PriceKey::Area(area, plan)
            }
            _ => {
                return Ok(Err(
                    "set either country_id and did_type (a country's default) or area_id alone \
                     (an area's own price)"
                        .into(),
                ));
            }
        };
        if let Some(first) = self.first_line.get(&key) {
            return Ok(Err(format!("repeats the price set on line {first}")));
        }
        self.first_line.insert(key.clone(), line);
        match key {
            PriceKey::Country(country_id, did_type, rate_plan_id) => {
                self.list.country_prices.push(CountryPrice {
                    country_id,
                    did_type,
                    rate_plan_id,
                    monthly100,
                    setup100,
                })
            }
            PriceKey::Area(area_id, rate_plan_id) => self.list.area_prices.push(AreaPrice {
                area_id,
                rate_plan_id,
                monthly100,
                setup100,
            }),
        }
        Ok(Ok(()))
    }

    async fn is_known(&mut self, id: &str, is_country: bool) -> Result<bool, AdminError> {
        let cache_key = format!("{is_country}:{id}");
        if let Some(known) = self.known.get(&cache_key) {
            return Ok(*known);
        }
        let known = if is_country {
            self.store.country(id).await?.is_some()
        } else {
            let area = AreaId::parse("area_id", id)?;
            self.store.area(&area).await?.is_some()
        };
        self.known.insert(cache_key, known);
        Ok(known)
    }
}

fn amount(column: &str, text: &str) -> Result<i64, String> {
    match Money::parse_decimal(text) {
        Ok(money) if money.minor() >= 0 => Ok(money.minor()),
        Ok(_) => Err(format!("{column} '{text}' is negative")),
        Err(e) => Err(format!("{column}: {e}")),
    }
}
