//! `didhub inventory generate|import|release-aged`.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use super::progress::ImportConsole;
use crate::admin::generate::generate_stock;
use crate::admin::import::{ImportReport, import_csv};
use crate::domain::{AreaId, CountryId, DidType, RatePlanId};
use crate::store::{StockFilter, StockLevel, Store};

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Add COUNT valid numbers, not yet in stock, to an area.
    Generate {
        /// AREA_ID, e.g. 1.212.
        #[arg(long)]
        area: String,
        /// GEOGRAPHIC, NATIONAL, TOLLFREE or MOBILE.
        #[arg(long = "type")]
        did_type: String,
        #[arg(long)]
        count: usize,
        /// Reserve the numbers for one rate plan (default: sold under any plan).
        #[arg(long)]
        rate_plan: Option<String>,
    },
    /// Return canceled numbers whose aging period is over to stock (serve does this
    /// every minute too).
    ReleaseAged,
    /// Add numbers from a CSV file with columns e164,did_type,area_id (all or nothing;
    /// bad rows are reported and skipped).
    Import {
        file: PathBuf,
        /// Write every rejected row (line,reason,detail) to this CSV file.
        #[arg(long)]
        rejects: Option<PathBuf>,
    },
    /// Numbers per area and type: available, active (held) and aging.
    Stock {
        /// Only this country (ISO code, e.g. US).
        #[arg(long)]
        country: Option<String>,
        /// Only this type.
        #[arg(long = "type")]
        did_type: Option<String>,
    },
}

pub async fn run(command: InventoryCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        InventoryCommand::Generate {
            area,
            did_type,
            count,
            rate_plan,
        } => {
            let area = AreaId::parse("--area", &area)?;
            let did_type = DidType::parse("--type", &did_type)?;
            let rate_plan = rate_plan
                .map(|p| RatePlanId::parse("--rate-plan", &p))
                .transpose()?;
            if count == 0 {
                anyhow::bail!("--count must be at least 1");
            }
            let added = generate_stock(store, &area, did_type, count, rate_plan).await?;
            Ok(Report::ok(
                json!({ "area_id": area.as_str(), "did_type": did_type.as_str(), "added": added.len() }),
                format!("added {} {did_type} numbers to area {area}", added.len()),
            ))
        }
        InventoryCommand::ReleaseAged => {
            let released = store.release_aged().await?;
            Ok(Report::ok(
                json!({ "released": released }),
                format!("released {released} aged numbers to stock"),
            ))
        }
        InventoryCommand::Import { file, rejects } => import(store, file, rejects).await,
        InventoryCommand::Stock { country, did_type } => stock(store, country, did_type).await,
    }
}

async fn import(
    store: &dyn Store,
    file: PathBuf,
    rejects: Option<PathBuf>,
) -> anyhow::Result<Report> {
    let input =
        std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let rejects_file = rejects
        .as_ref()
        .map(|path| {
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))
        })
        .transpose()?;
    let mut console = ImportConsole::new(size, rejects_file);
    let report = import_csv(store, std::io::BufReader::new(input), &mut console).await;
    console.finish();
    let report = report?;
    let mut text = import_text(&report);
    if let Some(e) = &console.rejects_error {
        writeln!(text, "warning: the rejects file is incomplete: {e}")?;
    }
    Ok(Report::ok(serde_json::to_value(&report)?, text))
}

fn import_text(report: &ImportReport) -> String {
    let mut text = String::new();
    for row in &report.rejected {
        let _ = writeln!(text, "line {}: {} ({})", row.line, row.detail, row.reason);
    }
    let unlisted = report.rejected_total - report.rejected.len() as u64;
    if unlisted > 0 {
        let _ = writeln!(
            text,
            "... and {unlisted} more rejected rows (see --rejects)"
        );
    }
    let reasons: Vec<String> = report
        .rejected_by_reason
        .iter()
        .map(|(reason, count)| format!("{reason} {count}"))
        .collect();
    let _ = write!(
        text,
        "read {} rows: added {}, duplicates {}, rejected {}",
        report.rows, report.added, report.duplicates, report.rejected_total
    );
    if !reasons.is_empty() {
        let _ = write!(text, " ({})", reasons.join(", "));
    }
    text
}

async fn stock(
    store: &dyn Store,
    country: Option<String>,
    did_type: Option<String>,
) -> anyhow::Result<Report> {
    let country_id = country
        .map(|c| CountryId::parse("--country", &c))
        .transpose()?;
    if let Some(country) = &country_id
        && store.country(country.as_str()).await?.is_none()
    {
        anyhow::bail!("country {country} is not in the catalog");
    }
    let did_type = did_type.map(|t| DidType::parse("--type", &t)).transpose()?;
    let levels = store
        .stock_levels(StockFilter {
            country_id,
            did_type,
        })
        .await?;
    Ok(Report::ok(json!({ "stock": levels }), stock_text(&levels)))
}

fn stock_text(levels: &[StockLevel]) -> String {
    if levels.is_empty() {
        return "no numbers in stock".into();
    }
    let mut text = format!(
        "{:<14} {:<7} {:<10} {:>9} {:>9} {:>9}  {}\n",
        "AREA_ID", "COUNTRY", "TYPE", "AVAILABLE", "ACTIVE", "AGING", "AREA_NAME"
    );
    for l in levels {
        let _ = writeln!(
            text,
            "{:<14} {:<7} {:<10} {:>9} {:>9} {:>9}  {}",
            l.area_id, l.country_id, l.did_type, l.available, l.active, l.aging, l.area_name
        );
    }
    text
}
