//! The store seam: traits in domain terms, one implementation per backend, and
//! [`open`], which picks the backend from the database URL.
//!
//! Every method takes and returns domain types; SQL never leaves the backend modules.
//! A method that fails changes nothing.

pub mod audit_rules;
pub mod billing;
mod bulk;
pub mod catalog_guard;
pub mod events;
mod fault;
pub mod postgres;
mod pricing;
pub mod routes;
pub mod rules;
pub mod sms;
pub mod sqlite;
pub mod transfer;

pub use billing::{Billing, DueCandidate, DueCursor, Statement, StatementLine};
pub use bulk::{BulkInventory, ImportId, StagedOutcome, StagedRow, StockFilter, StockLevel};
pub use events::{Deliveries, Events, Idempotency, Webhooks};
pub use fault::{Fault, FaultReason};
pub use pricing::{PriceImportSummary, Pricing};
pub use routes::Routes;
pub use sms::Sms;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::account::{Account, NewAccount};
use crate::domain::catalog::{
    Area, AreaListing, CatalogData, Country, CountryListing, StateListing,
};
use crate::domain::did_requests::{
    DidCancelRequest, DidListRequest, DidMoveRequest, DidPage, DidUpdateRequest, NumberRecord,
};
use crate::domain::order::{OrderReceipt, OrderRequest};
use crate::domain::{
    AccountNumber, AreaId, Caller, Clock, CountryId, Did, DidType, DomainError, E164, Money,
    RatePlanId, SystemClock,
};
pub use transfer::{Cell, TableDump, TableSpec};

/// Failures of the store.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// The storage cannot take writes now (no space, a file gone, the database
    /// unreachable); nothing was done, and the same request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(#[from] Fault),
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
    pub events: u64,
    pub webhooks: u64,
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
    /// A counter that moves whenever any API key, or an account's number, parent or
    /// signature, changes (kept by triggers): cached callers are stale once it moves.
    async fn credentials_version(&self) -> StoreResult<i64>;
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

/// Numbers held by accounts: listing, routing, moves, cancellation and aging.
#[async_trait]
pub trait Dids: Send + Sync {
    /// The holder's Active and Canceled DIDs matching the filter, in ascending E164.
    async fn list_dids(&self, request: DidListRequest) -> StoreResult<DidPage>;
    /// Patches every matching Active DID in one transaction; returns them updated.
    async fn update_dids(&self, request: DidUpdateRequest) -> StoreResult<Vec<Did>>;
    /// Moves one Active DID within the caller's tree; returns it.
    async fn move_did(&self, request: DidMoveRequest) -> StoreResult<Did>;
    /// Cancels one Active DID (no refund); it ages before returning to stock.
    async fn cancel_did(&self, request: DidCancelRequest) -> StoreResult<Did>;
    /// Returns to stock every canceled number whose aging period is over; how many.
    async fn release_aged(&self) -> StoreResult<u64>;
    /// A number with its history, for the operator.
    async fn number_record(&self, e164: &E164) -> StoreResult<Option<NumberRecord>>;
}

/// Where ANVEO.AREAS.LIST looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaScope {
    Country(CountryId),
    State(String),
}

/// The catalog as customers browse it: only what has stock.
#[async_trait]
pub trait Listings: Send + Sync {
    /// Countries with numbers (of that type) in stock.
    async fn list_countries(&self, did_type: Option<DidType>) -> StoreResult<Vec<CountryListing>>;
    /// States of a country with numbers (of that type) in stock; COUNTRY_NOT_FOUND when
    /// the country is unknown.
    async fn list_states(
        &self,
        country_id: &CountryId,
        did_type: Option<DidType>,
    ) -> StoreResult<Vec<StateListing>>;
    /// Areas selling that type with stock now, with their plans and prices.
    async fn list_areas(
        &self,
        did_type: DidType,
        scope: AreaScope,
    ) -> StoreResult<Vec<AreaListing>>;
}

/// Whole tables in a backend-neutral form: `didhub store copy` moves a database between
/// backends with it, and tests compare two databases with it.
#[async_trait]
pub trait Transfer: Send + Sync {
    /// The version of the latest migration applied.
    async fn schema_version(&self) -> StoreResult<i64>;
    /// Every table of the database except the migrations' own bookkeeping.
    async fn table_names(&self) -> StoreResult<Vec<String>>;
    /// The rows of `tables`, each in its [`TableSpec::order_by`] order, all read from one
    /// consistent snapshot.
    async fn export_tables(&self, tables: Vec<&'static TableSpec>) -> StoreResult<Vec<TableDump>>;
    /// Inserts every dumped row in one transaction, in the order given: all or nothing.
    async fn import_tables(&self, dump: Vec<TableDump>) -> StoreResult<()>;
    /// How many rows `table` holds.
    async fn row_count(&self, table: &'static TableSpec) -> StoreResult<u64>;
}

/// Everything a backend provides.
#[async_trait]
pub trait Store:
    Catalog
    + Inventory
    + Accounts
    + Orders
    + Audit
    + Dids
    + Listings
    + Transfer
    + Pricing
    + BulkInventory
    + Events
    + Webhooks
    + Deliveries
    + Idempotency
    + Routes
    + Billing
    + Sms
{
    /// Whether the store can take writes now (`GET /ready`): `Err` names what stops it.
    /// Cheap enough to be asked every second; never writes data.
    async fn readiness(&self) -> Result<(), Fault>;

    /// Finishes every write already accepted, then stops; later calls fail with
    /// [`StoreError::Closed`].
    async fn close(&self);
    /// The store's clock (the one its records are stamped with; tests replace it).
    fn now(&self) -> crate::domain::Timestamp;
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub clock: Arc<dyn Clock>,
    /// Read-only connections (SQLite) or pooled connections (PostgreSQL), per process.
    pub pool_size: u32,
    /// SQLite `synchronous=FULL` (true) or `NORMAL` (false).
    pub durable: bool,
    /// SQLite: the WAL's bound in pages of 4 KiB (see `sqlite/writer/wal_policy.rs`).
    pub wal_limit_pages: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            clock: Arc::new(SystemClock),
            pool_size: 4,
            durable: true,
            wal_limit_pages: sqlite::DEFAULT_WAL_LIMIT_PAGES,
        }
    }
}

/// Opens (creating and migrating if needed) the database at `url`:
/// `sqlite://PATH` (relative or, with a third slash, absolute), or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (also `postgresql://`).
pub async fn open(url: &str, options: StoreOptions) -> StoreResult<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let store = sqlite::SqliteStore::open(path.as_ref(), options).await?;
        return Ok(Arc::new(store));
    }
    if postgres::is_postgres_url(url) {
        let store = postgres::PostgresStore::open(url, options).await?;
        return Ok(Arc::new(store));
    }
    // Only the scheme is named: the rest of a URL may hold a password.
    let shown = match url.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://..."),
        None => url.to_owned(),
    };
    Err(StoreError::Rejected(format!(
        "unsupported database URL '{shown}': expected sqlite://PATH or \
         postgres://USER@HOST/DATABASE"
    )))
}
