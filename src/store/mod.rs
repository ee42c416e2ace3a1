//! The store seam: traits in domain terms, one implementation per backend, and
//! [`open`], which picks the backend from the database URL.
//!
//! Every method takes and returns domain types; SQL never leaves the backend modules.
//! A method that fails changes nothing.

mod bulk;
mod pricing;
pub mod sqlite;

pub use bulk::{BulkInventory, ImportId, StagedOutcome, StagedRow, StockFilter, StockLevel};
pub use pricing::{PriceImportSummary, Pricing};

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::account::{Account, NewAccount};
use crate::domain::catalog::{Area, CatalogData, Country};
use crate::domain::order::{OrderReceipt, OrderRequest};
use crate::domain::{
    AccountNumber, AreaId, Caller, Clock, DidType, DomainError, E164, Money, RatePlanId,
    SystemClock,
};

/// Failures of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request itself is at fault; shown to the customer.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The operator asked for something the data does not allow (CLI only).
    #[error("{0}")]
    Rejected(String),
    /// The database failed; details go to the log, never to the customer.
    #[error("database error: {0}")]
    Backend(String),
    /// The store was shut down.
    #[error("the store is closed")]
    Closed,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A number entering stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNumber {
    pub e164: E164,
    pub area_id: AreaId,
    pub did_type: DidType,
    /// Inventory reserved for one rate plan; `None` sells under any plan.
    pub rate_plan_id: Option<RatePlanId>,
}

/// What loading a catalog did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CatalogLoadSummary {
    pub countries: usize,
    pub states: usize,
    pub areas: usize,
    pub rate_plans: usize,
    pub prices: usize,
    pub country_prices: usize,
    /// Areas removed because a replacing catalog left them out.
    pub removed_areas: usize,
}

/// Row counts, for audits, tests and copies between backends.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreCounts {
    pub accounts: u64,
    pub numbers_available: u64,
    pub numbers_assigned: u64,
    pub orders: u64,
    pub order_lines: u64,
    pub ledger_rows: u64,
}

/// One broken invariant found by [`Audit::audit`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Stable name of the rule, e.g. `balance_matches_ledger`.
    pub rule: &'static str,
    pub detail: String,
}

/// Countries, areas, plans and prices.
#[async_trait]
pub trait Catalog: Send + Sync {
    /// Inserts or updates every record of `data` in one transaction.
    async fn load_catalog(&self, data: CatalogData) -> StoreResult<CatalogLoadSummary>;
    async fn country(&self, country_id: &str) -> StoreResult<Option<Country>>;
    async fn area(&self, area_id: &AreaId) -> StoreResult<Option<Area>>;
    async fn areas(&self) -> StoreResult<Vec<Area>>;
}

/// Numbers in stock.
#[async_trait]
pub trait Inventory: Send + Sync {
    /// Adds all numbers in one transaction, or none (a number already known fails it).
    async fn add_numbers(&self, numbers: Vec<NewNumber>) -> StoreResult<u64>;
    /// Which of these numbers the store already knows, in any state.
    async fn known_numbers(&self, numbers: Vec<E164>) -> StoreResult<HashSet<E164>>;
    /// Numbers of that type available now in the area (for that plan, if given).
    async fn available_count(
        &self,
        area_id: &AreaId,
        did_type: DidType,
        rate_plan_id: Option<&RatePlanId>,
    ) -> StoreResult<u64>;
}

/// Accounts, keys and balances.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates the account with its first API key and opening credit (a ledger row).
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account>;
    async fn account(&self, account_number: &AccountNumber) -> StoreResult<Option<Account>>;
    /// The caller behind an API key's hash, if the key exists and is not revoked.
    async fn caller_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Caller>>;
    /// Adds `amount` (negative to debit) to a main account with a ledger row; returns the
    /// new balance. A balance never goes below zero.
    async fn credit(
        &self,
        account_number: &AccountNumber,
        amount: Money,
        memo: &str,
    ) -> StoreResult<Money>;
}

/// Orders.
#[async_trait]
pub trait Orders: Send + Sync {
    /// Places (or, for a dry run, rehearses) an order: all or nothing.
    async fn place_order(&self, request: OrderRequest) -> StoreResult<OrderReceipt>;
}

/// Invariant checks for `didhub check`.
#[async_trait]
pub trait Audit: Send + Sync {
    async fn audit(&self) -> StoreResult<Vec<Violation>>;
    async fn counts(&self) -> StoreResult<StoreCounts>;
}

/// Everything a backend provides.
#[async_trait]
pub trait Store: Catalog + Inventory + Accounts + Orders + Audit + Pricing + BulkInventory {
    /// Finishes every write already accepted, then stops; later calls fail with
    /// [`StoreError::Closed`].
    async fn close(&self);
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub clock: Arc<dyn Clock>,
    /// Read-only connections (SQLite) or pooled connections (PostgreSQL).
    pub pool_size: u32,
    /// SQLite `synchronous=FULL` (true) or `NORMAL` (false).
    pub durable: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            clock: Arc::new(SystemClock),
            pool_size: 4,
            durable: true,
        }
    }
}

/// Opens (creating and migrating if needed) the database at `url`:
/// `sqlite://PATH` (relative or, with a third slash, absolute).
pub async fn open(url: &str, options: StoreOptions) -> StoreResult<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let store = sqlite::SqliteStore::open(path.as_ref(), options).await?;
        return Ok(Arc::new(store));
    }
    Err(StoreError::Rejected(format!(
        "unsupported database URL '{url}': expected sqlite://PATH"
    )))
}
