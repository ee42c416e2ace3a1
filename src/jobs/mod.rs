//! Background work of `serve`, each a small loop with its interval and its shutdown:
//! the delivery worker ([`delivery`]), the purge of expired idempotency keys
//! ([`purge`]) and the renewal sweep ([`billing`]). `server::serve` starts them with [`start`] and stops them with
//! [`Jobs::stop`] before it closes the store. (The aging sweep and the key-cache refresh
//! still live in `server.rs`.)

pub mod billing;
pub mod delivery;
pub mod purge;

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::AppState;

/// The running jobs.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts every job on the current runtime.
pub fn start(state: &AppState) -> Jobs {
    let (stop, stopped) = watch::channel(false);
    let store = state.store.clone();
    let tasks = vec![
        tokio::spawn(delivery::run(
            store.clone(),
            state.policy.outbound.clone(),
            stopped.clone(),
        )),
        tokio::spawn(purge::run(store.clone(), purge::INTERVAL, stopped.clone())),
        tokio::spawn(billing::run(store, state.policy.billing, stopped)),
    ];
    Jobs { stop, tasks }
}

impl Jobs {
    /// Asks every job to stop and waits until they have (a delivery attempt in flight
    /// finishes first; each is bounded by the outbound timeout).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch: the delivery queue's time.
pub fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Waits `interval`; `true` when asked to stop meanwhile (or already).
async fn stopped_within(stop: &mut watch::Receiver<bool>, interval: std::time::Duration) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(interval) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}
