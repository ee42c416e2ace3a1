//! An order for numbers, as validated from a request, and what it produced.

use super::{
    AccountNumber, AreaId, Caller, Channels, Did, DidStatus, DidType, E164, Money, RatePlanId,
    Routing, Timestamp,
};

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

/// Everything an order will do, decided (by a store, inside its transaction) before
/// anything is written: the same for a dry run and a real order.
#[derive(Debug, Clone)]
pub struct OrderPlan {
    /// The main account that pays.
    pub payer: AccountNumber,
    /// The holder's default routing, given to every number.
    pub routing: Routing,
    pub country_name: String,
    pub area_name: String,
    pub area_code: String,
    pub monthly: Money,
    pub setup: Money,
    /// The numbers picked, in ascending E164 order.
    pub numbers: Vec<E164>,
    pub total: Money,
}

impl OrderPlan {
    /// The DIDs the order buys (or would buy), as the response lists them, ordered `at`.
    pub fn receipt(
        &self,
        request: &OrderRequest,
        order_id: Option<i64>,
        at: Timestamp,
    ) -> OrderReceipt {
        let dids = self
            .numbers
            .iter()
            .map(|e164| Did {
                e164: e164.clone(),
                did_type: request.did_type,
                routing: self.routing.clone(),
                status: DidStatus::Active,
                country_name: self.country_name.clone(),
                area_name: self.area_name.clone(),
                area_code: self.area_code.clone(),
                monthly: self.monthly,
                rate_plan_id: request.rate_plan_id.clone(),
                title: request.title.clone(),
                account_number: request.holder.clone(),
                ordered_at: Some(at),
                paid_until: Some(super::billing::due(at, 1)),
                channels: Channels::default(),
            })
            .collect();
        OrderReceipt {
            order_id,
            dids,
            total: self.total,
        }
    }
}
