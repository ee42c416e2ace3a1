//! Running the HTTP server: serve until a shutdown signal, drain in-flight requests,
//! then close the store so the writer commits everything it acknowledged; meanwhile a
//! background sweep returns canceled numbers to stock when their aging is over, and
//! another keeps the cache of authenticated keys fresh.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::auth_cache::{REFRESH_INTERVAL, keep_fresh};
use crate::api::{AppState, router};
use crate::store::Store;

/// Serves `state` on `listener` until `shutdown` resolves, then drains and closes.
/// Every `aging_sweep`, canceled numbers whose aging period is over return to stock.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    aging_sweep: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let sweep = tokio::spawn(sweep_aged_numbers(store.clone(), aging_sweep));
    let refresh = tokio::spawn(keep_fresh(
        state.auth.clone(),
        store.clone(),
        REFRESH_INTERVAL,
    ));
    let jobs = crate::jobs::start(&state);
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    for task in [sweep, refresh] {
        task.abort();
        let _ = task.await;
    }
    jobs.stop().await;
    store.close().await;
    served
}

/// Releases aged numbers to stock, forever, every `interval`.
async fn sweep_aged_numbers(store: Arc<dyn Store>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.release_aged().await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "aged numbers returned to stock"),
            Err(e) => tracing::error!(error = %e, "releasing aged numbers failed"),
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives during start-up
/// is not lost (and does not kill the process before it can drain).
#[cfg(unix)]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        let (Ok(mut terminate), Ok(mut interrupt)) = (terminate, interrupt) else {
            tracing::warn!("cannot listen for signals; stop the server by killing it");
            return std::future::pending().await;
        };
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    }
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown requested; finishing in-flight requests");
    }
}
