//! What the rate limiter and the metrics add to one API request, measured in
//! isolation (`cargo bench --bench hot_path`): the calls `answer()` makes per request,
//! timed over many iterations, with the limiter on (a huge limit, so every call is
//! admitted) and off, and with the Prometheus recorder installed and not. The HTTP
//! benchmark (`bench/run.sh`) is too noisy on a shared machine to see costs this small;
//! this puts them next to an order's cost (tens of microseconds).

use std::hint::black_box;
use std::time::{Duration, Instant};

use didhub::api::anveo::measure::record_answer;
use didhub::api::rate_limit::{ClientAddr, RateLimitSettings, RateLimits};

const ITERATIONS: u32 = 2_000_000;

fn per_call(label: &str, mut work: impl FnMut(u32)) {
    for round in 0..3 {
        let started = Instant::now();
        for i in 0..ITERATIONS {
            work(i);
        }
        let nanos = started.elapsed().as_nanos() as f64 / f64::from(ITERATIONS);
        if round == 2 {
            println!("{label:<58} {nanos:8.1} ns per request");
        }
    }
}

fn main() {
    let keys: Vec<String> = (0..64).map(|i| format!("{i:040x}")).collect();
    let client = ClientAddr(Some("192.0.2.1".parse().unwrap()));
    let off = RateLimits::off();
    let on = RateLimits::new(RateLimitSettings {
        per_key_per_second: 1_000_000_000,
        per_key_burst: 1_000_000_000,
        auth_failures_per_minute: 1_000_000,
    });
    per_call("rate limits off: address check + key check", |i| {
        black_box(off.check_address(client)).ok();
        black_box(off.check_key(&keys[(i % 64) as usize])).ok();
    });
    per_call("rate limits on (64 keys): address check + key check", |i| {
        black_box(on.check_address(client)).ok();
        black_box(on.check_key(&keys[(i % 64) as usize])).ok();
    });
    let latency = Duration::from_micros(150);
    per_call(
        "metrics off (no recorder): request counter + histogram",
        |_| {
            record_answer("v3", "DID.ORDER", "SUCCESS", black_box(latency));
        },
    );
    let handle = didhub::telemetry::exporter::install().expect("recorder");
    per_call(
        "metrics on (Prometheus): request counter + histogram",
        |i| {
            record_answer("v3", "DID.ORDER", "SUCCESS", black_box(latency));
            if i % 500_000 == 0 {
                handle.run_upkeep(); // as the server's upkeep task does every 5 s
            }
        },
    );
}
