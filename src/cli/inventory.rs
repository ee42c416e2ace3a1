//! `didhub inventory generate|import|release-aged`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::admin::generate::generate_stock;
use crate::admin::import::import_csv;
use crate::domain::{AreaId, DidType, RatePlanId};
use crate::store::Store;

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
    /// Add numbers from a CSV file with columns e164,did_type,area_id.
    Import { file: PathBuf },
    /// Return canceled numbers whose aging period is over to stock (serve does this
    /// every minute too).
    ReleaseAged,
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
        InventoryCommand::Import { file } => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let report = import_csv(store, std::io::BufReader::new(input)).await?;
            let mut text = String::new();
            for row in &report.rejected {
                text.push_str(&format!(
                    "line {}: {} ({})\n",
                    row.line, row.detail, row.reason
                ));
            }
            text.push_str(&format!(
                "added {}, rejected {}\n",
                report.added,
                report.rejected.len()
            ));
            Ok(Report::ok(serde_json::to_value(&report)?, text))
        }
        InventoryCommand::ReleaseAged => {
            let released = store.release_aged().await?;
            Ok(Report::ok(
                json!({ "released": released }),
                format!("released {released} aged numbers to stock"),
            ))
        }
    }
}
