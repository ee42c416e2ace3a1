//! The writer's duties besides its commands, for a database on disk: refusing writes
//! once the database's files are no longer the store's (see [`crate::store::sqlite`]'s
//! `files.rs`), measuring the space left, and keeping the WAL bounded (see
//! [`super::wal_policy`] and [`super::checkpoint`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::checkpoint::{Checkpointer, Restart, restart};
use super::wal_policy::{Space, WalLimits};
use crate::store::sqlite::files::DatabaseFiles;
use crate::store::{StoreError, StoreResult};

/// How often the writer measures the free space of the database's filesystem.
const SPACE_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// What the writer keeps an eye on for a database on disk.
pub struct Upkeep {
    checkpointer: Checkpointer,
    files: Arc<DatabaseFiles>,
    space: Space,
    space_checked: Option<Instant>,
}

impl Upkeep {
    pub fn new(checkpointer: Checkpointer, files: Arc<DatabaseFiles>) -> Upkeep {
        Upkeep {
            checkpointer,
            files,
            space: Space::Plenty,
            space_checked: None,
        }
    }

    /// Refuses the batch (before it runs, and again before it is acknowledged) when a
    /// database file was deleted or replaced: its writes would vanish with the file.
    pub(super) fn refuse_unless_intact(&self) -> StoreResult<()> {
        self.files.refuse_unless_intact().map_err(StoreError::from)
    }

    /// After a batch was answered: measures the space now and then, and checkpoints or
    /// restarts the WAL as its length, the space and the batch's fate call for.
    pub(super) fn after_batch(&mut self, conn: &Connection, outcome: &StoreResult<()>) {
        self.measure_space();
        if let Err(StoreError::Unavailable(fault)) = outcome
            && fault.reason.may_free_space()
        {
            // The WAL may be what filled the disk: copy it back and give its space up.
            self.restart(conn, Restart::Truncate);
            return;
        }
        if self.checkpointer.after_commit(self.space) {
            let how = if WalLimits::truncates(self.space) {
                Restart::Truncate
            } else {
                Restart::KeepFile
            };
            self.restart(conn, how);
        }
    }

    /// At a graceful stop: the WAL copied back and truncated, so nothing is left in it.
    pub(super) fn finish(mut self, conn: &Connection) {
        self.checkpointer.stop();
        self.restart(conn, Restart::Truncate);
    }

    fn restart(&mut self, conn: &Connection, how: Restart) {
        if restart(conn, how) {
            self.checkpointer.restarted();
        }
    }

    fn measure_space(&mut self) {
        let due = self
            .space_checked
            .is_none_or(|at| at.elapsed() >= SPACE_CHECK_INTERVAL);
        if !due {
            return;
        }
        self.space_checked = Some(Instant::now());
        let limits = self.checkpointer.limits();
        self.space = self
            .files
            .free_bytes()
            .map_or(Space::Plenty, |free| limits.space(free));
    }
}
