//! The writer's duties besides its commands, for a database on disk: refusing writes
//! once the database's files are no longer the store's (see [`crate::store::sqlite`]'s
//! `files.rs`), measuring the space left, and keeping the WAL bounded (see
//! [`super::wal_policy`], [`super::checkpoint`] and [`super::restart`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::checkpoint::Checkpointer;
use super::restart::{Restart, Restarted, restart};
use super::wal_policy::{Space, WalLimits};
use crate::store::sqlite::BUSY_TIMEOUT;
use crate::store::sqlite::files::DatabaseFiles;
use crate::store::{StoreError, StoreResult};

/// How often the writer measures the free space of the database's filesystem.
const SPACE_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// How long a restart between batches waits for readers of older snapshots (writes
/// wait with it): a request's read is over long before; a longer read (an audit, a
/// copy) makes the restart give up rather than hold every order back.
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// After a restart waited [`RESTART_WAIT`] in vain (or failed), the writer leaves the WAL
/// alone for this long before it tries again, twice as long after each such failure in
/// a row (up to [`RESTART_BACKOFF_MAX`]): a long read then costs orders a few short
/// waits.
const RESTART_BACKOFF_MIN: Duration = Duration::from_millis(50);
const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(2);

/// How long the last restart, at a graceful stop, may wait for readers.
const FINAL_RESTART_WAIT: Duration = Duration::from_secs(5);

/// What the writer keeps an eye on for a database on disk.
pub struct Upkeep {
    checkpointer: Checkpointer,
    files: Arc<DatabaseFiles>,
    space: Space,
    space_checked: Option<Instant>,
    /// Set when a restart gave up: none is tried before then.
    restart_paused_until: Option<Instant>,
    /// The pause after the next restart that waits in vain.
    restart_backoff: Duration,
    /// Whether SQLite failed the last restart (as opposed to a reader staying).
    restart_failed: bool,
}

impl Upkeep {
    pub fn new(checkpointer: Checkpointer, files: Arc<DatabaseFiles>) -> Upkeep {
        Upkeep {
            checkpointer,
            files,
            space: Space::Plenty,
            space_checked: None,
            restart_paused_until: None,
            restart_backoff: RESTART_BACKOFF_MIN,
            restart_failed: false,
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
            self.restart(conn, Restart::Truncate, RESTART_WAIT);
            return;
        }
        let due = self.checkpointer.after_commit(self.space);
        // Past twice the limit the writer does not wait for the checkpoint thread either.
        if due || self.insisting() {
            let how = if WalLimits::truncates(self.space) {
                Restart::Truncate
            } else {
                Restart::KeepFile
            };
            self.restart(conn, how, RESTART_WAIT);
        }
    }

    /// At a graceful stop: the WAL copied back and truncated, so nothing is left in it.
    pub(super) fn finish(mut self, conn: &Connection) {
        self.checkpointer.stop();
        self.restart_paused_until = None;
        self.restart_failed = false;
        self.restart(conn, Restart::Truncate, FINAL_RESTART_WAIT);
    }

    fn restart(&mut self, conn: &Connection, how: Restart, wait: Duration) {
        // Past twice the limit the bound comes first: wait for any reader, no pause
        // (but a restart SQLite failed, on a full disk, is not retried at every batch).
        let insist = self.insisting() && !self.restart_failed;
        let paused = self
            .restart_paused_until
            .is_some_and(|until| Instant::now() < until);
        if paused && !insist {
            return;
        }
        let wait = if insist { BUSY_TIMEOUT.max(wait) } else { wait };
        let outcome = restart(conn, how, wait);
        self.checkpointer.restart_tried(outcome == Restarted::Yes);
        self.restart_failed = outcome == Restarted::Failed;
        if outcome == Restarted::Yes {
            self.restart_paused_until = None;
            self.restart_backoff = RESTART_BACKOFF_MIN;
        } else {
            // A long read, or no room to copy the WAL: leave writes alone a while,
            // longer each time in a row.
            self.restart_paused_until = Some(Instant::now() + self.restart_backoff);
            self.restart_backoff = (self.restart_backoff * 2).min(RESTART_BACKOFF_MAX);
        }
    }

    fn insisting(&self) -> bool {
        self.checkpointer.wal_pages() >= self.checkpointer.limits().insist_pages()
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
