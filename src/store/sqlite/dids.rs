//! Turning stored text back into domain newtypes: a stored value that no longer parses
//! is a backend error, never a panic.

use rusqlite::types::Type;

use crate::domain::{AccountNumber, DomainError};

fn conversion(column: usize, e: DomainError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e))
}

pub(super) fn stored_account_number(text: String) -> rusqlite::Result<AccountNumber> {
    AccountNumber::parse("stored account number", &text).map_err(|e| conversion(0, e))
}
