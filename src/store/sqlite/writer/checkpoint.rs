//! Checkpoints the WAL on a thread of its own, so the writer never does.
//!
//! SQLite's default (`wal_autocheckpoint`) runs a checkpoint inside the COMMIT that
//! pushes the WAL past 1,000 pages: the committing connection copies the WAL's pages
//! into the database file and syncs it, and with one writer thread every order queued
//! meanwhile waits. Under load that was about 18 µs of every order's writer time
//! (docs/BENCHMARKS.md). Here the writer's connection has automatic checkpoints off and a
//! WAL hook that notes the WAL's size after each commit; once that passes
//! [`CHECKPOINT_PAGES`] the writer nudges this thread, which runs a PASSIVE checkpoint on
//! a connection of its own, concurrently with the writer's next batches. The threshold is
//! ten times SQLite's default: a checkpoint copies each page once however many times it
//! changed since the last one, and the pages orders touch (the ends of the order, ledger
//! and history tables, the account) change in every batch, so fewer, larger checkpoints
//! copy far less. A PASSIVE checkpoint never blocks the writer or readers, copies only
//! committed pages, and syncs the database file (`synchronous` as the writer's). Once
//! every frame is copied, the writer's next transaction starts the WAL over from its
//! beginning, so the file stays about [`CHECKPOINT_PAGES`] long (some 40 MB).
//!
//! Durability is unchanged: a commit is durable once its WAL frames are synced, which
//! the writer still does in COMMIT before it answers; checkpoints only move committed
//! pages into the main file.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;

/// WAL pages (of 4 KiB) after which a checkpoint is started.
pub const CHECKPOINT_PAGES: c_int = 10_000;

thread_local! {
    /// The WAL's size in pages after the last commit on this thread's connection, set by
    /// [`record_wal_size`] (the hook is a plain function, so it cannot hold a handle).
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn record_wal_size(_wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(pages));
    Ok(())
}

/// Turns the writer connection's automatic checkpoints off and has its commits report
/// the WAL's size to [`Checkpointer::after_commit`] (on the thread that committed).
pub fn hand_checkpoints_over(writer: &Connection) -> rusqlite::Result<()> {
    // The pragma installs SQLite's own hook; ours replaces it (in this order).
    writer.pragma_update(None, "wal_autocheckpoint", 0)?;
    writer.wal_hook(Some(record_wal_size));
    Ok(())
}

/// Handle to the checkpoint thread.
pub struct Checkpointer {
    /// WAL pages after which a commit asks for a checkpoint.
    after_pages: c_int,
    nudges: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Checkpoints run so far, whatever they copied (read by the tests).
    #[cfg(test)]
    completed: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts the thread, which takes a connection of its own to the writer's database,
    /// to checkpoint whenever a commit leaves the WAL `after_pages` long or longer.
    pub fn spawn(conn: Connection, after_pages: c_int) -> Checkpointer {
        // One pending nudge is enough: a checkpoint copies everything committed so far.
        let (nudges, inbox) = mpsc::sync_channel(1);
        let completed = Arc::new(AtomicU64::new(0));
        let counter = completed.clone();
        let thread = std::thread::Builder::new()
            .name("didhub-sqlite-checkpoint".into())
            .spawn(move || run_checkpoints(conn, inbox, counter))
            .expect("spawning the checkpoint thread");
        Checkpointer {
            after_pages,
            nudges: Some(nudges),
            thread: Some(thread),
            #[cfg(test)]
            completed,
        }
    }

    /// Called by the writer after each commit: asks for a checkpoint when the commit left
    /// the WAL long enough.
    pub fn after_commit(&self) {
        if WAL_PAGES.with(|p| p.replace(0)) >= self.after_pages {
            self.nudge();
        }
    }

    /// Asks for a checkpoint; never blocks (a nudge already pending covers this one).
    fn nudge(&self) {
        if let Some(nudges) = &self.nudges {
            // Full: a checkpoint is already due. Disconnected: the thread is gone, and the
            // WAL keeps every commit until a checkpoint (the last connection's close) runs.
            let _ = nudges.try_send(());
        }
    }

    /// A count of the checkpoints run so far, that outlives handing the thread over.
    #[cfg(test)]
    pub fn completed(&self) -> Arc<AtomicU64> {
        self.completed.clone()
    }

    /// Lets a pending checkpoint finish, then stops the thread.
    fn stop(&mut self) {
        self.nudges = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_checkpoints(conn: Connection, inbox: Receiver<()>, completed: Arc<AtomicU64>) {
    while inbox.recv().is_ok() {
        // PASSIVE: copy what no reader still needs, without waiting for anyone. What is
        // left is copied by a later checkpoint; an error (the disk) is retried then too,
        // and meanwhile the WAL keeps every commit, so nothing is lost.
        let outcome = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        });
        match outcome {
            Ok((wal_pages, copied)) => tracing::debug!(wal_pages, copied, "WAL checkpoint"),
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; retried after the next commits")
            }
        }
        completed.fetch_add(1, Ordering::Release);
    }
}
