//! Placing orders: a real order joins the order queue ([`super::order_queue`]), which
//! places the orders arriving together in one batch, one statement and one commit; a dry
//! run (TEST=TRUE) is a batch of its own, placed at once, which locks and writes nothing.
//! Both are one call of `didhub_place_orders` (migration V14, [`super::order_batch`]),
//! which checks, picks, writes and debits, so each order is placed whole or not at all.
//!
//! The pick rule (`docs/API.md`): from a random point of the area's available range,
//! upwards and wrapping, skipping numbers that concurrent orders hold.

use async_trait::async_trait;

use super::PostgresStore;
use super::order_batch::{Debit, Placement, place_batch};
use crate::domain::order::{OrderReceipt, OrderRequest};
use crate::store::{Orders, StoreError, StoreResult};

#[async_trait]
impl Orders for PostgresStore {
    async fn place_order(&self, request: OrderRequest) -> StoreResult<OrderReceipt> {
        let now = self.clock.now();
        if !request.dry_run {
            return self.orders.place(request, now).await;
        }
        let client = self.client().await?;
        let dry_run = [Placement { request, now }];
        place_batch(&client, &dry_run, Debit::AtTheEnd)
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Backend("a dry run without a result".into())))
    }
}
