//! The Prometheus recorder. It is process-wide (the `metrics` facade has one global
//! recorder), so [`install`] installs it once and hands the same [`PrometheusHandle`]
//! to every later caller; [`keep_up`] is the periodic upkeep the exporter needs.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::names::*;

/// Seconds: from a cached authentication to a request that waited for the database.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0,
];
/// Commands per writer transaction, up to the writer's most (256).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// How often [`keep_up`] runs the exporter's upkeep.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Why the recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("installing the Prometheus recorder: {0}")]
pub struct MetricsSetupError(String);

/// Installs the Prometheus recorder (once per process) and returns its handle.
pub fn install() -> Result<PrometheusHandle, MetricsSetupError> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(API_REQUEST_DURATION.into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(WRITER_BATCH_SIZE.into()), BATCH_BUCKETS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(ORDER_BATCH_SIZE.into()), BATCH_BUCKETS)
                })
                .map_err(|e| e.to_string())?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).map_err(|e| e.to_string())?;
            describe();
            Ok(handle)
        })
        .clone()
        .map_err(MetricsSetupError)
}

/// Runs the exporter's upkeep (draining histogram samples) forever, every `interval`.
pub async fn keep_up(handle: PrometheusHandle, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        handle.run_upkeep();
    }
}

/// The HELP lines of the scrape.
fn describe() {
    describe_counter!(
        API_REQUESTS,
        "API requests answered, by transport, action and result"
    );
    describe_histogram!(
        API_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an API request"
    );
    describe_counter!(ORDERS, "DID.ORDER requests that bought numbers");
    describe_counter!(NUMBERS_SOLD, "Numbers sold by DID.ORDER");
    describe_counter!(RATE_LIMITED, "Requests refused RATE_LIMITED, by limit");
    describe_gauge!(CONNECTIONS_OPEN, "HTTP connections open");
    describe_counter!(
        CONNECTIONS_SHED,
        "Idle connections closed to make room at the connection cap"
    );
    describe_histogram!(WRITER_BATCH_SIZE, "Commands per SQLite writer transaction");
    describe_histogram!(ORDER_BATCH_SIZE, "Orders per PostgreSQL order batch");
    describe_gauge!(
        WRITER_QUEUE_DEPTH,
        "Write commands waiting for the SQLite writer"
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        "Pooled store connections, by pool and state"
    );
    describe_gauge!(
        POOL_WAITING,
        "Requests waiting for a pooled store connection"
    );
    describe_counter!(STORAGE_FAULTS, "Writes the store could not make, by reason");
}
