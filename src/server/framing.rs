//! [`WatchedStream`]: a connection's byte stream as hyper reads it, watched for the one
//! thing hyper hides from the service: a request head carrying both `Content-Length`
//! and `Transfer-Encoding`.
//!
//! hyper frames such a request by `Transfer-Encoding` alone, as RFC 9112 §6.1 allows,
//! drops the `Content-Length` header and closes the connection after answering; the
//! service never learns that both were sent, and so cannot answer 400 as the house
//! rule wants (a proxy in front may have framed the same bytes by `Content-Length`:
//! request smuggling). So the heads are parsed a second time here, with httparse (the
//! parser hyper uses), following the framing hyper follows: a head, then its
//! `Content-Length` bytes of body, then the next head. After a chunked request the
//! watch stops: the service answers it with `Connection: close`, so nothing follows it
//! on this connection. Any head that does not parse stops the watch too; hyper refuses
//! it and closes the connection.
//!
//! Every read that brings bytes is also reported to the connection's [`ReadActivity`]
//! (see [`super::head_timer`]).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::head_timer::ReadActivity;

/// What the watch found on one connection, for its service to read.
#[derive(Debug, Default)]
pub struct FramingVerdict {
    conflicting_lengths: AtomicBool,
}

impl FramingVerdict {
    /// Whether a request on this connection carried both Content-Length and
    /// Transfer-Encoding.
    pub fn conflicting_lengths(&self) -> bool {
        self.conflicting_lengths.load(Ordering::Relaxed)
    }
}

/// Where the watch is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// In (or before) a request head; its bytes so far are in `head`.
    Head,
    /// In a body with this many bytes left.
    Body(u64),
    /// Nothing more to watch on this connection.
    Stopped,
}

/// The stream-following part of the watch, apart from any I/O.
#[derive(Debug)]
pub struct HeadWatch {
    position: Position,
    head: Vec<u8>,
    max_head_bytes: usize,
    verdict: Arc<FramingVerdict>,
}

impl HeadWatch {
    pub fn new(max_head_bytes: usize, verdict: Arc<FramingVerdict>) -> HeadWatch {
        HeadWatch {
            position: Position::Head,
            head: Vec::new(),
            max_head_bytes,
            verdict,
        }
    }

    /// Follows `bytes`, the next bytes of the stream.
    pub fn observe(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.position {
                Position::Stopped => return,
                Position::Body(left) => {
                    let skipped = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[skipped..];
                    let left = left - skipped as u64;
                    self.position = if left == 0 {
                        Position::Head
                    } else {
                        Position::Body(left)
                    };
                }
                Position::Head => {
                    let before = self.head.len();
                    let room = self.max_head_bytes.saturating_sub(before);
                    let taken = room.min(bytes.len());
                    self.head.extend_from_slice(&bytes[..taken]);
                    match self.parse_head() {
                        Some(head_len) => {
                            // Bytes past the head's end belong to what follows it.
                            bytes = &bytes[head_len - before..];
                            self.head.clear();
                        }
                        None if self.head.len() >= self.max_head_bytes => {
                            self.stop();
                        }
                        None => return,
                    }
                }
            }
        }
    }

    /// Parses the buffered head; its length when complete (the position then moves on).
    fn parse_head(&mut self) -> Option<usize> {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut request = httparse::Request::new(&mut headers);
        let length = match request.parse(&self.head) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return None,
            Err(_) => {
                self.stop();
                return None;
            }
        };
        let mut content_length = None;
        let mut transfer_encoding = false;
        for header in request.headers.iter() {
            if header.name.eq_ignore_ascii_case("content-length") {
                content_length = std::str::from_utf8(header.value)
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .or(Some(u64::MAX));
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                transfer_encoding = true;
            }
        }
        self.position = match (content_length, transfer_encoding) {
            (Some(_), true) => {
                self.verdict
                    .conflicting_lengths
                    .store(true, Ordering::Relaxed);
                Position::Stopped
            }
            (_, true) | (Some(u64::MAX), false) => Position::Stopped,
            (Some(0) | None, false) => Position::Head,
            (Some(length), false) => Position::Body(length),
        };
        Some(length)
    }

    fn stop(&mut self) {
        self.position = Position::Stopped;
        self.head = Vec::new();
    }
}

/// A connection's stream with its reads watched.
pub struct WatchedStream<S> {
    inner: S,
    watch: HeadWatch,
    activity: Arc<ReadActivity>,
}

impl<S> WatchedStream<S> {
    pub fn new(inner: S, watch: HeadWatch, activity: Arc<ReadActivity>) -> Self {
        WatchedStream {
            inner,
            watch,
            activity,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WatchedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                self.activity.note_read();
                self.watch.observe(new);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WatchedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_watch() -> (HeadWatch, Arc<FramingVerdict>) {
        let verdict = Arc::new(FramingVerdict::default());
        (HeadWatch::new(4096, verdict.clone()), verdict)
    }

    #[test]
    fn both_lengths_in_one_head_are_found_whatever_their_order() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n",
        ] {
            let (mut watch, verdict) = new_watch();
            watch.observe(head.as_bytes());
            assert!(verdict.conflicting_lengths(), "{head}");
        }
    }

    #[test]
    fn heads_split_across_reads_and_bodies_are_followed() {
        let (mut watch, verdict) = new_watch();
        // A body that looks like a head with both headers is only a body.
        let smuggled = "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: x\r\n\r\n";
        let first = format!(
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            smuggled.len()
        );
        let stream = format!("{first}{smuggled}GET /b HTTP/1.1\r\n\r\n");
        for piece in stream.as_bytes().chunks(7) {
            watch.observe(piece);
        }
        assert!(!verdict.conflicting_lengths());
        assert_eq!(watch.position, Position::Head);
        watch.observe(b"POST /c HTTP/1.1\r\nContent-Len");
        watch.observe(b"gth: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert!(verdict.conflicting_lengths());
    }

    #[test]
    fn the_watch_stops_after_a_chunked_request_or_an_unreadable_head() {
        let (mut watch, _) = new_watch();
        watch.observe(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n");
        assert_eq!(watch.position, Position::Stopped);
        let (mut watch, _) = new_watch();
        watch.observe(b"\x00\x01 garbage\r\n\r\n");
        assert_eq!(watch.position, Position::Stopped);
        let (mut watch, _) = new_watch();
        watch.observe(&vec![b'a'; 5000]);
        assert_eq!(watch.position, Position::Stopped);
    }
}
