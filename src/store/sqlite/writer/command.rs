//! Write commands: the work a caller sends to the writer, how it runs (once, or again
//! after a rollback), and the answer it gets once its batch's fate is known.

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};

/// What a command does, and whether it can do it again.
pub(super) trait Work<T>: Send {
    fn run(&mut self, conn: &Connection) -> StoreResult<T>;
    /// Whether the work can run again after its transaction was rolled back.
    fn replayable(&self) -> bool;
}

/// Work that runs once ([`super::Writer::write`]).
pub(super) struct RunOnce<F>(pub(super) Option<F>);

/// Work that may run again ([`super::Writer::write_replayable`]).
pub(super) struct RunAgain<F>(pub(super) F);

impl<T, F> Work<T> for RunOnce<F>
where
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> StoreResult<T> {
        let work = self.0.take().expect("a command runs once");
        work(conn)
    }

    fn replayable(&self) -> bool {
        false
    }
}

impl<T, F> Work<T> for RunAgain<F>
where
    F: Fn(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> StoreResult<T> {
        (self.0)(conn)
    }

    fn replayable(&self) -> bool {
        true
    }
}

/// One write command as the writer sees it, whatever its result type.
pub(super) trait WriteCommand: Send {
    /// Runs the command; `false` means it failed (its outcome is kept for the answer).
    fn execute(&mut self, conn: &Connection) -> bool;
    fn replayable(&self) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn answer(self: Box<Self>, commit: StoreResult<()>);
}

/// A command and where its answer goes; the last run's outcome is the answer.
struct Command<T, W> {
    work: W,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

/// A command for `work`, and the receiver of its answer.
pub(super) fn command<T, W>(work: W) -> (Box<dyn WriteCommand>, oneshot::Receiver<StoreResult<T>>)
where
    T: Send + 'static,
    W: Work<T> + 'static,
{
    let (reply, answer) = oneshot::channel();
    let command = Command {
        work,
        outcome: None,
        reply,
    };
    (Box::new(command), answer)
}

impl<T: Send, W: Work<T>> WriteCommand for Command<T, W> {
    fn execute(&mut self, conn: &Connection) -> bool {
        // A panicking command must not take the writer (and every later write) down.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.work.run(conn)))
                .unwrap_or_else(|_| Err(StoreError::Backend("a write command panicked".into())));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn replayable(&self) -> bool {
        self.work.replayable()
    }

    fn answer(self: Box<Self>, commit: StoreResult<()>) {
        let answer = match (self.outcome, commit) {
            // Refused before it ran, or not committed: it did nothing.
            (Some(Ok(_)) | None, Err(e)) => Err(e),
            (Some(outcome), Ok(())) => outcome,
            (Some(Err(e)), Err(_)) => Err(e),
            (None, Ok(())) => Err(StoreError::Backend("command was not executed".into())),
        };
        let _ = self.reply.send(answer);
    }
}
