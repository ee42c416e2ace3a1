//! `inventory import`: numbers from a CSV file (`e164,did_type,area_id`, header optional).
//!
//! Every row is checked (shape, catalog, numbering plan, duplicates in the file and in
//! stock); each bad row is reported with its line number and reason, and the good rows
//! are added in one transaction.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::domain::catalog::{Area, Country};
use crate::domain::numbering;
use crate::domain::{AreaId, DidType, E164};
use crate::store::{NewNumber, Store};

use super::AdminError;
use super::generate::area_for_stock;

/// A row that was not added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedRow {
    pub line: u64,
    /// Stable short reason, e.g. `duplicate_in_file`, `outside_area`.
    pub reason: String,
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub added: u64,
    pub rejected: Vec<RejectedRow>,
    /// Rejections counted by reason.
    pub rejected_by_reason: BTreeMap<String, u64>,
}

struct GoodRow {
    line: u64,
    number: NewNumber,
}

/// Imports a CSV; bad rows are reported, good rows are added together.
pub async fn import_csv(store: &dyn Store, input: impl Read) -> Result<ImportReport, AdminError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let mut report = ImportReport::default();
    let mut areas: HashMap<(AreaId, DidType), Result<(Area, Country), String>> = HashMap::new();
    let mut first_line_of: HashMap<E164, u64> = HashMap::new();
    let mut good: Vec<GoodRow> = Vec::new();

    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                reject(&mut report, line, "malformed_line", e.to_string());
                continue;
            }
        };
        let line = record.position().map_or(line, |p| p.line());
        if line == 1
            && record
                .get(0)
                .is_some_and(|f| f.eq_ignore_ascii_case("e164"))
        {
            continue; // the header
        }
        if record.len() != 3 {
            let detail = format!(
                "expected 3 columns e164,did_type,area_id, found {}",
                record.len()
            );
            reject(&mut report, line, "malformed_line", detail);
            continue;
        }
        let parsed = E164::parse("e164", &record[0]).and_then(|e164| {
            let did_type = DidType::parse("did_type", &record[1])?;
            let area_id = AreaId::parse("area_id", &record[2])?;
            Ok((e164, did_type, area_id))
        });
        let (e164, did_type, area_id) = match parsed {
            Ok(p) => p,
            Err(e) => {
                reject(&mut report, line, "malformed_value", e.to_string());
                continue;
            }
        };
        let key = (area_id.clone(), did_type);
        if !areas.contains_key(&key) {
            let found = area_for_stock(store, &area_id, did_type).await;
            areas.insert(key.clone(), found.map_err(|e| e.to_string()));
        }
        let (area, country) = match &areas[&key] {
            Ok(found) => found,
            Err(why) => {
                reject(&mut report, line, "area_not_sold", why.clone());
                continue;
            }
        };
        if let Err(why) = numbering::check_number(country, area, did_type, &e164) {
            reject(
                &mut report,
                line,
                why.reason_code(),
                format!("{e164}: {why}"),
            );
            continue;
        }
        if let Some(first) = first_line_of.get(&e164) {
            let detail = format!("{e164} already appears on line {first}");
            reject(&mut report, line, "duplicate_in_file", detail);
            continue;
        }
        first_line_of.insert(e164.clone(), line);
        good.push(GoodRow {
            line,
            number: NewNumber {
                e164,
                area_id,
                did_type,
                rate_plan_id: None,
            },
        });
    }

    let known = store
        .known_numbers(good.iter().map(|g| g.number.e164.clone()).collect())
        .await?;
    let (in_stock, fresh): (Vec<GoodRow>, Vec<GoodRow>) = good
        .into_iter()
        .partition(|g| known.contains(&g.number.e164));
    for row in in_stock {
        let detail = format!("{} is already in stock", row.number.e164);
        reject(&mut report, row.line, "already_in_stock", detail);
    }
    report.rejected.sort_by_key(|r| r.line);
    report.added = store
        .add_numbers(fresh.into_iter().map(|g| g.number).collect())
        .await?;
    Ok(report)
}

fn reject(report: &mut ImportReport, line: u64, reason: &str, detail: String) {
    *report
        .rejected_by_reason
        .entry(reason.to_owned())
        .or_default() += 1;
    report.rejected.push(RejectedRow {
        line,
        reason: reason.to_owned(),
        detail,
    });
}
