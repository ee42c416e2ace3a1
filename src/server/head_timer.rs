//! Two timeouts out of hyper's one: [`HeadTimer`] is the timer hyper's HTTP/1 server
//! arms while it waits for a request head (its `header_read_timeout`), made to tell a
//! connection that is idle between requests from one that is sending a head.
//!
//! hyper arms its header timer whenever it waits for a head: when the connection opens
//! and again as soon as a response is written. Used as it is, the header timeout would
//! also close every kept-alive connection after 10 s. This timer gives the first head
//! of a connection the header timeout from the moment the connection opened; after that,
//! a wait starts as idle (the keep-alive timeout) and becomes a head read (the header
//! timeout, from then) as soon as the client sends a byte, which [`ReadActivity`]
//! reports. Body bytes do not count: hyper arms the timer only between messages.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// Counts the reads that brought bytes on one connection (kept by its reader).
#[derive(Debug, Default)]
pub struct ReadActivity {
    reads: AtomicU64,
}

impl ReadActivity {
    pub fn note_read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

/// One connection's head timer; hyper calls it with the header timeout it was given.
pub struct HeadTimer {
    header_timeout: Duration,
    keep_alive_timeout: Duration,
    activity: Arc<ReadActivity>,
    /// Whether the first head (timed from the connection's start) has been waited for.
    first_wait_done: AtomicBool,
}

impl HeadTimer {
    pub fn new(
        header_timeout: Duration,
        keep_alive_timeout: Duration,
        activity: Arc<ReadActivity>,
    ) -> HeadTimer {
        HeadTimer {
            header_timeout,
            keep_alive_timeout,
            activity,
            first_wait_done: AtomicBool::new(false),
        }
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let now = tokio::time::Instant::now();
        let first = !self.first_wait_done.swap(true, Ordering::Relaxed);
        let (phase, timeout) = if first {
            (Phase::ReadingHead, self.header_timeout)
        } else {
            (Phase::Idle, self.keep_alive_timeout)
        };
        Box::pin(HeadSleep {
            phase,
            reads_when_armed: self.activity.reads(),
            activity: self.activity.clone(),
            header_timeout: self.header_timeout,
            sleep: Box::pin(tokio::time::sleep_until(now + timeout)),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No byte of the next request yet: the keep-alive timeout runs.
    Idle,
    /// The head is under way: the header timeout runs.
    ReadingHead,
}

struct HeadSleep {
    phase: Phase,
    reads_when_armed: u64,
    activity: Arc<ReadActivity>,
    header_timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this right after every read that did not complete the head.
        if self.phase == Phase::Idle && self.activity.reads() != self.reads_when_armed {
            self.phase = Phase::ReadingHead;
            let deadline = tokio::time::Instant::now() + self.header_timeout;
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl Sleep for HeadSleep {}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer() -> (HeadTimer, Arc<ReadActivity>) {
        let activity = Arc::new(ReadActivity::default());
        let timer = HeadTimer::new(
            Duration::from_secs(10),
            Duration::from_secs(60),
            activity.clone(),
        );
        (timer, activity)
    }

    async fn fired(sleep: &mut Pin<Box<dyn Sleep>>) -> bool {
        std::future::poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_ready())).await
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_head_has_the_header_timeout_from_the_start() {
        let (timer, _) = timer();
        let mut sleep = timer.sleep_until(Instant::now());
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(!fired(&mut sleep).await);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(fired(&mut sleep).await);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_has_the_keep_alive_timeout() {
        let (timer, _) = timer();
        drop(timer.sleep_until(Instant::now()));
        let mut idle = timer.sleep_until(Instant::now());
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(!fired(&mut idle).await);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(fired(&mut idle).await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_byte_of_the_next_head_starts_the_header_timeout() {
        let (timer, activity) = timer();
        drop(timer.sleep_until(Instant::now()));
        let mut wait = timer.sleep_until(Instant::now());
        tokio::time::advance(Duration::from_secs(30)).await;
        activity.note_read();
        assert!(!fired(&mut wait).await);
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(
            fired(&mut wait).await,
            "10 s after the first byte, not 60 s after idle"
        );
    }
}
