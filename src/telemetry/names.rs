//! The name of every metric didhub records, with its labels and meaning. Names follow
//! Prometheus conventions: `didhub_` prefix, `_total` for counters, base units.

/// Counter, labels `transport` (`v2`, `v3`), `action` (a known ACTION name, else
/// `other`) and `result` (`SUCCESS` or the error code): API requests answered.
pub const API_REQUESTS: &str = "didhub_api_requests_total";
/// Histogram (seconds), labels `transport` and `action`: time to answer an API request.
pub const API_REQUEST_DURATION: &str = "didhub_api_request_duration_seconds";
/// Counter: DID.ORDER requests that bought numbers (dry runs excluded).
pub const ORDERS: &str = "didhub_orders_total";
/// Counter: numbers sold by those orders.
pub const NUMBERS_SOLD: &str = "didhub_numbers_sold_total";
/// Counter, label `limit` (`per_key`, `auth_failures`): requests refused RATE_LIMITED.
pub const RATE_LIMITED: &str = "didhub_rate_limited_total";
/// Gauge: HTTP connections open (API and metrics listeners together).
pub const CONNECTIONS_OPEN: &str = "didhub_http_connections_open";
/// Counter: idle connections closed to make room for new ones at the connection cap.
pub const CONNECTIONS_SHED: &str = "didhub_http_connections_closed_for_room_total";
/// Histogram: commands committed together by the SQLite writer, per transaction.
pub const WRITER_BATCH_SIZE: &str = "didhub_sqlite_writer_batch_size";
/// Histogram: orders placed together by one PostgreSQL order batch.
pub const ORDER_BATCH_SIZE: &str = "didhub_postgres_order_batch_size";
/// Gauge: write commands waiting for the SQLite writer.
pub const WRITER_QUEUE_DEPTH: &str = "didhub_sqlite_writer_queue_depth";
/// Gauge, labels `pool` (`sqlite_read`, `postgres`) and `state` (`in_use`, `idle`):
/// the store's pooled connections.
pub const POOL_CONNECTIONS: &str = "didhub_store_pool_connections";
/// Gauge, label `pool`: requests waiting for a pooled connection (PostgreSQL).
pub const POOL_WAITING: &str = "didhub_store_pool_waiting";
/// Counter, label `reason`: writes the store could not make (recorded by the store).
pub const STORAGE_FAULTS: &str = "didhub_storage_faults_total";
