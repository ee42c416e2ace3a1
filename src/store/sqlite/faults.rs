//! Which SQLite errors are storage faults (the store cannot take writes now; see
//! [`crate::store::Fault`]) and which are failures of didhub itself.

use rusqlite::ErrorCode;

use crate::store::{Fault, FaultReason, StoreError};

/// The fault behind a SQLite error, if it is one.
pub(super) fn fault_reason(e: &rusqlite::Error) -> Option<FaultReason> {
    let rusqlite::Error::SqliteFailure(failure, _) = e else {
        return None;
    };
    match failure.code {
        ErrorCode::DiskFull => Some(FaultReason::DiskFull),
        ErrorCode::SystemIoFailure | ErrorCode::CannotOpen => Some(FaultReason::IoError),
        ErrorCode::DatabaseBusy => Some(FaultReason::Busy),
        // SQLITE_READONLY_DBMOVED: SQLite's own finding that the file was moved.
        ErrorCode::ReadOnly if failure.extended_code == rusqlite::ffi::SQLITE_READONLY_DBMOVED => {
            Some(FaultReason::FileReplaced)
        }
        ErrorCode::ReadOnly | ErrorCode::PermissionDenied => Some(FaultReason::ReadOnly),
        _ => None,
    }
}

/// A SQLite error as a store error: a counted fault, or a backend failure.
pub(super) fn classify(e: rusqlite::Error) -> StoreError {
    match fault_reason(&e) {
        Some(reason) => StoreError::Unavailable(Fault::failed(reason, e.to_string())),
        None => StoreError::Backend(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn space_io_lock_and_moved_files_are_faults() {
        use rusqlite::ffi;
        assert_eq!(
            fault_reason(&failure(ffi::SQLITE_FULL)),
            Some(FaultReason::DiskFull)
        );
        assert_eq!(
            fault_reason(&failure(ffi::SQLITE_IOERR_WRITE)),
            Some(FaultReason::IoError)
        );
        assert_eq!(
            fault_reason(&failure(ffi::SQLITE_BUSY)),
            Some(FaultReason::Busy)
        );
        assert_eq!(
            fault_reason(&failure(ffi::SQLITE_READONLY_DBMOVED)),
            Some(FaultReason::FileReplaced)
        );
        assert!(matches!(
            classify(failure(ffi::SQLITE_FULL)),
            StoreError::Unavailable(Fault {
                reason: FaultReason::DiskFull,
                ..
            })
        ));
    }

    #[test]
    fn constraint_and_corruption_errors_are_backend_failures() {
        use rusqlite::ffi;
        assert_eq!(fault_reason(&failure(ffi::SQLITE_CONSTRAINT_CHECK)), None);
        assert_eq!(fault_reason(&failure(ffi::SQLITE_CORRUPT)), None);
        assert!(matches!(
            classify(rusqlite::Error::QueryReturnedNoRows),
            StoreError::Backend(_)
        ));
    }
}
