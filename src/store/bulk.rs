//! The bulk inventory seam: imports staged in batches and committed all at once, stock
//! levels, and catalog replacement that never orphans stock.
//!
//! An import stages its rows batch by batch (memory stays bounded whatever the file's
//! size), each row learning whether it repeats an earlier row or a number already in
//! stock; [`BulkInventory::commit_import`] then adds every fresh staged number in one
//! transaction, so a file is imported all or nothing.

use async_trait::async_trait;

use super::{CatalogLoadSummary, NewNumber, StoreResult};
use crate::domain::catalog::CatalogData;
use crate::domain::{CountryId, DidType};

/// One staged import, private to the store that began it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImportId(pub i64);

/// A checked row of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRow {
    /// The row's line in the file.
    pub line: u64,
    pub number: NewNumber,
}

/// What staging one row found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagedOutcome {
    /// New: it will be added at commit.
    Fresh,
    /// The same number is on an earlier line of the file.
    DuplicateInFile { first_line: u64 },
    /// The number is already in stock (in any state).
    AlreadyInStock,
}

/// Which stock to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockFilter {
    pub country_id: Option<CountryId>,
    pub did_type: Option<DidType>,
}

/// Numbers of one type in one area, by state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StockLevel {
    pub area_id: String,
    pub country_id: String,
    pub area_name: String,
    pub did_type: String,
    /// In stock, ready to sell.
    pub available: u64,
    /// Held by customers.
    pub active: u64,
    /// Canceled, waiting to return to stock.
    pub aging: u64,
}

/// Inventory at operator scale.
#[async_trait]
pub trait BulkInventory: Send + Sync {
    /// Starts an import; nothing is visible until it is committed.
    async fn begin_import(&self) -> StoreResult<ImportId>;
    /// Stages rows (in file order) and says, for each, what it is.
    async fn stage_rows(
        &self,
        import: ImportId,
        rows: Vec<StagedRow>,
    ) -> StoreResult<Vec<StagedOutcome>>;
    /// Adds every fresh staged number in one transaction and ends the import; fails,
    /// adding nothing, if one of them entered stock meanwhile.
    async fn commit_import(&self, import: ImportId) -> StoreResult<u64>;
    /// Ends an import without adding anything.
    async fn abandon_import(&self, import: ImportId) -> StoreResult<()>;
    /// Numbers per area and type (pairs with no number are left out), by area and type.
    async fn stock_levels(&self, filter: StockFilter) -> StoreResult<Vec<StockLevel>>;
    /// Makes the catalog's areas exactly those of `data` (and upserts the rest, as
    /// [`super::Catalog::load_catalog`] does): areas missing from it are removed with
    /// their types and prices. Fails, changing nothing, if a removed area (or a type it
    /// stops selling) still has numbers.
    async fn replace_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary>;
}
