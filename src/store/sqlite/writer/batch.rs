//! Running one batch of commands in one transaction: without savepoints when every
//! command is replayable and none fails after writing, else with a savepoint per command
//! (see the writer's module documentation).

use rusqlite::Connection;

use super::command::WriteCommand;
use super::epoch;
use crate::store::sqlite::faults::classify;
use crate::store::{StoreError, StoreResult};

/// Runs a batch in one transaction and commits once: without savepoints when every
/// command is replayable and none fails after writing, else with one per command.
pub(super) fn execute_batch(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
) -> StoreResult<()> {
    if batch.iter().all(|c| c.replayable()) {
        match execute_without_savepoints(conn, batch) {
            Ok(Finished::Committed) => return Ok(()),
            Ok(Finished::WroteThenFailed) => {} // rolled back: run it again, isolated
            Err(e) => return Err(e),
        }
    }
    execute_with_savepoints(conn, batch)
}

enum Finished {
    Committed,
    /// A command failed after it had changed rows; the transaction was rolled back.
    WroteThenFailed,
}

/// Cached statements: these run for every batch or command, so they are parsed once.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([]))
}

/// A failed step of the batch as the store error every command of it is answered with:
/// a storage fault (no space, I/O, a lock held too long) or a backend failure.
fn failed(step: &str, e: rusqlite::Error) -> StoreError {
    match classify(e) {
        StoreError::Backend(message) => StoreError::Backend(format!("{step} failed: {message}")),
        fault => fault,
    }
}

/// Takes the write lock; commits made before it (by any connection) may have changed the
/// catalog, so the writer's catalog epoch moves.
fn begin(conn: &Connection) -> StoreResult<()> {
    epoch::advance();
    run(conn, "BEGIN IMMEDIATE")
        .map(|_| ())
        .map_err(|e| failed("begin", e))
}

/// Runs one command; the catalog epoch moves after any that is not replayable (only
/// orders are, and they never change the catalog).
fn execute(conn: &Connection, command: &mut Box<dyn WriteCommand>) -> bool {
    let ok = command.execute(conn);
    if !command.replayable() {
        epoch::advance();
    }
    ok
}

fn execute_without_savepoints(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
) -> StoreResult<Finished> {
    begin(conn)?;
    for command in batch.iter_mut() {
        let before = conn.total_changes();
        if !execute(conn, command) && conn.total_changes() != before {
            run(conn, "ROLLBACK").map_err(|e| failed("rollback", e))?;
            return Ok(Finished::WroteThenFailed);
        }
    }
    commit(conn).map(|_| Finished::Committed)
}

/// Runs every command in its own savepoint of one transaction and commits once.
fn execute_with_savepoints(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
) -> StoreResult<()> {
    begin(conn)?;
    for command in batch.iter_mut() {
        let step = run(conn, "SAVEPOINT command")
            .map(|_| execute(conn, command))
            .and_then(|ok| {
                if !ok {
                    run(conn, "ROLLBACK TO command")?;
                }
                run(conn, "RELEASE command")
            });
        if let Err(e) = step {
            let _ = run(conn, "ROLLBACK");
            return Err(failed("savepoint", e));
        }
    }
    commit(conn)
}

fn commit(conn: &Connection) -> StoreResult<()> {
    run(conn, "COMMIT").map(|_| ()).map_err(|e| {
        let _ = run(conn, "ROLLBACK");
        failed("commit", e)
    })
}
