//! The writer: group commit, isolated failures of both kinds of command, panics and
//! draining on stop.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::Writer;
use crate::store::{StoreError, StoreResult};

fn writer_with_table() -> Writer {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .unwrap();
    Writer::spawn(conn, None)
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

/// Which kind of command a batch is made of.
#[derive(Clone, Copy)]
enum Kinds {
    /// `write`: a savepoint each.
    Plain,
    /// `write_replayable`.
    Replayable,
    /// Even commands replayable, odd ones plain.
    Mixed,
}

/// Command `k` of a batch of 20: writes rows k and k + 100; every third then fails,
/// after writing (`fail_after_writing`) or before. Each must get its own answer, and a
/// failed command must leave nothing behind.
async fn batch_of_twenty(kinds: Kinds, fail_after_writing: bool) {
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
            match kinds {
                Kinds::Replayable => writer.write_replayable(work).await,
                Kinds::Mixed if k % 2 == 0 => writer.write_replayable(work).await,
                Kinds::Plain | Kinds::Mixed => writer.write(work).await,
            }
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
    let expected: Vec<i64> = (0..20)
        .filter(|k| k % 3 != 0)
        .flat_map(|k| [k, k + 100])
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(all_keys(&writer).await, expected);
}

#[tokio::test]
async fn each_command_of_a_batch_gets_its_own_answer_and_failures_leave_nothing() {
    batch_of_twenty(Kinds::Plain, true).await;
}

#[tokio::test]
async fn replayable_commands_that_fail_before_writing_fail_alone() {
    batch_of_twenty(Kinds::Replayable, false).await;
}

#[tokio::test]
async fn a_replayable_command_that_fails_after_writing_is_undone_alone() {
    batch_of_twenty(Kinds::Replayable, true).await;
}

#[tokio::test]
async fn a_batch_mixing_both_kinds_of_command_isolates_each_failure() {
    batch_of_twenty(Kinds::Mixed, true).await;
    batch_of_twenty(Kinds::Mixed, false).await;
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
