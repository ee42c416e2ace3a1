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
//!
//! For a database on disk the writer also keeps an [`Upkeep`]: it refuses a batch, before
//! running it and again before acknowledging it, when a database file was deleted or
//! replaced; and it keeps the WAL bounded: a [`checkpoint::Checkpointer`] thread runs
//! PASSIVE checkpoints, and the writer restarts the WAL between batches when the policy
//! of [`wal_policy`] says so, after a write failed for lack of space, and when it stops.

mod batch;
pub mod checkpoint;
#[cfg(test)]
mod checkpoint_tests;
mod command;
pub mod epoch;
mod restart;
#[cfg(test)]
mod tests;
mod upkeep;
pub mod wal_policy;

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};
use crate::telemetry::names::{WRITER_BATCH_SIZE, WRITER_QUEUE_DEPTH};

use batch::execute_batch;
use command::{RunAgain, RunOnce, Work, WriteCommand, command};
pub use upkeep::Upkeep;

/// Most commands committed together.
pub const MAX_BATCH: usize = 256;

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
    /// Starts the writer thread, which takes ownership of `conn` and, for a database on
    /// disk in WAL mode whose connection was passed to
    /// [`checkpoint::hand_checkpoints_over`], of its [`Upkeep`] (with the thread that
    /// checkpoints it, stopped after the writer).
    pub fn spawn(conn: Connection, upkeep: Option<Upkeep>) -> Writer {
        let (queue, inbox) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("didhub-sqlite-writer".into())
            .spawn(move || run_writer(conn, inbox, upkeep))
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
        self.submit(RunOnce(Some(work))).await
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
        self.submit(RunAgain(work)).await
    }

    /// Like [`Writer::write`], but the command is queued now, when this is called, not
    /// when the returned future is first polled: commands queued one after another run
    /// in that order, and a caller can queue many before waiting for any.
    pub fn write_queued<T, F>(&self, work: F) -> impl Future<Output = StoreResult<T>> + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let sent = self.send(RunOnce(Some(work)));
        async move { sent?.await.map_err(|_| StoreError::Closed)? }
    }

    async fn submit<T, W>(&self, work: W) -> StoreResult<T>
    where
        T: Send + 'static,
        W: Work<T> + 'static,
    {
        self.send(work)?.await.map_err(|_| StoreError::Closed)?
    }

    /// Queues `work`; the receiver gets its answer.
    fn send<T, W>(&self, work: W) -> StoreResult<oneshot::Receiver<StoreResult<T>>>
    where
        T: Send + 'static,
        W: Work<T> + 'static,
    {
        let (command, answer) = command(work);
        // Counted before it is sent, so the writer never takes it off the gauge first.
        metrics::gauge!(WRITER_QUEUE_DEPTH).increment(1.0);
        if self.queue.send(Message::Command(command)).is_err() {
            metrics::gauge!(WRITER_QUEUE_DEPTH).decrement(1.0);
            return Err(StoreError::Closed);
        }
        Ok(answer)
    }

    /// Whether the writer thread is still running.
    pub fn is_running(&self) -> bool {
        self.thread
            .lock()
            .map(|t| t.as_ref().is_some_and(|thread| !thread.is_finished()))
            .unwrap_or(false)
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

fn run_writer(conn: Connection, inbox: Receiver<Message>, mut upkeep: Option<Upkeep>) {
    epoch::start_on_writer_thread();
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
            metrics::gauge!(WRITER_QUEUE_DEPTH).decrement(batch.len() as f64);
            metrics::histogram!(WRITER_BATCH_SIZE).record(batch.len() as f64);
            let outcome = run_batch(&conn, &mut batch, upkeep.as_ref());
            for command in batch.drain(..) {
                command.answer(outcome.clone());
            }
            if let Some(upkeep) = &mut upkeep {
                upkeep.after_batch(&conn, &outcome);
            }
        }
        if stopping {
            break;
        }
    }
    if let Some(upkeep) = upkeep {
        upkeep.finish(&conn);
    }
}

/// Runs and commits a batch; with an [`Upkeep`], only while the database's files are
/// the store's, checked before the batch and again before it is acknowledged.
fn run_batch(
    conn: &Connection,
    batch: &mut [Box<dyn WriteCommand>],
    upkeep: Option<&Upkeep>,
) -> StoreResult<()> {
    let Some(upkeep) = upkeep else {
        return execute_batch(conn, batch);
    };
    upkeep.refuse_unless_intact()?;
    execute_batch(conn, batch)?;
    upkeep.refuse_unless_intact()
}
