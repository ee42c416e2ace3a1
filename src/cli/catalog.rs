//! `didhub catalog load [FILE]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use super::output::Report;
use crate::bundled::bundled_catalog;
use crate::domain::catalog::CatalogData;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Insert or update the catalog from a JSON file (default: the bundled catalog).
    Load { file: Option<PathBuf> },
}

pub async fn run(command: CatalogCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        CatalogCommand::Load { file } => {
            let catalog = match file {
                None => bundled_catalog(),
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    serde_json::from_str::<CatalogData>(&text)
                        .with_context(|| format!("{} is not a catalog", path.display()))?
                }
            };
            let summary = store.load_catalog(catalog).await?;
            let text = format!(
                "catalog loaded: {} countries, {} states, {} areas, {} rate plans, {} prices",
                summary.countries,
                summary.states,
                summary.areas,
                summary.rate_plans,
                summary.prices
            );
            Ok(Report::ok(serde_json::to_value(&summary)?, text))
        }
    }
}
