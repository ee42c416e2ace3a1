//! The API's metrics (names in [`crate::telemetry::names`]): one count and one latency
//! per answered request, and what DID.ORDER sold. Labels come from bounded sets only:
//! an action the table does not serve is `other`, whatever the client sent.

use std::time::Duration;

use crate::telemetry::names::{API_REQUEST_DURATION, API_REQUESTS, NUMBERS_SOLD, ORDERS};

use super::dispatch::known_action;

/// Records one answered request.
pub fn record_answer(transport: &'static str, action: &str, result: &str, latency: Duration) {
    record_labelled(
        transport,
        known_action(action).unwrap_or("other"),
        result,
        latency,
    );
}

/// Records one answered request whose action label is already one of a bounded set.
pub fn record_labelled(
    transport: &'static str,
    action: &'static str,
    result: &str,
    latency: Duration,
) {
    // `result` is SUCCESS or one of the stable codes: a bounded set.
    let result = result.to_owned();
    metrics::counter!(API_REQUESTS, "transport" => transport, "action" => action, "result" => result)
        .increment(1);
    metrics::histogram!(API_REQUEST_DURATION, "transport" => transport, "action" => action)
        .record(latency.as_secs_f64());
}

/// Records an order that bought `numbers` numbers.
pub fn record_order(numbers: usize) {
    metrics::counter!(ORDERS).increment(1);
    metrics::counter!(NUMBERS_SOLD).increment(numbers as u64);
}
