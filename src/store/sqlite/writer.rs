//! The single writer: one thread owns the only read-write connection and runs every
//! write command sent to it over a channel.
//!
//! Commands are executed with group commit: the writer takes every command waiting in
//! its queue (up to [`MAX_BATCH`]), runs them in one transaction, commits once, and only
//! then answers each caller. No command is acknowledged before its commit is durable.
//! Because there is one writer, writes never contend for SQLite's lock.
//!
//! A failed command never undoes its neighbours, in one of two ways:
//!
//! * [`Writer::write`] runs its command inside a SAVEPOINT of its own, rolled back alone
//!   when the command fails.
//! * [`Writer::write_replayable`] is for commands that can run again from the start (the
//!   order path). A batch made only of those runs without savepoints: a savepoint makes
//!   SQLite copy every page a command touches into a sub-journal, which cost about a
//!   third of an order's time. A command that fails before writing anything (every
//!   customer error: all are found while planning, which only reads) needs no undo; SQLite
//!   already undoes a failed statement. Should one fail after it wrote (a bug or an I/O
//!   error), the writer rolls the whole transaction back and runs the batch again with a
//!   savepoint per command, so the outcome is the same as if every command had had one.
//!   "Wrote anything" is measured with SQLite's count of changed rows, so replayable
//!   commands change data only with INSERT, UPDATE and DELETE.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};

/// Most commands committed together.
pub const MAX_BATCH: usize = 256;

/// One write command, answered after the commit.
trait WriteCommand: Send {
    /// Runs the command; `false` means it failed (its outcome is kept for the answer).
    fn execute(&mut self, conn: &Connection) -> bool;
    /// Whether the command can run again after its transaction was rolled back.
    fn replayable(&self) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn answer(self: Box<Self>, commit: Result<(), String>);
}

/// A command that runs once ([`Writer::write`]).
struct Once<T, F> {
    work: Option<F>,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

/// A command that may run again ([`Writer::write_replayable`]); the last run's outcome
/// is the answer.
struct Replayable<T, F> {
    work: F,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

/// Runs `work`, turning a panic into an error: a panicking command must not take the
/// writer (and every later write) down.
fn run_caught<T>(work: impl FnOnce() -> StoreResult<T>) -> StoreResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(StoreError::Backend("a write command panicked".into())))
}

