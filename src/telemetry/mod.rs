//! Telemetry: what didhub measures and how it is exported: the metric names and their
//! meaning ([`names`]), and the Prometheus recorder ([`exporter`]) that `serve` installs when
//! metrics are configured. Code anywhere in the crate records with the `metrics` facade
//! (`metrics::counter!(names::ORDERS)`); without an installed recorder a record costs a
//! check and nothing is kept.

pub mod exporter;
pub mod names;
