//! Checkpoints the WAL: PASSIVE ones on a thread of their own, beside the writer, and
//! the hand-over to the restarts that bound the WAL, which the writer runs between two
//! batches ([`super::restart`]; the rules are in [`super::wal_policy`]).
//!
//! SQLite's default (`wal_autocheckpoint`) runs a checkpoint inside the COMMIT that
//! pushes the WAL past 1,000 pages: the committing connection copies the WAL's pages
//! into the database file and syncs it, and with one writer thread every order queued
//! meanwhile waits. Under load that was about 18 µs of every order's writer time
//! (docs/BENCHMARKS.md). Here the writer's connection has automatic checkpoints off and a
//! WAL hook that notes the WAL's size after each commit; once that calls for a
//! checkpoint the writer nudges this thread, which runs a PASSIVE checkpoint on a
//! connection of its own, concurrently with the writer's next batches. A checkpoint
//! copies each page once however many times it changed since the last one, so fewer,
//! larger checkpoints copy far less. A PASSIVE checkpoint never blocks the writer or
//! readers, copies only committed pages, and syncs the database file (`synchronous` as
//! the writer's).
//!
//! PASSIVE alone starves under continuous load: readers keep older snapshots and the
//! writer keeps appending, so the WAL never starts over. When the policy asks for a
//! restart, this thread first copies what it can (PASSIVE), then raises a flag; the
//! writer, after its next batch, runs [`super::restart::restart`]: a RESTART (or TRUNCATE) checkpoint
//! that waits for the readers of older snapshots (each holds one for one request),
//! copies the pages left, and lets the next commit start the WAL from its beginning. The
//! writer waits for that instead of this thread because a waiting checkpoint blocks new
//! writers: run here, it would lose the write lock to the writer again and again.
//!
//! Durability is unchanged: a commit is durable once its WAL frames are synced, which
//! the writer still does in COMMIT before it answers; checkpoints only move committed
//! pages into the main file.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;

use super::wal_policy::{Checkpoint, Space, WalLimits};

thread_local! {
    /// The WAL's size in pages after the last commit on this thread's connection, set by
    /// [`record_wal_size`] (the hook is a plain function, so it cannot hold a handle).
    static WAL_PAGES: Cell<Option<c_int>> = const { Cell::new(None) };
}

fn record_wal_size(_wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(Some(pages)));
    Ok(())
}

/// Turns the writer connection's automatic checkpoints off, bounds the WAL file to
/// `limits`, and has its commits report the WAL's size to
/// [`Checkpointer::after_commit`] (on the thread that committed).
pub fn hand_checkpoints_over(writer: &Connection, limits: WalLimits) -> rusqlite::Result<()> {
    // The pragma installs SQLite's own hook; ours replaces it (in this order).
    writer.pragma_update(None, "wal_autocheckpoint", 0)?;
    let _: i64 = writer.query_row(
        &format!("PRAGMA journal_size_limit = {}", limits.limit_bytes()),
        [],
        |r| r.get(0),
    )?;
    writer.wal_hook(Some(record_wal_size));
    Ok(())
}

/// What the writer and the checkpoint thread share.
#[derive(Default)]
struct Shared {
    /// WAL pages after the writer's last commit.
    wal_pages: AtomicU32,
    /// Whether the writer last found the filesystem short of space.
    short_of_space: AtomicBool,
    /// Raised by the thread once it has copied what it could ahead of a restart, and
    /// lowered by the writer once it tried: meanwhile the thread runs no checkpoint, which
    /// would hold the checkpoint lock the writer's restart needs.
    restart_due: AtomicBool,
}

impl Shared {
    fn space(&self) -> Space {
        if self.short_of_space.load(Ordering::Relaxed) {
            Space::Short
        } else {
            Space::Plenty
        }
    }
}

