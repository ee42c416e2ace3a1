//! The pricing seam: which plans an area offers at what price, and the operator's price
//! list (country defaults and area prices; see [`crate::domain::pricing`]).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::catalog::{PlanPrice, RatePlan};
use crate::domain::pricing::PriceList;
use crate::domain::{AreaId, DidType};

/// What importing a price list did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PriceImportSummary {
    pub country_prices: usize,
    pub area_prices: usize,
}

/// Prices of plans, per country and type or per area.
#[async_trait]
pub trait Pricing: Send + Sync {
    /// Every rate plan of the catalog, by id.
    async fn rate_plans(&self) -> StoreResult<Vec<RatePlan>>;
    /// The plans offered in the area for `did_type`, by plan id, each with the price it
    /// charges: the area's own price, else its country's default for the type. Empty
    /// when the area is unknown or does not sell that type.
    async fn area_plans(&self, area_id: &AreaId, did_type: DidType) -> StoreResult<Vec<PlanPrice>>;
    /// Inserts or updates every price of the list in one transaction, or none (an
    /// unknown country, area or plan fails it).
    async fn import_prices(&self, prices: PriceList) -> StoreResult<PriceImportSummary>;
    /// Every price set: country defaults by country, type and plan, then area prices.
    async fn export_prices(&self) -> StoreResult<PriceList>;
}
