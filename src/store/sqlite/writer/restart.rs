//! The writer's restarts of the WAL, between two batches: a RESTART (or TRUNCATE)
//! checkpoint that waits a little for the readers of older snapshots, so that the next
//! commit starts the WAL from its beginning (see [`super::checkpoint`] for why the
//! writer runs them, and [`super::wal_policy`] for when).

use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::store::sqlite::BUSY_TIMEOUT;

/// What became of a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restarted {
    Yes,
    /// A reader kept an older snapshot for the whole wait.
    ReaderStayed,
    /// SQLite failed it (no space to copy the WAL into the database file, I/O).
    Failed,
}

/// How the writer restarts the WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// Keep the file (trimmed to `journal_size_limit`) for the next commits.
    KeepFile,
    /// Truncate the file to 0 bytes: space is short, or the store is stopping.
    Truncate,
}

/// How often a restart looks again whether the readers of older snapshots are done.
const RESTART_POLL: Duration = Duration::from_micros(100);

thread_local! {
    /// When the restart under way on this thread gives up.
    static RESTART_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The busy handler of a restart: polls often (readers come and go by the millisecond,
/// and SQLite's own handler sleeps ever longer) until the restart's deadline.
fn readers_pass(_attempt: i32) -> bool {
    std::thread::sleep(RESTART_POLL);
    RESTART_DEADLINE
        .with(Cell::get)
        .is_some_and(|deadline| Instant::now() < deadline)
}

/// On the writer's connection, between batches: copies every committed page into the
/// database file, waiting up to `wait` for readers of older snapshots (writes wait
/// meanwhile), so that the next commit starts the WAL over. A reader holding its
/// snapshot longer (an audit, a copy) makes it give up, to be tried again later.
///
/// One checkpoint call waits (busy handler) for the first reader in its way only, and
/// gives up at the next; with several readers overlapping it is called again until
/// every reader of an older snapshot is gone (readers that start meanwhile read the
/// newest state, and read it from the database file once every page is copied).
pub fn restart(conn: &Connection, how: Restart, wait: Duration) -> Restarted {
    let mode = match how {
        Restart::KeepFile => "RESTART",
        Restart::Truncate => "TRUNCATE",
    };
    let deadline = Instant::now() + wait;
    RESTART_DEADLINE.with(|d| d.set(Some(deadline)));
    let checkpoint = || {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
    };
    let done = conn.busy_handler(Some(readers_pass)).and_then(|()| {
        loop {
            match checkpoint() {
                Ok((1, _, _)) if Instant::now() < deadline => std::thread::sleep(RESTART_POLL),
                outcome => break outcome,
            }
        }
    });
    RESTART_DEADLINE.with(|d| d.set(None));
    if let Err(e) = conn.busy_timeout(BUSY_TIMEOUT) {
        tracing::error!(error = %e, "restoring the writer's busy timeout failed");
    }
    match done {
        Ok((0, wal_pages, copied)) => {
            tracing::debug!(mode, wal_pages, copied, "WAL restarted");
            Restarted::Yes
        }
        Ok((_, wal_pages, copied)) => {
            tracing::warn!(
                mode,
                wal_pages,
                copied,
                "WAL restart waited in vain for a reader; retried later"
            );
            Restarted::ReaderStayed
        }
        Err(e) => {
            tracing::warn!(mode, error = %e, "WAL restart failed; retried later");
            Restarted::Failed
        }
    }
}
