//! Routing tokens: the credentials switches present to the route endpoints. A token is
//! `rt_` and 40 random hex characters; only its SHA-256 is stored
//! ([`crate::domain::credentials::secret_hash`]), under an operator-chosen name.

use crate::domain::DomainError;
use crate::domain::credentials::generate_api_key;

/// A new random routing token.
pub fn generate_token() -> String {
    format!("rt_{}", generate_api_key())
}

/// Checks a token's name: 1 to 64 letters, digits, `_`, `-` or `.`.
pub fn validate_token_name(name: &str) -> Result<(), DomainError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "--name",
            name,
            "expected 1 to 64 letters, digits, '_', '-' or '.'",
        ))
    }
}

/// A routing token as the operator lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingToken {
    pub name: String,
    pub created_at: crate::domain::Timestamp,
}
