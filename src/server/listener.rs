//! The accept loop of one listening socket: a slot per connection ([`super::slots`]),
//! the TLS handshake when configured, a task per connection ([`super::connection`]), and
//! on shutdown: stop accepting, let every connection finish, return.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::connection::{ConnectionSettings, serve_connection};
use super::slots::{ConnectionSlots, Slot};

/// Accepts connections on `listener` until `shutdown` resolves, then waits for the
/// open ones: idle connections close at once, requests under way finish first.
pub async fn accept_until(
    listener: TcpListener,
    settings: ConnectionSettings,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let slots = ConnectionSlots::new(settings.limits.max_connections);
    let settings = Arc::new(settings);
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    pause_after_accept_error(e).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = tokio::select! {
            slot = slots.take() => slot,
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_accepted(
            stream,
            remote,
            slot,
            settings.clone(),
            tls.clone(),
            stopping.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    slots.all_closed().await;
}

/// Serves one accepted connection, after the TLS handshake when there is one.
async fn serve_accepted(
    stream: TcpStream,
    remote: SocketAddr,
    slot: Slot,
    settings: Arc<ConnectionSettings>,
    tls: Option<TlsAcceptor>,
    stopping: watch::Receiver<bool>,
) {
    let Some(tls) = tls else {
        return serve_connection(stream, remote, slot, settings, stopping).await;
    };
    // A handshake gets the time a request head gets.
    let timeout = settings.limits.header_read_timeout;
    match tokio::time::timeout(timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => serve_connection(stream, remote, slot, settings, stopping).await,
        Ok(Err(e)) => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
    }
}

/// Errors of one connection (it was reset before accept returned) are ignored; others
/// (out of file descriptors, say) are logged and accept pauses a moment, as
/// `axum::serve` does, so the loop does not spin.
async fn pause_after_accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
