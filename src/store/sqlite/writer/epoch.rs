//! The writer's catalog epoch: lets commands cache what only other kinds of command
//! change, for as long as no such command could have run.
//!
//! The value moves when the writer begins a transaction (another connection, such as the
//! CLI, may have committed before it took the write lock) and after every command that
//! is not replayable. Replayable commands are orders, which never change the catalog or
//! its prices, so between two moves the catalog is exactly what the first command of the
//! stretch read. Other threads (the read pool) get no epoch and must not cache.

use std::cell::Cell;

thread_local! {
    /// `None` on every thread but the writer's.
    static EPOCH: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Marks the calling thread as the writer's.
pub(super) fn start_on_writer_thread() {
    EPOCH.with(|e| e.set(Some(0)));
}

/// Moves the epoch: what was cached under the old one may be stale.
pub(super) fn advance() {
    EPOCH.with(|e| e.set(e.get().map(|n| n.wrapping_add(1))));
}

/// The current epoch, or `None` off the writer thread (where nothing may be cached).
pub fn catalog_epoch() -> Option<u64> {
    EPOCH.with(Cell::get)
}
