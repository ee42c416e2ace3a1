//! The API's answer to a request target (path and query) longer than the HTTP layer reads.
//!
//! hyper parses the target into an `http::Uri`, which holds at most
//! [`MAX_TARGET_BYTES`]; a longer one never reaches a handler: hyper answers a bare
//! `414 URI Too Long` with an empty body, which public Anveo clients read as success. The
//! contract says a v2 query over 64 KiB is `MALFORMED_REQUEST` in the XML envelope (and a
//! v1 call a `result=error` line), so [`LongTargetGuard`] watches the first request line of
//! each connection as it is read: once the target of a request to `/api/v1.asp`,
//! `/api/v2.asp` or `/api/v3.asp` passes that length, it stops passing bytes to hyper,
//! writes the API's own error answer with `Connection: close`, discards what the client
//! still sends and then ends the stream. Every other byte passes through untouched, and
//! after the first request line the guard only forwards. A long target on a later
//! request of a kept-alive connection still gets hyper's 414: clients that build such
//! URLs open a connection per call.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::api::ERROR_CODE_HEADER;
use crate::api::anveo::error::ApiError;
use crate::api::anveo::response::{CONTENT_TYPE as XML_TYPE, error_xml};
use crate::api::v1::reply::{CONTENT_TYPE as TEXT_TYPE, error_line};
use crate::domain::ErrorCode;

/// The longest request target `http::Uri` (and so hyper) accepts.
pub const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;

/// Enough of a request line to know the method and which surface the target names.
const SNIFF_BYTES: usize = 32;

/// A connection's byte stream with the long-target rule applied to its first request.
pub struct LongTargetGuard<T> {
    inner: T,
    state: State,
}

enum State {
    /// Reading the first request line: its first bytes, and how long its target is so
    /// far (`None` while the method is being read).
    FirstLine {
        head: Vec<u8>,
        target: Option<usize>,
    },
    /// Everything passes through.
    Forward,
    /// Writing the error answer; then `Draining`.
    Answering { answer: Vec<u8>, written: usize },
    /// The answer is out: read and discard until the client closes, then end the stream.
    Draining,
}

impl<T> LongTargetGuard<T> {
    pub fn new(inner: T) -> Self {
        LongTargetGuard {
            inner,
            state: State::FirstLine {
                head: Vec::with_capacity(SNIFF_BYTES),
                target: None,
            },
        }
    }
}

impl State {
    /// Looks at bytes just read; the answer to write when the target is too long.
    fn observe(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let State::FirstLine { head, target } = self else {
            return None;
        };
        for &byte in bytes {
            if head.len() < SNIFF_BYTES {
                head.push(byte);
            }
            match target {
                _ if byte == b'\n' || byte == b'\r' => {
                    *self = State::Forward;
                    return None;
                }
                None if byte == b' ' => *target = Some(0),
                None => {}
                Some(_) if byte == b' ' => {
                    *self = State::Forward;
                    return None;
                }
                Some(length) => {
                    *length += 1;
                    if *length > MAX_TARGET_BYTES {
                        let answer = answer_for(head);
                        if answer.is_none() {
                            *self = State::Forward;
                        }
                        return answer;
                    }
                }
            }
        }
        None
    }
}

