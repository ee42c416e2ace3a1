//! didhub: an open DID (telephone number) inventory and ordering server that speaks the
//! DID part of Anveo's API.
//!
//! The map of the crate, one line per module:
//! - [`domain`]: newtypes with `parse`, records and rules; knows no XML, HTTP or SQL.
//! - [`store`]: the storage traits in domain terms and their backends (SQLite, ...).

pub mod domain;
pub mod store;
