//! didhub's integration tests: one binary, a module per feature. Each test starts the
//! real server on port 0 with a fresh database (see `support::TestApp`), and runs on
//! SQLite and, when `DIDHUB_TEST_POSTGRES` is set, on PostgreSQL (`support::backend`).

#[macro_use]
mod support;

mod anveo_clients;
mod auth_cache;
mod billing;
mod catalog;
mod catalog_lists;
mod channels;
mod cli;
mod cli_check;
mod concurrency;
mod connections;
mod customer_flow;
mod did_list;
mod did_move;
mod did_update;
mod durable_deliveries;
mod events;
mod idempotency;
mod import;
mod kannel;
mod lifecycle;
mod metrics;
mod multi_process;
mod order;
mod order_batches;
mod order_errors;
mod order_events;
mod order_processes;
mod postgres_tls;
mod rate_limits;
mod rate_plans;
mod routing;
mod routing_contrib;
mod routing_kamailio;
mod routing_processes;
mod sms;
mod sms_cli;
mod storage;
mod store_copy;
mod tls;
mod v1_gateway;
mod v2_post;
mod webhooks;
mod wire_errors;
