//! Serving one connection with hyper's HTTP/1 server: the limits of
//! [`ConnectionLimits`], the checks hyper leaves to the service (conflicting lengths,
//! the size of the header fields), and the three ways a connection ends early (the
//! server stops, it needs the room, or a timeout).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tower::Service;

use super::framing::{FramingVerdict, HeadWatch, WatchedStream};
use super::head_timer::{HeadTimer, ReadActivity};
use super::limits::ConnectionLimits;
use super::slots::{Slot, SlotState};
use crate::api::long_target::LongTargetGuard;

/// What every connection of one listener shares.
pub struct ConnectionSettings {
    pub router: Router,
    pub limits: ConnectionLimits,
}

/// Serves `stream` until the client closes it, a timeout or limit closes it, the server
/// wants its room (and it is idle), or `stopping` turns true (then in-flight requests
/// finish first).
pub async fn serve_connection<S>(
    stream: S,
    remote: SocketAddr,
    slot: Slot,
    settings: Arc<ConnectionSettings>,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &settings.limits;
    let activity = Arc::new(ReadActivity::default());
    let verdict = Arc::new(FramingVerdict::default());
    let watch = HeadWatch::new(limits.max_head_bytes(), verdict.clone());
    // A first request whose target hyper cannot read gets the API's own error answer.
    let stream = LongTargetGuard::new(stream);
    let io = TokioIo::new(WatchedStream::new(stream, watch, activity.clone()));
    let request_context = Arc::new(RequestContext {
        router: settings.router.clone(),
        remote,
        verdict,
        slot: slot.state.clone(),
        max_header_bytes: limits.max_header_bytes,
    });
    let service = hyper::service::service_fn(move |request| {
        let context = request_context.clone();
        async move { Ok::<_, Infallible>(context.serve(request).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(HeadTimer::new(
            limits.header_read_timeout,
            limits.keep_alive_timeout,
            activity,
        ))
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_head_bytes())
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    if *stopping.borrow() {
        connection.as_mut().graceful_shutdown();
    } else {
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
            _ = slot.state.close_for_room.notified() => {
                if slot.state.is_idle() {
                    return; // dropping the connection closes it
                }
                connection.as_mut().graceful_shutdown();
            }
        }
    }
    let _ = connection.await;
}

/// What serving one request on this connection needs.
struct RequestContext {
    router: Router,
    remote: SocketAddr,
    verdict: Arc<FramingVerdict>,
    slot: Arc<SlotState>,
    max_header_bytes: usize,
}

impl RequestContext {
    async fn serve(&self, mut request: Request<Incoming>) -> Response<TrackedBody> {
        let in_flight = InFlight::start(self.slot.clone());
        if self.verdict.conflicting_lengths() {
            return refuse(
                StatusCode::BAD_REQUEST,
                "a request may not carry both Content-Length and Transfer-Encoding\n",
                in_flight,
            );
        }
        if header_bytes(request.headers()) > self.max_header_bytes {
            return refuse(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "the request's header fields are too large\n",
                in_flight,
            );
        }
        // The framing watch stops after a chunked request: nothing may follow it here.
        let chunked = request.headers().contains_key(header::TRANSFER_ENCODING);
        request.extensions_mut().insert(ConnectInfo(self.remote));
        let mut router = self.router.clone();
        let response = match router.call(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (mut parts, body) = response.into_parts();
        if chunked {
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Response::from_parts(parts, TrackedBody::new(body, in_flight))
    }
}

/// Bytes of a request's header fields as sent: name, `: `, value and CRLF each.
fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// A plain-text refusal after which the connection closes.
fn refuse(status: StatusCode, text: &'static str, in_flight: InFlight) -> Response<TrackedBody> {
    let mut response = Response::new(TrackedBody::new(Body::from(text), in_flight));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A request under way on a connection, until its response's body is dropped.
struct InFlight(Arc<SlotState>);

impl InFlight {
    fn start(slot: Arc<SlotState>) -> InFlight {
        slot.request_started();
        InFlight(slot)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that keeps its request counted as under way until hyper has sent
/// (or dropped) all of it, so a connection is never closed for room mid-response.
pub struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl TrackedBody {
    fn new(inner: Body, in_flight: InFlight) -> TrackedBody {
        TrackedBody {
            inner,
            _in_flight: in_flight,
        }
    }
}

impl HttpBody for TrackedBody {
    type Data = <Body as HttpBody>::Data;
    type Error = <Body as HttpBody>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
