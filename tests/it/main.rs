//! didhub's integration tests: one binary, a module per feature. Each test starts the
//! real server on port 0 with a fresh database (see `support::TestApp`).

mod catalog;
mod cli;
mod concurrency;
mod import;
mod order;
mod order_errors;
mod support;
mod wire_errors;
