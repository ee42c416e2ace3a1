//! An order for numbers, as validated from a request, and what it produced.

use super::{AccountNumber, AreaId, Caller, Did, DidType, Money, RatePlanId};

/// The most numbers one DID.ORDER may ask for unless configured otherwise.
pub const DEFAULT_MAX_QUANTITY: u32 = 100;

/// Longest TITLE, in characters.
pub const MAX_TITLE_CHARS: usize = 255;

/// A validated DID.ORDER.
#[derive(Debug, Clone)]
pub struct OrderRequest {
    pub caller: Caller,
    /// The account that will hold the numbers: the caller or one of its sub-accounts
    /// (checked by the store against the account tree).
    pub holder: AccountNumber,
    pub area_id: AreaId,
    pub did_type: DidType,
    pub rate_plan_id: RatePlanId,
    pub quantity: u32,
    pub title: String,
    /// TEST=TRUE: do everything, commit nothing.
    pub dry_run: bool,
}

/// What an order bought.
#[derive(Debug, Clone)]
pub struct OrderReceipt {
    /// `None` for a dry run.
    pub order_id: Option<i64>,
    pub dids: Vec<Did>,
    /// Charged to the main account (or what would be, for a dry run).
    pub total: Money,
}
