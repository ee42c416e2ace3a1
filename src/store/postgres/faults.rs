//! Which PostgreSQL and pool errors are storage faults (the database cannot take writes
//! now; see [`crate::store::Fault`]) and which are failures of didhub itself.
//!
//! Faults: the server unreachable or gone (connection refused or closed, a timeout, a
//! shutdown, the database dropped), out of resources (disk full, too many connections)
//! or read-only (a standby). The pool recovers by itself: a broken connection is
//! dropped when it is next taken, and a new one is opened once the server answers.

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use super::describe;
use crate::store::{Fault, FaultReason, StoreError};

/// The fault behind a PostgreSQL error, if it is one.
pub(super) fn fault_reason(e: &tokio_postgres::Error) -> Option<FaultReason> {
    if let Some(db) = e.as_db_error() {
        return sql_state_fault(db.code());
    }
    let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
    // What tokio-postgres reports without a server error: I/O, a closed connection,
    // a timeout (its kinds are private, so the closed state and the source tell).
    let timeout = e.to_string().starts_with("timeout");
    (io || e.is_closed() || timeout).then_some(FaultReason::Unreachable)
}

/// The fault a server error code means, if any.
fn sql_state_fault(code: &SqlState) -> Option<FaultReason> {
    let class = &code.code()[..2];
    if *code == SqlState::DISK_FULL {
        return Some(FaultReason::DiskFull);
    }
    if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        return Some(FaultReason::ReadOnly);
    }
    if *code == SqlState::INVALID_CATALOG_NAME {
        return Some(FaultReason::Unreachable); // the database was dropped
    }
    match class {
        // connection exception, insufficient resources, operator intervention
        // (shutdown, cannot connect now), system error (I/O)
        "08" | "53" | "57" => Some(FaultReason::Unreachable),
        "58" => Some(FaultReason::IoError),
        _ => None,
    }
}

/// A PostgreSQL error as a store error: a counted fault, or a backend failure.
pub(super) fn classify(e: &tokio_postgres::Error) -> StoreError {
    match fault_reason(e) {
        Some(reason) => StoreError::Unavailable(Fault::failed(reason, describe(e))),
        None => StoreError::Backend(describe(e)),
    }
}

/// A pool error as a store error: failing to open a connection, or waiting too long
/// for one, is a fault.
pub(super) fn classify_pool(e: PoolError) -> StoreError {
    match e {
        PoolError::Closed => StoreError::Closed,
        // Opening a connection failed: whatever the server said, it cannot be used now.
        PoolError::Backend(e) => match classify(&e) {
            StoreError::Backend(detail) => {
                StoreError::Unavailable(Fault::failed(FaultReason::Unreachable, detail))
            }
            fault => fault,
        },
        PoolError::Timeout(_) => StoreError::Unavailable(Fault::failed(
            FaultReason::Unreachable,
            format!("no database connection: {e}"),
        )),
        other => StoreError::Backend(format!("no database connection: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_resource_and_read_only_states_are_faults() {
        let fault = |code: &str| sql_state_fault(&SqlState::from_code(code));
        assert_eq!(fault("53100"), Some(FaultReason::DiskFull));
        assert_eq!(fault("25006"), Some(FaultReason::ReadOnly));
        assert_eq!(fault("3D000"), Some(FaultReason::Unreachable));
        assert_eq!(fault("08006"), Some(FaultReason::Unreachable));
        assert_eq!(fault("57P01"), Some(FaultReason::Unreachable));
        assert_eq!(fault("53300"), Some(FaultReason::Unreachable));
        assert_eq!(fault("58030"), Some(FaultReason::IoError));
    }

    #[test]
    fn constraint_and_syntax_errors_are_backend_failures() {
        let fault = |code: &str| sql_state_fault(&SqlState::from_code(code));
        assert_eq!(fault("23505"), None);
        assert_eq!(fault("42601"), None);
        assert_eq!(fault("40001"), None);
    }
}
