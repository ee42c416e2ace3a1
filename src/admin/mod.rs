//! Operator tasks shared by the CLI and the tests: creating accounts, seeding the demo,
//! generating and importing inventory. They validate input, then call the store.

pub mod accounts;
pub mod billing;
pub mod demo;
pub mod generate;
pub mod import;
pub mod prices;
pub mod sms_prices;

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

/// A reader of an operator's CSV file: the header row is optional (each task recognises
/// its own), rows may have any number of fields (a wrong count is reported on its
/// line), and fields are trimmed.
fn operator_csv<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input)
}
