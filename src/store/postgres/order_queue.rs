//! The order queue: real orders are placed in batches, so that the orders arriving
//! together share one statement and one commit (`didhub_place_orders`, migration V14).
//!
//! A dispatcher task takes the orders as they come and places one batch at a time, on
//! one pooled connection: every order waiting, up to [`MAX_BATCH`], in one call, while
//! the orders that come meanwhile wait for the next batch. A quiet server so sends
//! batches of one, and a busy one batches as large as its load. No order is answered
//! before its batch has committed.
//!
//! One batch at a time per process, measured (`docs/BENCHMARKS.md`, issue 17): every
//! batch of one payer ends on that payer's balance row, locked from the debit to the
//! commit, so concurrent batches of a process only queue there behind each other's WAL
//! flush; one at a time makes the batches larger and sold as much with one process and
//! about twice as many with three. Processes still run their batches side by side.
//!
//! A batch whose statement fails as a whole changed nothing, and is settled so that no
//! order pays for its neighbours:
//! - a payer's money spent by a concurrent batch since the balances were read
//!   ([`BATCH_OVERDRAWN`]): placed again with the payers' rows locked first;
//! - a deadlock: tried again, up to [`DEADLOCK_RETRIES`] times;
//! - anything else: each order placed again on its own, so an error is only the
//!   order's whose error it is.

use deadpool_postgres::{GenericClient, Pool};
use tokio::sync::{mpsc, oneshot};

use super::order_batch::{BATCH_OVERDRAWN, Debit, Placement, deadlocked, failed_with, place_batch};
use crate::domain::Timestamp;
use crate::domain::order::{OrderReceipt, OrderRequest};
use crate::store::{StoreError, StoreResult};

/// Most orders placed in one batch. Each is planned by the function on its own; the
/// writes are one statement per table for all of them.
pub const MAX_BATCH: usize = 32;
/// How many times a batch that lost a deadlock is tried again.
const DEADLOCK_RETRIES: u32 = 3;
/// Orders waiting for a batch before a new one waits to be queued.
const QUEUE_CAPACITY: usize = 4096;

struct Pending {
    order: Placement,
    reply: oneshot::Sender<StoreResult<OrderReceipt>>,
}

/// The sending end of the queue; the dispatcher stops when it is dropped, after the
/// batches under way have finished.
pub(super) struct OrderQueue {
    sender: mpsc::Sender<Pending>,
}

impl OrderQueue {
    /// Starts the dispatcher on the current runtime.
    pub(super) fn start(pool: Pool) -> OrderQueue {
        let (sender, inbox) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(pool, inbox));
        OrderQueue { sender }
    }

    /// Places one real order with whatever others are waiting, once its batch commits.
    pub(super) async fn place(
        &self,
        request: OrderRequest,
        now: Timestamp,
    ) -> StoreResult<OrderReceipt> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            order: Placement { request, now },
            reply,
        };
        self.sender
            .send(pending)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.unwrap_or(Err(StoreError::Closed))
    }
}

async fn dispatch(pool: Pool, mut inbox: mpsc::Receiver<Pending>) {
    while let Some(first) = inbox.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        run(&pool, batch).await;
    }
}

/// Places one batch and answers each of its orders.
async fn run(pool: &Pool, batch: Vec<Pending>) {
    metrics::histogram!(crate::telemetry::names::ORDER_BATCH_SIZE).record(batch.len() as f64);
    let (orders, replies): (Vec<Placement>, Vec<_>) =
        batch.into_iter().map(|p| (p.order, p.reply)).unzip();
    let results = match super::pooled(pool).await {
        Ok(client) => settle(&client, &orders).await,
        Err(error) => orders.iter().map(|_| Err(error.clone())).collect(),
    };
    for (reply, result) in replies.into_iter().zip(results) {
        // A caller that went away (its client hung up) is not waiting for the answer.
        let _ = reply.send(result);
    }
}

/// One result per order of `orders`, however the batch's statement fares.
async fn settle(c: &impl GenericClient, orders: &[Placement]) -> Vec<StoreResult<OrderReceipt>> {
    let mut debit = Debit::AtTheEnd;
    let mut deadlocks = 0;
    loop {
        let error = match place_batch(c, orders, debit).await {
            Ok(results) => return results,
            Err(e) => e,
        };
        if failed_with(&error, BATCH_OVERDRAWN) && debit == Debit::AtTheEnd {
            tracing::debug!(
                orders = orders.len(),
                "order batch overdrawn: placed again, payers locked first"
            );
            debit = Debit::PayersLockedFirst;
        } else if deadlocked(&error) && deadlocks < DEADLOCK_RETRIES {
            tracing::debug!(
                orders = orders.len(),
                "order batch deadlocked: placed again"
            );
            deadlocks += 1;
        } else if orders.len() > 1 {
            tracing::warn!(orders = orders.len(), error = %super::describe(&error),
                "order batch failed: its orders placed again one by one");
            let mut results = Vec::with_capacity(orders.len());
            for order in orders {
                let alone = Box::pin(settle(c, std::slice::from_ref(order))).await;
                results.extend(alone);
            }
            return results;
        } else {
            return vec![Err(StoreError::from(error))];
        }
    }
}
