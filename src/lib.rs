//! didhub: an open DID (telephone number) inventory and ordering server that speaks the
//! DID part of Anveo's API.
//!
//! The map of the crate, one line per module:
//! - [`domain`]: newtypes with `parse`, records and rules; knows no XML, HTTP or SQL.
//! - [`store`]: the storage traits in domain terms and their backends (SQLite, PostgreSQL).
//! - [`api`]: the HTTP surface: the Anveo-compatible API, the v1 gateway, `/health`,
//!   `/ready`, `/metrics`, rate limits.
//! - [`server`]: the accept loop (connection cap, timeouts, header limits, TLS), serving
//!   until a shutdown signal, then draining.
//! - [`telemetry`]: the metric names and the Prometheus recorder behind `/metrics`.
//! - [`jobs`]: background loops of `serve` (the delivery worker, the idempotency purge).
//! - [`outbound`]: calls that leave the process: policy, HTTP client, one sender per channel.
//! - [`admin`]: operator tasks (accounts, demo, inventory) shared by CLI and tests.
//! - [`cli`]: the `didhub` command line.
//! - [`config`]: typed configuration with its layers.
//! - [`bundled`]: the catalog compiled into the binary.

pub mod admin;
pub mod api;
pub mod bundled;
pub mod cli;
pub mod config;
pub mod domain;
pub mod jobs;
pub mod outbound;
pub mod server;
pub mod store;
pub mod telemetry;