/// The error answer for a too-long target, when it names an API surface.
fn answer_for(head: &[u8]) -> Option<Vec<u8>> {
    let line = String::from_utf8_lossy(head);
    let target = line.split_once(' ')?.1;
    let error = ApiError::new(
        ErrorCode::MalformedRequest,
        format!(
            "the request target is longer than {MAX_TARGET_BYTES} bytes; \
             send long values in a POST body"
        ),
    );
    let (content_type, body) = if target.starts_with("/api/v1.asp") {
        (TEXT_TYPE, error_line(&error).into_bytes())
    } else if target.starts_with("/api/v2.asp") || target.starts_with("/api/v3.asp") {
        (XML_TYPE, error_xml(error.code, &error.message))
    } else {
        return None;
    };
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{ERROR_CODE_HEADER}: {}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        error.code.as_str(),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for LongTargetGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Forward => return Pin::new(&mut this.inner).poll_read(cx, buf),
                State::FirstLine { .. } => {
                    let before = buf.filled().len();
                    ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
                    let answer = this.state.observe(&buf.filled()[before..]);
                    match answer {
                        // Whatever hyper was given of this line stays unfinished with it.
                        Some(answer) => {
                            buf.set_filled(before);
                            this.state = State::Answering { answer, written: 0 };
                        }
                        None => return Poll::Ready(Ok(())),
                    }
                }
                State::Answering { answer, written } => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                    this.state = State::Draining;
                }
                State::Draining => {
                    let mut scratch = [0u8; 8192];
                    let mut discard = ReadBuf::new(&mut scratch);
                    ready!(Pin::new(&mut this.inner).poll_read(cx, &mut discard))?;
                    if discard.filled().is_empty() {
                        // The client closed: hyper sees the end of the stream.
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for LongTargetGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.state {
            // hyper has nothing to say on a connection the guard answered.
            State::Answering { .. } | State::Draining => Poll::Ready(Ok(data.len())),
            _ => Pin::new(&mut this.inner).poll_write(cx, data),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::*;

    /// Sends `request` through a guard and returns (what the server side read, what the
    /// client got back).
    async fn through_guard(request: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
        let (mut client, server) = duplex(1 << 20);
        let mut guarded = LongTargetGuard::new(server);
        client.write_all(&request).await.unwrap();
        client.shutdown().await.unwrap();
        let mut read = Vec::new();
        guarded.read_to_end(&mut read).await.unwrap();
        drop(guarded);
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        (read, answer)
    }

    fn get(path: &str, query_bytes: usize) -> Vec<u8> {
        format!(
            "GET {path}?action=DID.LIST&x={} HTTP/1.1\r\nhost: h\r\n\r\n",
            "a".repeat(query_bytes)
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn an_ordinary_request_passes_through_untouched() {
        let request = get("/api/v2.asp", 60_000);
        let (read, answer) = through_guard(request.clone()).await;
        assert_eq!(read, request);
        assert!(answer.is_empty());
    }

    #[tokio::test]
    async fn a_too_long_v2_target_is_answered_in_the_xml_envelope() {
        let (read, answer) = through_guard(get("/api/v2.asp", 70 * 1024)).await;
        assert!(
            read.len() <= MAX_TARGET_BYTES + 16,
            "hyper never gets the whole line"
        );
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("content-type: application/xml; charset=UTF-8"));
        assert!(head.contains("x-didhub-error-code: MALFORMED_REQUEST"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(body.contains("<ERROR>MALFORMED_REQUEST: the request target is longer"));
    }

    #[tokio::test]
    async fn a_too_long_v1_target_is_answered_as_a_v1_error_line() {
        let (_, answer) = through_guard(get("/api/v1.asp", 70 * 1024)).await;
        let answer = String::from_utf8(answer).unwrap();
        let body = answer.split_once("\r\n\r\n").unwrap().1;
        assert!(
            body.starts_with("result=error^error=MALFORMED_REQUEST: "),
            "{body}"
        );
    }

    #[tokio::test]
    async fn other_paths_and_later_requests_are_left_to_hyper() {
        let request = get("/elsewhere", 70 * 1024);
        let (read, answer) = through_guard(request.clone()).await;
        assert_eq!(read, request);
        assert!(answer.is_empty());
        let mut two = get("/api/v2.asp", 10);
        two.extend(get("/api/v2.asp", 70 * 1024));
        let (read, answer) = through_guard(two.clone()).await;
        assert_eq!(read, two, "only the first request line is watched");
        assert!(answer.is_empty());
    }
}