fn final_answer<T>(outcome: Option<StoreResult<T>>, commit: Result<(), String>) -> StoreResult<T> {
    match (outcome, commit) {
        (Some(Ok(_)), Err(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
        (Some(outcome), _) => outcome,
        (None, _) => Err(StoreError::Backend("command was not executed".into())),
    }
}

impl<T, F> WriteCommand for Once<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn execute(&mut self, conn: &Connection) -> bool {
        let work = self.work.take().expect("a command runs once");
        let outcome = run_caught(|| work(conn));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn replayable(&self) -> bool {
        false
    }

    fn answer(self: Box<Self>, commit: Result<(), String>) {
        let _ = self.reply.send(final_answer(self.outcome, commit));
    }
}

impl<T, F> WriteCommand for Replayable<T, F>
where
    T: Send,
    F: Fn(&Connection) -> StoreResult<T> + Send,
{
    fn execute(&mut self, conn: &Connection) -> bool {
        let outcome = run_caught(|| (self.work)(conn));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn replayable(&self) -> bool {
        true
    }

    fn answer(self: Box<Self>, commit: Result<(), String>) {
        let _ = self.reply.send(final_answer(self.outcome, commit));
    }
}

enum Message {
    Command(Box<dyn WriteCommand>),
    Stop,
}

/// Handle to the writer thread.
pub struct Writer {
    queue: Sender<Message>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer thread, which takes ownership of `conn`.
    pub fn spawn(conn: Connection) -> Writer {
        let (queue, inbox) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("didhub-sqlite-writer".into())
            .spawn(move || run_writer(conn, inbox))
            .expect("spawning the writer thread");
        Writer {
            queue,
            thread: Mutex::new(Some(thread)),
        }
    }

    /// Runs `work` in its own savepoint of the writer's next transaction and returns its
    /// result once committed. An `Err` from `work` rolls back everything it wrote.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(Box::new(Once {
            work: Some(work),
            outcome: None,
            reply,
        }))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Like [`Writer::write`], for work that can run again from the start with the same
    /// effect and that changes data only with INSERT, UPDATE and DELETE: it runs without
    /// a savepoint unless it fails after writing (see the module documentation). An
    /// `Err` from `work` still leaves nothing behind.
    pub async fn write_replayable<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(Box::new(Replayable {
            work,
            outcome: None,
            reply,
        }))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    fn submit(&self, command: Box<dyn WriteCommand>) -> StoreResult<()> {
        self.queue
            .send(Message::Command(command))
            .map_err(|_| StoreError::Closed)
    }

    /// Lets the writer finish every command queued so far, then stops it.
    pub fn stop(&self) {
        let _ = self.queue.send(Message::Stop);
        let thread = self.thread.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_writer(conn: Connection, inbox: Receiver<Message>) {
    let mut batch: Vec<Box<dyn WriteCommand>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = inbox.recv() {
        let mut stopping = false;
        match first {
            Message::Command(c) => batch.push(c),
            Message::Stop => stopping = true,
        }
        while !stopping && batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(Message::Command(c)) => batch.push(c),
                Ok(Message::Stop) => stopping = true,
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            let commit = execute_batch(&conn, &mut batch);
            for command in batch.drain(..) {
                command.answer(commit.clone());
            }
        }
        if stopping {
            break;
        }
    }
}

/// Runs a batch in one transaction and commits once: without savepoints when every
/// command is replayable and none fails after writing, else with one per command.
fn execute_batch(conn: &Connection, batch: &mut [Box<dyn WriteCommand>]) -> Result<(), String> {
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

fn execute_without_savepoints(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
) -> Result<Finished, String> {
    run(conn, "BEGIN IMMEDIATE").map_err(|e| e.to_string())?;
    for command in batch.iter_mut() {
        let before = conn.total_changes();
        if !command.execute(conn) && conn.total_changes() != before {
            run(conn, "ROLLBACK").map_err(|e| e.to_string())?;
            return Ok(Finished::WroteThenFailed);
        }
    }
    commit(conn).map(|_| Finished::Committed)
}

/// Runs every command in its own savepoint of one transaction and commits once.
fn execute_with_savepoints(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
) -> Result<(), String> {
    run(conn, "BEGIN IMMEDIATE").map_err(|e| e.to_string())?;
    for command in batch.iter_mut() {
        let step = run(conn, "SAVEPOINT command")
            .map(|_| command.execute(conn))
            .and_then(|ok| {
                if !ok {
                    run(conn, "ROLLBACK TO command")?;
                }
                run(conn, "RELEASE command")
            });
        if let Err(e) = step {
            let _ = run(conn, "ROLLBACK");
            return Err(e.to_string());
        }
    }
    commit(conn)
}

fn commit(conn: &Connection) -> Result<(), String> {
    run(conn, "COMMIT").map(|_| ()).map_err(|e| {
        let _ = run(conn, "ROLLBACK");
        e.to_string()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc as std_mpsc;

    use super::*;

    fn writer_with_table() -> Writer {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            .unwrap();
        Writer::spawn(conn)
    }

    /// Holds the writer inside its first command until `release` is sent, so that every
    /// command queued meanwhile is committed in the next batch, together.
    async fn block_writer(writer: &Arc<Writer>) -> std_mpsc::Sender<()> {
        let (release, wait) = std_mpsc::channel::<()>();
        let (started, running) = oneshot::channel::<()>();
        let writer = writer.clone();
        tokio::spawn(async move {
            let blocked = writer.write(move |_| {
                let _ = started.send(());
                let _ = wait.recv();
                Ok(())
            });
            let _ = blocked.await;
        });
        running.await.unwrap();
        release
    }

    #[tokio::test]
    async fn each_command_of_a_batch_gets_its_own_answer_and_failures_leave_nothing() {
        let writer = Arc::new(writer_with_table());
        let release = block_writer(&writer).await;
        let mut answers = Vec::new();
        for k in 0..20i64 {
            let writer = writer.clone();
            answers.push(tokio::spawn(async move {
                writer
                    .write(move |conn| {
                        conn.execute("INSERT INTO t (k, v) VALUES (?1, 'first')", [k])?;
                        conn.execute("INSERT INTO t (k, v) VALUES (?1, 'second')", [k + 100])?;
                        if k % 3 == 0 {
                            return Err(StoreError::Rejected(format!("command {k} refuses")));
                        }
                        Ok(k)
                    })
                    .await
            }));
        }
        // Let every command reach the queue, then let the writer take them as one batch.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        release.send(()).unwrap();
        for (k, answer) in answers.into_iter().enumerate() {
            match answer.await.unwrap() {
                Ok(value) => assert!(k % 3 != 0 && value == k as i64),
                Err(StoreError::Rejected(message)) => {
                    assert!(k % 3 == 0 && message == format!("command {k} refuses"))
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        let rows: Vec<i64> = writer
            .write(|conn| {
                let mut stmt = conn.prepare("SELECT k FROM t ORDER BY k")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<i64>, _>>()?)
            })
            .await
            .unwrap();
        let expected: Vec<i64> = (0..20)
            .filter(|k| k % 3 != 0)
            .flat_map(|k| [k, k + 100])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            rows, expected,
            "a failed command's writes are rolled back alone"
        );
    }

    async fn all_keys(writer: &Writer) -> Vec<i64> {
        writer
            .write(|conn| {
                let mut stmt = conn.prepare("SELECT k FROM t ORDER BY k")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<i64>, _>>()?)
            })
            .await
            .unwrap()
    }

    /// Command `k` of a batch of 20: writes rows k and k + 100; every third then fails,
    /// after writing (`fail_after_writing`) or before. With `replayable_only` false, the
    /// odd ones are plain `write` commands, so the batch mixes both kinds.
    async fn replayable_batch(fail_after_writing: bool, replayable_only: bool) {
        let writer = Arc::new(writer_with_table());
        let release = block_writer(&writer).await;
        let mut answers = Vec::new();
        for k in 0..20i64 {
            let writer = writer.clone();
            answers.push(tokio::spawn(async move {
                let work = move |conn: &Connection| {
                    let fails = k % 3 == 0;
                    if fails && !fail_after_writing {
                        return Err(StoreError::Rejected(format!("command {k} refuses")));
                    }
                    // A replayed command must not find its own earlier rows.
                    conn.execute("INSERT INTO t (k, v) VALUES (?1, 'first')", [k])?;
                    conn.execute("INSERT INTO t (k, v) VALUES (?1, 'second')", [k + 100])?;
                    if fails {
                        return Err(StoreError::Rejected(format!("command {k} refuses")));
                    }
                    Ok(k)
                };
                if replayable_only || k % 2 == 0 {
                    writer.write_replayable(work).await
                } else {
                    writer.write(work).await
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        release.send(()).unwrap();
        for (k, answer) in answers.into_iter().enumerate() {
            match answer.await.unwrap() {
                Ok(value) => assert!(k % 3 != 0 && value == k as i64),
                Err(StoreError::Rejected(message)) => {
                    assert!(k % 3 == 0 && message == format!("command {k} refuses"))
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        let expected: Vec<i64> = (0..20)
            .filter(|k| k % 3 != 0)
            .flat_map(|k| [k, k + 100])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(all_keys(&writer).await, expected);
    }

    #[tokio::test]
    async fn replayable_commands_that_fail_before_writing_fail_alone() {
        replayable_batch(false, true).await;
    }

    #[tokio::test]
    async fn a_replayable_command_that_fails_after_writing_is_undone_alone() {
        replayable_batch(true, true).await;
    }

    #[tokio::test]
    async fn a_batch_mixing_both_kinds_of_command_isolates_each_failure() {
        replayable_batch(true, false).await;
        replayable_batch(false, false).await;
    }

    #[tokio::test]
    async fn a_replayable_command_panicking_after_writing_fails_alone() {
        let writer = writer_with_table();
        let panicked = writer
            .write_replayable(|conn| -> StoreResult<()> {
                conn.execute("INSERT INTO t (k, v) VALUES (1, 'x')", [])?;
                panic!("boom")
            })
            .await;
        assert!(matches!(panicked, Err(StoreError::Backend(_))));
        assert!(all_keys(&writer).await.is_empty());
        let kept = writer
            .write_replayable(|conn| Ok(conn.execute("INSERT INTO t (k, v) VALUES (2, 'y')", [])?))
            .await;
        assert_eq!(kept.unwrap(), 1);
        assert_eq!(all_keys(&writer).await, vec![2]);
    }

    #[tokio::test]
    async fn a_panicking_command_fails_alone_and_the_writer_lives_on() {
        let writer = writer_with_table();
        let panicked = writer
            .write(|conn| -> StoreResult<()> {
                conn.execute("INSERT INTO t (k, v) VALUES (1, 'x')", [])?;
                panic!("boom")
            })
            .await;
        assert!(matches!(panicked, Err(StoreError::Backend(_))));
        let count: i64 = writer
            .write(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(count, 0);
    }

    #[tokio::test]
    async fn stop_finishes_queued_commands_then_refuses_new_ones() {
        let writer = Arc::new(writer_with_table());
        let release = block_writer(&writer).await;
        let queued = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(|conn| Ok(conn.execute("INSERT INTO t (k, v) VALUES (7, 'kept')", [])?))
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        let stopper = writer.clone();
        tokio::task::spawn_blocking(move || stopper.stop())
            .await
            .unwrap();
        assert_eq!(
            queued.await.unwrap().unwrap(),
            1,
            "acknowledged after its commit"
        );
        let refused = writer.write(|_| Ok(())).await;
        assert!(matches!(refused, Err(StoreError::Closed)));
    }
}
