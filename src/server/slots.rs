//! The connection cap: [`ConnectionSlots`] hands out one [`Slot`] per open connection,
//! at most `max_connections` at once.
//!
//! When every slot is taken and another connection arrives, the oldest connections with
//! no request under way (idle keep-alive connections, connections that never sent a
//! whole head) are asked to close, a few at a time, as nginx closes reusable
//! connections when it runs out: a flood of silent connections then cannot shut a
//! normal client out, it only pushes the silent ones out sooner. Connections with a
//! request under way are never closed for room; while all slots are busy, new
//! connections wait in the listen queue.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::telemetry::names::{CONNECTIONS_OPEN, CONNECTIONS_SHED};

/// Most idle connections closed at once to make room.
const MAX_SHED_AT_ONCE: usize = 32;

/// What the server knows of one open connection.
#[derive(Debug, Default)]
pub struct SlotState {
    /// Requests being served (from the head's arrival until the response's last byte).
    in_flight: AtomicUsize,
    /// Told when the server wants the connection closed for room.
    pub close_for_room: Notify,
}

impl SlotState {
    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    pub fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    pub fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

/// The open connections, oldest first.
pub struct ConnectionSlots {
    permits: Arc<Semaphore>,
    max_connections: usize,
    open: Mutex<BTreeMap<u64, Arc<SlotState>>>,
    next_id: AtomicU64,
}

/// One open connection's place; dropping it frees the place.
pub struct Slot {
    id: u64,
    pub state: Arc<SlotState>,
    slots: Arc<ConnectionSlots>,
    _permit: OwnedSemaphorePermit,
}

impl ConnectionSlots {
    pub fn new(max_connections: usize) -> Arc<ConnectionSlots> {
        let max_connections = max_connections.clamp(1, u32::MAX as usize);
        Arc::new(ConnectionSlots {
            permits: Arc::new(Semaphore::new(max_connections)),
            max_connections,
            open: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<SlotState>>> {
        // The map is consistent after every statement, so a poisoned lock is still usable.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a connection that just arrived: at once when one is free, else after
    /// asking idle connections to make room and waiting for one of them to go.
    pub async fn take(self: &Arc<Self>) -> Slot {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.close_idle_for_room();
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the connection semaphore is never closed")
            }
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(SlotState::default());
        self.lock().insert(id, state.clone());
        metrics::gauge!(CONNECTIONS_OPEN).increment(1.0);
        Slot {
            id,
            state,
            slots: self.clone(),
            _permit: permit,
        }
    }

    /// Asks the oldest idle connections to close: an eighth of the idle ones, at least
    /// one and at most [`MAX_SHED_AT_ONCE`].
    fn close_idle_for_room(&self) {
        let open = self.lock();
        let idle: Vec<&Arc<SlotState>> = open.values().filter(|s| s.is_idle()).collect();
        let count = (idle.len() / 8).clamp(1, MAX_SHED_AT_ONCE);
        for state in idle.into_iter().take(count) {
            state.close_for_room.notify_one();
            metrics::counter!(CONNECTIONS_SHED).increment(1);
        }
    }

    /// Waits until every connection has closed (after the listener stopped).
    pub async fn all_closed(&self) {
        let all = u32::try_from(self.max_connections).unwrap_or(u32::MAX);
        let _ = self.permits.acquire_many(all).await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.lock().remove(&self.id);
        metrics::gauge!(CONNECTIONS_OPEN).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_house_closes_its_oldest_idle_connection_for_a_newcomer() {
        let slots = ConnectionSlots::new(2);
        let oldest = slots.take().await;
        let busy = slots.take().await;
        busy.state.request_started();
        let closed = oldest.state.clone();
        let newcomer = tokio::spawn({
            let slots = slots.clone();
            async move { slots.take().await }
        });
        closed.close_for_room.notified().await;
        drop(oldest);
        let newcomer = newcomer.await.unwrap();
        assert!(newcomer.state.is_idle());
        assert!(
            !busy.state.is_idle(),
            "a connection with a request is never closed"
        );
    }
}
