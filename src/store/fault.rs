//! Storage faults: the store cannot take writes now (no space left, a database file
//! deleted or replaced, the database unreachable). A request that fails with one did
//! nothing and may be retried later; the API answers it `SERVICE_UNAVAILABLE`.
//!
//! Each backend recognises its own errors as one of these [`FaultReason`]s
//! (`sqlite/faults.rs`, `postgres/faults.rs`); this module names them, says what they
//! mean and counts them (`didhub_storage_faults_total{reason}`, a `metrics` counter).

use std::fmt;

/// Why the store cannot take writes now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultReason {
    /// The database's filesystem (SQLite) or the database server (PostgreSQL) has no
    /// space left.
    DiskFull,
    /// Reading or writing the database's files failed.
    IoError,
    /// The database file, or its `-wal` or `-shm`, was deleted or replaced under the
    /// server: a write would go into a file that no longer exists.
    FileReplaced,
    /// Another process held the database's write lock for longer than the busy timeout.
    Busy,
    /// The database accepts no writes (a read-only file, a PostgreSQL standby).
    ReadOnly,
    /// The database server cannot be reached, or no connection came free in time.
    Unreachable,
    /// The writer thread is not running (SQLite).
    WriterStopped,
}

impl FaultReason {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            FaultReason::DiskFull => "disk_full",
            FaultReason::IoError => "io_error",
            FaultReason::FileReplaced => "file_replaced",
            FaultReason::Busy => "busy",
            FaultReason::ReadOnly => "read_only",
            FaultReason::Unreachable => "unreachable",
            FaultReason::WriterStopped => "writer_stopped",
        }
    }

    /// What it means, for the log and `GET /ready`.
    pub fn summary(self) -> &'static str {
        match self {
            FaultReason::DiskFull => "no space left for the database",
            FaultReason::IoError => "the database's files cannot be read or written",
            FaultReason::FileReplaced => "the database file was deleted or replaced",
            FaultReason::Busy => "another process holds the database's write lock",
            FaultReason::ReadOnly => "the database accepts no writes",
            FaultReason::Unreachable => "the database cannot be reached",
            FaultReason::WriterStopped => "the database writer has stopped",
        }
    }

    /// Whether the SQLite writer should checkpoint and truncate the WAL after a write
    /// failed for this reason: the WAL's space may be what is missing.
    pub fn may_free_space(self) -> bool {
        matches!(self, FaultReason::DiskFull | FaultReason::IoError)
    }
}

impl fmt::Display for FaultReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.summary())
    }
}

/// One storage fault: its reason and the backend's details (for the log only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Fault {
    pub reason: FaultReason,
    pub detail: String,
}

impl Fault {
    /// A fault as observed (a readiness probe); not counted.
    pub fn new(reason: FaultReason, detail: impl Into<String>) -> Fault {
        Fault {
            reason,
            detail: detail.into(),
        }
    }

    /// A fault that failed an operation: counted in `didhub_storage_faults_total`.
    pub fn failed(reason: FaultReason, detail: impl Into<String>) -> Fault {
        metrics::counter!("didhub_storage_faults_total", "reason" => reason.label()).increment(1);
        Fault::new(reason, detail)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder};
    use metrics::{SharedString, Unit};

    use super::*;

    /// Remembers every counter increment as `name{labels} += n`.
    #[derive(Default)]
    struct Increments(Arc<Mutex<Vec<String>>>);

    struct CounterOf(String, Arc<Mutex<Vec<String>>>);

    impl CounterFn for CounterOf {
        fn increment(&self, value: u64) {
            self.1
                .lock()
                .unwrap()
                .push(format!("{} += {value}", self.0));
        }
        fn absolute(&self, _value: u64) {}
    }

    impl Recorder for Increments {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            Counter::from_arc(Arc::new(CounterOf(name, self.0.clone())))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn failed_operations_are_counted_by_reason_and_probes_are_not() {
        let recorder = Increments::default();
        metrics::with_local_recorder(&recorder, || {
            Fault::failed(FaultReason::DiskFull, "database or disk is full");
            Fault::new(FaultReason::Unreachable, "a readiness probe");
            Fault::failed(FaultReason::FileReplaced, "didhub.db was deleted");
        });
        assert_eq!(
            *recorder.0.lock().unwrap(),
            [
                "didhub_storage_faults_total{reason=disk_full} += 1",
                "didhub_storage_faults_total{reason=file_replaced} += 1",
            ]
        );
    }

    #[test]
    fn a_fault_shows_its_meaning_then_its_details() {
        let fault = Fault::new(FaultReason::DiskFull, "database or disk is full");
        assert_eq!(
            fault.to_string(),
            "no space left for the database: database or disk is full"
        );
        assert_eq!(fault.reason.label(), "disk_full");
    }

    #[test]
    fn only_space_and_io_faults_ask_for_the_wal_to_be_truncated() {
        assert!(FaultReason::DiskFull.may_free_space());
        assert!(FaultReason::IoError.may_free_space());
        assert!(!FaultReason::FileReplaced.may_free_space());
        assert!(!FaultReason::Unreachable.may_free_space());
    }
}
