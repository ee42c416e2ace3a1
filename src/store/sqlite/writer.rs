//! The single writer: one thread owns the only read-write connection and runs every
//! write command sent to it over a channel.
//!
//! Commands are executed with group commit: the writer takes every command waiting in
//! its queue (up to [`MAX_BATCH`]), runs each inside its own SAVEPOINT of one
//! transaction, so a failed command is rolled back alone, commits once, and only then
//! answers each caller. No command is acknowledged before its commit is durable.
//! Because there is one writer, writes never contend for SQLite's lock.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};

/// Most commands committed together.
pub const MAX_BATCH: usize = 256;

/// One write command: executed inside a savepoint, answered after the commit.
trait WriteCommand: Send {
    /// Runs the command; `false` means it failed and its savepoint must be rolled back.
    fn execute(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn answer(self: Box<Self>, commit: Result<(), String>);
}

struct Command<T, F> {
    work: Option<F>,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> WriteCommand for Command<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn execute(&mut self, conn: &Connection) -> bool {
        let work = self.work.take().expect("a command runs once");
        // A panicking command must not take the writer (and every later write) down.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(StoreError::Backend("a write command panicked".into())));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self: Box<Self>, commit: Result<(), String>) {
        let outcome = match (self.outcome, commit) {
            (Some(Ok(_)), Err(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
            (Some(outcome), _) => outcome,
            (None, _) => Err(StoreError::Backend("command was not executed".into())),
        };
        let _ = self.reply.send(outcome);
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
        let command = Command {
            work: Some(work),
            outcome: None,
            reply,
        };
        self.queue
            .send(Message::Command(Box::new(command)))
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
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

/// Runs every command in its own savepoint of one transaction and commits once.
fn execute_batch(conn: &Connection, batch: &mut [Box<dyn WriteCommand>]) -> Result<(), String> {
    // Cached statements: these run for every command, so they are parsed only once.
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("BEGIN IMMEDIATE").map_err(|e| e.to_string())?;
    for command in batch.iter_mut() {
        let step = run("SAVEPOINT command")
            .map(|_| command.execute(conn))
            .and_then(|ok| {
                if !ok {
                    run("ROLLBACK TO command")?;
                }
                run("RELEASE command")
            });
        if let Err(e) = step {
            let _ = run("ROLLBACK");
            return Err(e.to_string());
        }
    }
    run("COMMIT").map(|_| ()).map_err(|e| {
        let _ = run("ROLLBACK");
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
