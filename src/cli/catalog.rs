//! `didhub catalog load [FILE] [--replace]` and `didhub catalog prices import|export`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::output::Report;
use crate::admin::prices::{import_prices_csv, write_prices_csv};
use crate::bundled::bundled_catalog;
use crate::domain::catalog::CatalogData;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Insert or update the catalog from a JSON file (default: the bundled catalog).
    Load {
        file: Option<PathBuf>,
        /// Also remove the areas the file leaves out (refused while they hold numbers).
        #[arg(long)]
        replace: bool,
    },
    /// The price list: country defaults per type and plan, and area prices.
    #[command(subcommand)]
    Prices(PricesCommand),
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Set prices from a CSV file (country_id,did_type,area_id,rate_plan_id,monthly,setup);
    /// all or nothing.
    Import { file: PathBuf },
    /// Print every price as CSV (or, with --json, as JSON).
    Export,
}

pub async fn run(command: CatalogCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        CatalogCommand::Load { file, replace } => {
            let catalog = match file {
                None => bundled_catalog(),
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    serde_json::from_str::<CatalogData>(&text)
                        .with_context(|| format!("{} is not a catalog", path.display()))?
                }
            };
            let summary = if replace {
                store.replace_catalog(catalog).await?
            } else {
                store.load_catalog(catalog).await?
            };
            let mut text = format!(
                "catalog loaded: {} countries, {} states, {} areas, {} rate plans, {} area prices, \
                 {} country prices",
                summary.countries,
                summary.states,
                summary.areas,
                summary.rate_plans,
                summary.prices,
                summary.country_prices
            );
            if replace {
                text.push_str(&format!("; {} areas removed", summary.removed_areas));
            }
            Ok(Report::ok(serde_json::to_value(&summary)?, text))
        }
        CatalogCommand::Prices(PricesCommand::Import { file }) => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let summary = import_prices_csv(store, std::io::BufReader::new(input)).await?;
            let text = format!(
                "prices set: {} country defaults, {} area prices",
                summary.country_prices, summary.area_prices
            );
            Ok(Report::ok(serde_json::to_value(&summary)?, text))
        }
        CatalogCommand::Prices(PricesCommand::Export) => {
            let list = store.export_prices().await?;
            let mut csv = Vec::new();
            write_prices_csv(&list, &mut csv)?;
            Ok(Report::ok(
                serde_json::to_value(&list)?,
                String::from_utf8(csv)?,
            ))
        }
    }
}