/// Handle to the checkpoint thread, owned by the writer.
pub struct Checkpointer {
    limits: WalLimits,
    shared: Arc<Shared>,
    nudges: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Checkpoints run by the thread so far, whatever they copied (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    completed: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Starts the thread, which takes a connection of its own to the writer's database.
    pub fn spawn(conn: Connection, limits: WalLimits) -> Checkpointer {
        // One pending nudge is enough: a checkpoint copies everything committed so far.
        let (nudges, inbox) = mpsc::sync_channel(1);
        let shared = Arc::new(Shared::default());
        let completed = Arc::new(AtomicU64::new(0));
        let (for_thread, counter) = (shared.clone(), completed.clone());
        let thread = std::thread::Builder::new()
            .name("didhub-sqlite-checkpoint".into())
            .spawn(move || run_checkpoints(conn, inbox, limits, for_thread, counter))
            .expect("spawning the checkpoint thread");
        Checkpointer {
            limits,
            shared,
            nudges: Some(nudges),
            thread: Some(thread),
            completed,
        }
    }

    pub fn limits(&self) -> WalLimits {
        self.limits
    }

    /// Called by the writer after each batch with the space it last measured: asks for
    /// a checkpoint when the WAL calls for one, and says whether the writer should now
    /// restart the WAL (then it calls [`Checkpointer::restart_tried`]).
    pub fn after_commit(&self, space: Space) -> bool {
        self.shared
            .short_of_space
            .store(space == Space::Short, Ordering::Relaxed);
        if let Some(pages) = WAL_PAGES.with(Cell::take) {
            self.shared
                .wal_pages
                .store(pages.max(0) as u32, Ordering::Relaxed);
        }
        let pages = self.shared.wal_pages.load(Ordering::Relaxed);
        if self.limits.after_commit(pages, space) != Checkpoint::None {
            self.nudge();
        }
        self.shared.restart_due.load(Ordering::Acquire)
    }

    /// WAL pages after the writer's last commit.
    pub fn wal_pages(&self) -> u32 {
        self.shared.wal_pages.load(Ordering::Relaxed)
    }

    /// The writer tried to restart the WAL; `done` when the WAL is empty again.
    pub fn restart_tried(&self, done: bool) {
        if done {
            self.shared.wal_pages.store(0, Ordering::Relaxed);
        }
        self.shared.restart_due.store(false, Ordering::Release);
    }

    /// Asks for a checkpoint; never blocks (a nudge already pending covers this one).
    fn nudge(&self) {
        if let Some(nudges) = &self.nudges {
            // Full: a checkpoint is already due. Disconnected: the thread is gone, and the
            // writer's restarts and the final checkpoint still bound the WAL.
            let _ = nudges.try_send(());
        }
    }

    /// A count of the checkpoints run so far, that outlives handing the thread over.
    #[cfg(test)]
    pub fn completed(&self) -> Arc<AtomicU64> {
        self.completed.clone()
    }

    /// Lets a pending checkpoint finish, then stops the thread.
    pub fn stop(&mut self) {
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

fn run_checkpoints(
    conn: Connection,
    inbox: Receiver<()>,
    limits: WalLimits,
    shared: Arc<Shared>,
    completed: Arc<AtomicU64>,
) {
    while inbox.recv().is_ok() {
        let pages = shared.wal_pages.load(Ordering::Relaxed);
        let due = limits.after_commit(pages, shared.space());
        if due == Checkpoint::None || shared.restart_due.load(Ordering::Acquire) {
            continue; // the writer restarted the WAL since the nudge, or is about to
        }
        // PASSIVE: copy what no reader still needs, without waiting for anyone. An error
        // (the disk) is retried at the next nudge; meanwhile the WAL keeps every commit.
        match checkpoint(&conn, "PASSIVE") {
            Ok((wal_pages, copied)) => tracing::debug!(wal_pages, copied, "WAL checkpoint"),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retried later"),
        }
        if due == Checkpoint::Restart {
            shared.restart_due.store(true, Ordering::Release);
        }
        completed.fetch_add(1, Ordering::Release);
    }
}

/// Runs `PRAGMA wal_checkpoint(mode)`: the WAL's pages and how many are now copied.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })
}
