//! Operator tasks shared by the CLI and the tests: creating accounts, seeding the demo,
//! generating and importing inventory. They validate input, then call the store.

pub mod accounts;
pub mod demo;
pub mod generate;
pub mod import;
pub mod prices;

use crate::domain::DomainError;
use crate::store::StoreError;

/// Why an operator task failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
