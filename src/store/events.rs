//! The store's side of events, webhooks, the delivery queue and idempotency keys
//! (`events.md`): traits in domain terms, one implementation per backend.
//!
//! Events are not written through these traits: every write that changes state records
//! its events itself, in its own transaction (each backend's `events.rs`), and fans
//! each event out to the deliveries of the webhooks that subscribe to it.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::AccountNumber;
use crate::domain::delivery::{AttemptRecord, ClaimedDelivery, DeliveryClaim, DeliveryRecord};
use crate::domain::events::{Event, EventQuery};
use crate::domain::idempotency::{IdempotencyKey, KeyReservation, KeyState, StoredAnswer};
use crate::domain::webhooks::Webhook;

/// Reading the event log.
#[async_trait]
pub trait Events: Send + Sync {
    /// Events matching the query, oldest first.
    async fn list_events(&self, query: EventQuery) -> StoreResult<Vec<Event>>;
}

/// A main account's endpoints.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Registers the endpoint; the account must be a main account (ACCOUNT_NOT_FOUND
    /// otherwise).
    async fn add_webhook(&self, webhook: Webhook) -> StoreResult<Webhook>;
    /// The account's endpoints (every account's for `None`), in id order.
    async fn list_webhooks(&self, account: Option<AccountNumber>) -> StoreResult<Vec<Webhook>>;
    /// Removes the endpoint (only if it is `account`'s, when given; WEBHOOK_NOT_FOUND
    /// otherwise); its pending deliveries fail in the same transaction.
    async fn remove_webhook(
        &self,
        account: Option<AccountNumber>,
        webhook_id: &str,
    ) -> StoreResult<Webhook>;
}

/// The durable delivery queue.
#[async_trait]
pub trait Deliveries: Send + Sync {
    /// Leases up to `claim.limit` due deliveries to the caller, oldest due first,
    /// skipping those another worker holds.
    async fn claim_deliveries(&self, claim: DeliveryClaim) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Gives claimed deliveries back unattempted (the worker had no room for them).
    async fn release_deliveries(
        &self,
        delivery_ids: Vec<i64>,
        lease_token: &str,
    ) -> StoreResult<()>;
    /// Records an attempt; `false` when the lease was lost (nothing is written).
    async fn record_attempt(&self, record: AttemptRecord) -> StoreResult<bool>;
    /// Deliveries, newest first; only failed ones when asked.
    async fn list_deliveries(
        &self,
        failed_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// Makes a failed (or pending) delivery due now, with a fresh retry period.
    async fn retry_delivery(&self, delivery_id: i64) -> StoreResult<DeliveryRecord>;
}

/// Keys of idempotent requests and their answers.
#[async_trait]
pub trait Idempotency: Send + Sync {
    /// Reserves the key for this request, or says what holds it.
    async fn reserve_key(&self, reservation: KeyReservation) -> StoreResult<KeyState>;
    /// What the key holds now (`None`: nothing, e.g. its request was released).
    async fn key_state(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<KeyState>>;
    /// Stores the answer of the reservation `token` made; `None` releases the key
    /// instead (the answer is not one to replay).
    async fn finish_key(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
        token: &str,
        answer: Option<StoredAnswer>,
    ) -> StoreResult<()>;
    /// Removes the keys that have expired by the store's clock; how many.
    async fn purge_keys(&self) -> StoreResult<u64>;
}

/// The rule for who may own a webhook: a main account that exists.
pub fn check_webhook_owner(
    account: &AccountNumber,
    stored: Option<&crate::domain::account::Account>,
) -> StoreResult<()> {
    match stored {
        Some(owner) if owner.parent.is_none() => Ok(()),
        _ => Err(crate::domain::DomainError::AccountNotFound(account.to_string()).into()),
    }
}

/// The most events one `events list` returns.
pub const MAX_EVENTS_PAGE: u32 = 10_000;

/// `events list --after` naming an event that does not exist: refused rather than read
/// as "from the start", which would list events the caller has already seen.
pub fn unknown_event(event_id: &str) -> super::StoreError {
    super::StoreError::Rejected(format!("no event has the id '{event_id}'"))
}
