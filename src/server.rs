//! Running the HTTP server: serve until a shutdown signal, drain in-flight requests,
//! then close the store so the writer commits everything it acknowledged; meanwhile a
//! background sweep returns canceled numbers to stock when their aging is over, and
//! others keep the caches of authenticated keys and of route lookups fresh.
//!
//! The accept loop is didhub's own ([`listener`]) rather than `axum::serve`, which
//! exposes none of the knobs a public server needs: a connection cap ([`slots`]), a
//! header read timeout apart from the keep-alive timeout ([`head_timer`]), a limit on
//! header fields and a refusal of conflicting lengths ([`connection`], [`framing`]),
//! TLS ([`tls`]). [`limits`] holds the settings and their defaults.

pub mod connection;
pub mod framing;
pub mod head_timer;
pub mod limits;
pub mod listener;
pub mod slots;
pub mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::api::auth_cache::{REFRESH_INTERVAL, keep_fresh};
use crate::api::rate_limit::RateLimits;
use crate::api::{AppState, metrics_router, router};
use crate::store::Store;
use crate::telemetry::exporter::{UPKEEP_INTERVAL, keep_up};

use connection::ConnectionSettings;
pub use limits::ConnectionLimits;

/// How `serve` runs, beside the application itself.
pub struct ServeOptions {
    /// How often canceled numbers whose aging period is over return to stock.
    pub aging_sweep: Duration,
    pub connections: ConnectionLimits,
    /// TLS termination on the API listener, when configured.
    pub tls: Option<TlsAcceptor>,
    /// A listener of its own for `GET /metrics` (`metrics_listen`), when configured.
    pub metrics_listener: Option<TcpListener>,
}

impl ServeOptions {
    /// Plain HTTP with the default limits, no metrics listener.
    pub fn new(aging_sweep: Duration) -> ServeOptions {
        ServeOptions {
            aging_sweep,
            connections: ConnectionLimits::with_defaults(),
            tls: None,
            metrics_listener: None,
        }
    }
}

/// Serves `state` on `listener` until `shutdown` resolves, then drains and closes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let sweep = tokio::spawn(sweep_aged_numbers(
        store.clone(),
        state.routing.cache.clone(),
        options.aging_sweep,
    ));
    let refresh = tokio::spawn(keep_fresh(
        state.auth.clone(),
        store.clone(),
        REFRESH_INTERVAL,
    ));
    let routes = tokio::spawn(crate::api::routing::cache::keep_fresh(
        state.routing.cache.clone(),
        store.clone(),
        crate::api::routing::cache::REFRESH_INTERVAL,
    ));
    let mut background = vec![sweep, refresh, routes];
    background.push(tokio::spawn(forget_stale_limits(state.limits.clone())));
    if let Some(metrics) = &state.metrics {
        let upkeep = keep_up(metrics.handle.clone(), UPKEEP_INTERVAL);
        background.push(tokio::spawn(upkeep));
    }
    let jobs = crate::jobs::start(&state);
    let (stop, stopped) = watch::channel(false);
    let metrics = options.metrics_listener.map(|listener| {
        let settings = ConnectionSettings {
            router: metrics_router(&state),
            limits: options.connections.clone(),
        };
        tokio::spawn(listener::accept_until(
            listener,
            settings,
            None,
            until_true(stopped.clone()),
        ))
    });
    let settings = ConnectionSettings {
        router: router(state),
        limits: options.connections,
    };
    let api = listener::accept_until(listener, settings, options.tls, async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    api.await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    for task in background {
        task.abort();
        let _ = task.await;
    }
    jobs.stop().await;
    store.close().await;
    Ok(())
}

/// Resolves once `flag` is true (or its sender is gone).
async fn until_true(mut flag: watch::Receiver<bool>) {
    let _ = flag.wait_for(|stopped| *stopped).await;
}

/// How often the rate limiters forget clients not seen lately.
const FORGET_STALE_LIMITS: Duration = Duration::from_secs(60);

/// Keeps the rate limiters' memory to the clients seen lately, forever.
async fn forget_stale_limits(limits: Arc<RateLimits>) {
    let mut ticks = tokio::time::interval(FORGET_STALE_LIMITS);
    loop {
        ticks.tick().await;
        limits.forget_stale();
    }
}

/// Releases aged numbers to stock, forever, every `interval`.
async fn sweep_aged_numbers(
    store: Arc<dyn Store>,
    routes: Arc<crate::api::routing::cache::RoutingCache>,
    interval: Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.release_aged().await {
            Ok(0) => {}
            Ok(released) => {
                routes.invalidate();
                tracing::info!(released, "aged numbers returned to stock");
            }
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
